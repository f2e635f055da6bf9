"""``parallax merge``: bring annotators' databases from different machines into one."""

from __future__ import annotations

import click

from ..config import ConfigError
from ..model import EVERY_ARTICLE, ArticleRange
from ..store import Store, StoreError
from .common import article_range, fail, safe_line


@click.command("merge")
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The database to merge into (created if missing; may already hold work).")
@click.option("--articles", "within", default=None, metavar="FROM:TO", callback=article_range,
              help="Only the source articles with ids FROM to TO (both included, as each source numbers "
                   "them) and what belongs to them: how a corpus is cut into shards.")
def merge_cmd(sources: tuple[str, ...], output: str, within: ArticleRange | None) -> None:
    """Merge the Parallax databases SOURCES into --output.

    \b
    Articles are matched by content hash. Every annotator's decisions, tags,
    links and undo history come along (u undoes them in the merged database),
    and so do suggestions, entities, aliases and labels; nothing already in
    the output is overwritten, and merging the same database again changes
    nothing. A source whose annotator went on working since the last merge
    brings the new work. When the same annotator name made different
    decisions on the same article in two databases, the article is reported
    and the output keeps the version it had (exit status 1).

    \b
    Sources are read in one read transaction each (SQLite's WAL snapshot), so
    annotators can keep working in them while the merge runs; a source is
    never copied or changed. The output is locked while each source is merged.

    \b
    Shards for pre-annotation on several machines (see the README):
      parallax merge archive.db --articles 1:500000 -o shard1.db
      parallax merge archive.db --articles 500001: -o shard2.db
      ... parallax preannotate --db shard1.db, on each machine ...
      parallax merge shard1.db shard2.db -o archive.db
    """
    from ..store import check_merge, merge_output, merge_source

    conflicts = 0
    try:
        check_merge(sources, output)  # every source and the output, before anything is written
        with merge_output(output, lambda path: Store(path, annotator="merge")) as out:
            for source in sources:
                with out.presence.announce("merge"):
                    counts = merge_source(out, source, within or EVERY_ARTICLE)
                click.echo(safe_line(_summary(counts)))
                for c in counts.conflicts:
                    conflicts += 1
                    click.echo(safe_line(
                        f"{source}: conflict: {c.annotator}'s decisions on article {c.article_id} "
                        f"('{c.title[:60]}', hash {c.hash[:12]}) differ: {c.detail}; kept the output's. "
                        "Keep both by importing one under another annotator name, or settle it in the "
                        "app."), err=True)
    except (StoreError, ConfigError) as exc:
        fail(str(exc))
    if conflicts:
        click.echo(safe_line(f"{conflicts} conflict(s) reported; {output} holds everything else"), err=True)
        raise SystemExit(1)


def _summary(c) -> str:
    layers = f"{c.layers_copied} layer(s) copied"
    if c.layers_updated:
        layers += f", {c.layers_updated} brought up to date"
    if c.layers_same or c.layers_older:
        layers += f", {c.layers_same + c.layers_older} already there"
    left = f", {c.events_left_out} undo step(s) left out" if c.events_left_out else ""
    return (f"{c.source}: {c.articles_added} article(s) added, {c.articles_matched} already there; "
            f"{c.suggestions_added} suggestion(s), {c.entities_added} entit(ies) added; {layers}; "
            f"{c.events_copied} logged change(s) copied{left}; {len(c.conflicts)} conflict(s)")
