"""``parallax agreement``: inter-annotator agreement as tables, or JSON with ``--json``."""

from __future__ import annotations

import json

import click

from ..store import StoreError
from .common import db_option, fail, open_store, safe_line


@click.command("agreement")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--annotators", default=None, metavar="A,B,...",
              help="Compare these annotators (default: everyone who marked an article done; "
                   "a review layer is named review:NAME).")
@click.option("--label", default=None, help="Only spans (and tokens) of this label.")
@db_option
def agreement_cmd(as_json: bool, annotators: str | None, label: str | None, db_path: str | None) -> None:
    """Show how far annotators agree, over the articles each pair marked done.

    \b
    For each pair: span precision, recall and F1, exact (same start, end and
    label) and overlap (same label, a character in common, paired one to
    one), per label and overall, the first annotator taken as the reference;
    Cohen's kappa over spaCy's tokens (the IOB2 tags the CoNLL export
    writes; tokens either layer left unknown are left out). For three
    annotators or more, Krippendorff's alpha (nominal) over the tokens of
    the articles two or more of them finished. Every figure says how many
    articles, spans or tokens it rests on; "-" where it is undefined.

    \b
    The database is opened read-only.
    """
    from ..agreement import AgreementError, compute_agreement
    from ..agreement.render import render_agreement

    names = [n.strip() for n in annotators.split(",") if n.strip()] if annotators else None
    store = open_store(db_path, readonly=True)
    try:
        report = compute_agreement(store, names, label)
    except (StoreError, AgreementError) as exc:
        fail(f"{store.path}: {exc}" if isinstance(exc, AgreementError) else str(exc))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(safe_line(line) for line in render_agreement(report)))
