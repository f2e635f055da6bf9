"""``parallax export``: gold spans to spaCy, Prodigy JSONL, CoNLL or Hugging Face files."""

from __future__ import annotations

import click

from ..store import StoreError
from .common import check_lang, db_option, fail, open_store, safe_line

MAX_PROBLEMS_SHOWN = 200


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["spacy", "jsonl", "conll", "hf", "kb"]), required=True,
              help="spacy: LANG/train.spacy + LANG/dev.spacy; jsonl: Prodigy tasks; conll: IOB2; "
                   "hf: LANG/train.jsonl + LANG/dev.jsonl with integer ner_tags + LANG/labels.json; "
                   "kb: the entities as a spaCy knowledge base (kb/) + entities.jsonl + aliases.jsonl.")
@click.option("--vectors", default=None, metavar="PIPELINE",
              help="kb: the spaCy pipeline whose word vectors make the entity vectors (default: the "
                   "English one; without static vectors, hashed vectors are written, see meta.json).")
@click.option("--output", "-o", required=True, type=click.Path(),
              help="A folder for spacy and hf (one subfolder per language), a file for jsonl and "
                   "conll ('-' writes to stdout).")
@click.option("--lang", default=None, metavar="CODE", callback=check_lang,
              help="Export only the articles in this language (e.g. en).")
@click.option("--split", type=click.FloatRange(0, 1, min_open=True), default=0.8, show_default=True,
              help="Fraction of articles for train (spacy, hf), per language; the rest is dev. Train "
                   "gets at least one; with 2+ articles and a fraction below 1, so does dev.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the deterministic train/dev split by article.")
@click.option("--annotator", default=None,
              help="Export only this annotator's layer (articles they marked done, their spans).")
@click.option("--all", "everything", is_flag=True,
              help="Every article, not only gold ones (see above).")
@db_option
def export_cmd(fmt: str, vectors: str | None, output: str, lang: str | None, split: float, seed: int,
               annotator: str | None, everything: bool, db_path: str | None) -> None:
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
    Undecided suggestions: the suggestions a done article's gold layer left
    undecided are unknown, never "not an entity": missing tokens in spacy,
    tag "-" in conll, -100 in hf, and listed under "undecided" (not in
    "spans") in jsonl.

    \b
    Spans that do not fit the tokenizer are listed on stderr: in spacy their
    tokens are marked missing (never "not an entity"), in conll and hf they
    are snapped to whole tokens, in jsonl they keep their character offsets
    without token indices. Overlapping spans: the longest (then earliest)
    goes to doc.ents / the IOB tags; spacy keeps all in doc.spans["sc"].

    \b
    kb writes OUTPUT/kb, a spaCy InMemoryLookupKB for the entity linker
    (spacy.KBFromFile.v1, kb_path = "OUTPUT/kb"): every entity (id: its
    kb_id, else parallax:N; frequency: its mentions) and every written form
    of its mentions and aliases as an alias, with prior probabilities from
    the mention counts; plus entities.jsonl, aliases.jsonl and meta.json.

    \b
    spacy and hf write one corpus per language (OUTPUT/en/, OUTPUT/fr/, ...),
    each split into train and dev on its own. The database is opened
    read-only. Files are written all or nothing: a failed export leaves no
    partial file behind.
    """
    from ..export import ExportError, export

    store = open_store(db_path, readonly=True)
    if fmt == "kb" and vectors is None:
        from ..nlp.pipelines import resolve_pipelines

        vectors = resolve_pipelines(["en"], store.config.models).get("en")
    try:
        with store.reading():  # a damaged page: one line naming the file, and no file written
            result = export(store, fmt, output, split=split, seed=seed, annotator=annotator,
                            everything=everything, lang=lang, vectors=vectors)
    except (ExportError, StoreError) as exc:
        fail(str(exc))
    finally:
        store.close()
    if fmt == "kb":
        kb = result.kb
        click.echo(safe_line(f"exported {kb['entities']} entities and {kb['aliases']} aliases to "
                             f"{output}/kb (entity vectors: {kb['meta']['vectors']})"))
        return
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
    click.echo(safe_line(f"exported {result.spans} spans in {parts} to {files}; "
                            f"{len(result.misaligned)} not aligned with the tokens, "
                            f"{len(result.overlaps)} overlapping, "
                            f"{result.undecided} undecided suggestions written as unknown"), err=to_stderr)
    for code, n in result.languages.items():
        note = "" if n["dev"] or result.format != "spacy" else (
            " (no dev article: spacy train needs one; mark more articles in this language done)")
        click.echo(safe_line(f"  {code}: {n['train']} train, {n['dev']} dev{note}"), err=to_stderr)
