"""``parallax export``: gold spans to spaCy, Prodigy JSONL, CoNLL or Hugging Face files."""

from __future__ import annotations

import click

from ..store import StoreError
from .common import db_option, fail, open_store

MAX_PROBLEMS_SHOWN = 200


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["spacy", "jsonl", "conll", "hf"]), required=True,
              help="spacy: train.spacy + dev.spacy; jsonl: Prodigy tasks; conll: IOB2; "
                   "hf: train/dev JSONL with integer ner_tags + labels.json.")
@click.option("--output", "-o", required=True, type=click.Path(),
              help="A folder for spacy and hf, a file for jsonl and conll ('-' writes to stdout).")
@click.option("--split", type=click.FloatRange(0, 1, min_open=True), default=0.8, show_default=True,
              help="Fraction of articles for train (spacy, hf); the rest is dev. With 2+ articles "
                   "and a fraction below 1, dev gets at least one.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the deterministic train/dev split by article.")
@click.option("--annotator", default=None,
              help="Export only this annotator's layer (articles they marked done, their spans).")
@click.option("--all", "everything", is_flag=True,
              help="Every article, not only gold ones (see above).")
@db_option
def export_cmd(fmt: str, output: str, split: float, seed: int, annotator: str | None,
               everything: bool, db_path: str | None) -> None:
    """Export annotations as training data.

    \b
    Gold (default): articles an annotator marked done, with that annotator's
    accepted and corrected spans (imported accepted records count as done).
    Merge rule: when several annotators marked an article done, the layer of
    the one who marked it done most recently wins (ties: first name in
    alphabetical order); --annotator NAME takes NAME's layer instead.

    \b
    --all: every article. jsonl then holds every annotator's decisions
    (rejections too) and the suggestions nobody decided on, each span with
    status, origin and annotator; spacy, conll and hf hold each article's
    best-available spans: its gold layer when done, else the accepted and
    corrected spans plus the undecided suggestions of whoever worked on it
    last (the bare suggestions when nobody did).

    \b
    Spans that do not fit the tokenizer are listed on stderr: in spacy their
    tokens are marked missing (never "not an entity"), in conll and hf they
    are snapped to whole tokens, in jsonl they keep their character offsets
    without token indices. Overlapping spans: the longest (then earliest)
    goes to doc.ents / the IOB tags; spacy keeps all in doc.spans["sc"].
    """
    from ..export import ExportError, export

    store = open_store(db_path, create=False)
    try:
        result = export(store, fmt, output, split=split, seed=seed, annotator=annotator,
                        everything=everything)
    except (ExportError, StoreError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or output}: cannot write the export ({exc.strerror or exc}); "
             "check the path and its permissions")
    finally:
        store.close()
    _report(result, to_stderr=output == "-")


def _report(result, *, to_stderr: bool) -> None:
    for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(problem.describe(), err=True)
    hidden = len(result.problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        click.echo(f"({hidden} more not shown)", err=True)
    counts = result.articles
    parts = (f"{counts['all']} articles" if "all" in counts
             else f"{counts['train'] + counts['dev']} articles "
                  f"({counts['train']} train, {counts['dev']} dev)")
    files = ", ".join(result.files.values())
    click.echo(f"exported {result.spans} spans in {parts} to {files}; "
               f"{len(result.misaligned)} not aligned with the tokens, "
               f"{len(result.overlaps)} overlapping", err=to_stderr)
