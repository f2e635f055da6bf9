"""Export to DocBin: articles/s through ``export(store, "spacy", folder)``.

The comparison builds a DocBin straight from texts and offsets already in
memory (the same articles and gold spans, read from the database before the
clock starts): blank tokenizer of the article's language, ``char_span``,
``filter_spans``, ``doc.ents``, ``DocBin.add``, ``to_disk``. Parallax does
more on its clock: it reads the database (gold and merge rules), splits
train/dev, writes entity links, missing tokens, ``doc.spans["sc"]`` and user
data, and reports misaligned spans. A second row compares against a bare
DocBin that carries the same span group and user data through ``DocBin.add``.
"""

from __future__ import annotations

import shutil
import time

from bigdb import ANNOTATOR, build
from common import Figure, Row, Target, fmt, median

SPANS_PER_ARTICLE = 30


def _database(ctx):
    n = ctx.sizes.export_articles
    path = ctx.workdir / f"export_{n}.db"
    if not path.exists():
        for stale in ctx.workdir.glob(path.name + "*"):
            stale.unlink()
        build(path, n, SPANS_PER_ARTICLE, decided_every=1, done_every=1, seed=23)
    return path


def _in_memory(path) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    import sqlite3

    conn = sqlite3.connect(path)
    spans: dict[int, list] = {}
    for aid, start, end, label in conn.execute(
            "SELECT article_id, start, end, label FROM spans WHERE annotator=? AND status='accepted' "
            "ORDER BY article_id, start", (ANNOTATOR,)):
        spans.setdefault(aid, []).append((start, end, label))
    out = [(text, lang, spans.get(aid, [])) for aid, text, lang in
           conn.execute("SELECT id, text, lang FROM articles ORDER BY id")]
    conn.close()
    return out


def bare_docbin(items, folder, nlps: dict, *, like_parallax: bool = False) -> int:
    """The comparison: a DocBin from in-memory texts and offsets.

    ``like_parallax`` also writes what Parallax's DocBin carries beyond
    ``doc.ents``: every span in ``doc.spans["sc"]`` and the article in user data.
    """
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    docbin = DocBin(store_user_data=like_parallax)
    for i, (text, lang, offsets) in enumerate(items):
        doc = nlps[lang].make_doc(text)
        ents = [e for e in (doc.char_span(s, e, label=lab) for s, e, lab in offsets) if e is not None]
        doc.ents = filter_spans(ents)
        if like_parallax:
            doc.spans["sc"] = ents
            doc.user_data["parallax_article_id"] = i
            doc.user_data["parallax_title"] = text[:60]
        docbin.add(doc)
    folder.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(folder / "all.spacy")
    return len(docbin)


def parallax_export(path, folder) -> int:
    from annotations.export import export
    from annotations.store import Store

    with Store(path, annotator=ANNOTATOR, readonly=True) as store:
        result = export(store, "spacy", folder)
    return sum(result.articles.values())


def measure(ctx) -> Figure:
    import spacy

    from annotations.export import export  # noqa: F401  (skip the figure until it exists)
    from annotations.tokenizers import blank_nlp

    path = _database(ctx)
    items = _in_memory(path)
    n, n_spans = len(items), sum(len(x[2]) for x in items)
    # Both sides get their blank tokenizers built before the clock starts.
    nlps = {lang: spacy.blank(lang) for lang in {x[1] for x in items}}
    for lang in nlps:
        blank_nlp(lang)
    sides = {
        "parallax": lambda folder: parallax_export(path, folder),
        "bare": lambda folder: bare_docbin(items, folder, nlps),
        "like": lambda folder: bare_docbin(items, folder, nlps, like_parallax=True),
    }
    rates: dict[str, list[float]] = {name: [] for name in sides}
    out = ctx.workdir / "export_out"
    # 100 articles take about a second a side in quick mode: more rounds keep the median steady.
    runs = 5 if ctx.quick else 3
    # Round 0 is not timed: each side's tokenizer meets the corpus's words and lazy imports load.
    # Each timed round starts with a different side, so none always runs on a cold cache.
    for round_ in range(runs + 1):
        shutil.rmtree(out, ignore_errors=True)
        order = list(sides)[round_ % 3:] + list(sides)[:round_ % 3]
        for name in order:
            t0 = time.perf_counter()
            got = sides[name](out / name)
            seconds = time.perf_counter() - t0
            assert got == n, f"{name} wrote {got} of {n} articles"
            if round_:
                rates[name].append(n / seconds)
    ours, base, like = rates["parallax"], rates["bare"], rates["like"]
    sizes = {p.relative_to(out / "parallax").as_posix(): p.stat().st_size
             for p in (out / "parallax").rglob("*.spacy")}  # one train/dev pair per language
    shutil.rmtree(out, ignore_errors=True)
    return Figure(
        "export", "Export to DocBin",
        f"{n:,} articles marked done (English, French, Arabic; 2–8 KB), {n_spans:,} accepted spans, exported "
        "with `annotations.export.export(store, \"spacy\", folder)`: reading the database (gold and merge "
        "rules, undecided suggestions), one train/dev split per language, `doc.ents` with entity links "
        "and missing tokens, `doc.spans[\"sc\"]`, "
        "user data, problems report. The comparison builds one DocBin of `doc.ents` from the same texts and "
        "offsets already in memory, read before its clock starts (blank tokenizer, `char_span`, "
        "`filter_spans`, `doc.ents`, `DocBin.add`). The context row gives the bare DocBin the same span "
        "group and user data: `DocBin.add` serializes those with `srsly.msgpack_dumps`, which builds a new "
        "packer and looks up srsly's encoder registry on every call (three calls per Doc); Parallax writes "
        "the same bytes with one packer (a test compares them), so it can beat that row. "
        f"Rates are medians of {runs} timed rounds after one untimed round, each round starting with a "
        "different side. "
        f"Parallax wrote {', '.join(f'{k} {v / 1e6:.1f} MB' for k, v in sorted(sizes.items()))}.",
        [Row("DocBin export", median(ours), median(base), "articles/s", [Target("ratio", ">=", 0.8)],
             against="bare DocBin"),
         Row("context: against a bare DocBin carrying the same content", median(ours), median(like),
             "articles/s", note="`doc.spans[\"sc\"]` and user data too",
             against="bare DocBin, same content")],
        notes=[f"Per-round ratios (the sides of one round run back to back on the same shared cores, so "
               f"a shift in load hits them alike; steadier than the ratio of medians above): median "
               f"{fmt(paired(ours, base))} against the bare DocBin, {fmt(paired(ours, like))} against the "
               "one carrying the same content. The target is checked on the ratio of medians in the table."],
    )


def paired(ours: list[float], theirs: list[float]) -> float:
    """The median of per-round ratios: steadier than a ratio of medians when the load on the cores shifts."""
    return median([a / b for a, b in zip(ours, theirs, strict=True)])
