"""Parallax vs SLATE: launch, next key, decision key and peak memory, side by side in tmux.

SLATE 1.1.3 (pip install slate-nlp), the terminal annotator to beat, and Parallax run
the same articles with the same spans, each as a user runs it: a real program in a real
terminal (a private tmux server), driven by keys, timed by what its screen shows.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import slate_setup
from common import REPO, Figure, Row, Target, fmt, log, median, percentile
from corpus import CorpusGenerator
from tmux_control import TmuxControl, peak_rss_mib, plain, wait_gone

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store

QUIET_S = 0.5  # the screen has settled when it has not changed for this long
LAUNCH_TIMEOUT_S = 120.0
NEXT = {"parallax": "j", "slate": ";", "bare": "j"}  # next entity / next token ("; or RIGHT" in SLATE's help)
TOOLS = ("parallax", "slate", "bare")
NAMES = {"parallax": "Parallax", "slate": "SLATE", "bare": "bare Textual + sqlite3"}
BARE = Path(__file__).resolve().parent / "bare_annotator.py"  # the floor: a Textual app, a durable commit


@dataclass
class Article:
    key: str  # "5 KB" or "1 MB"
    text: str
    spans: list[tuple[int, int, str]]
    marker: str  # the first words of the body: on screen once the article's text is
    db: Path  # Parallax's database, pristine (copied for every run)
    txt: Path  # SLATE's text file
    annotations: str  # SLATE's annotation file, written afresh for every run
    items: int  # SLATE's items (spans on whole tokens)


def _articles(folder: Path) -> list[Article]:
    """The reader figure's two English articles (same generator and seed), a suggestion on every
    entity the generator put in; Parallax's database reopens the article through its session."""
    from annotations.tokenizers import token_offsets, tokenizer_name

    gen = CorpusGenerator(41)
    generated = {"1 MB": gen.article(1_000_000, "en"), "5 KB": gen.article(5_000, "en")}
    out = []
    for key in ("5 KB", "1 MB"):
        art = generated[key]
        stem = folder / key.replace(" ", "")
        for stale in folder.glob(f"{stem.name}.db*"):
            stale.unlink()
        db = stem.with_suffix(".db")
        with Store(db, annotator="bench") as store:
            (aid, _), = store.loading.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
            store.loading.add_suggestions(aid, [SpanRecord(s, e, label, origin="model", source="bench")
                                        for s, e, label in art.entities], pipeline="bench")
            store.tokens.save([(aid, tokenizer_name("en"), token_offsets(art.text, "en"))])
            store.presence.save_session({"library": {"cursor": aid},
                                "reader": {"articles": [aid], "panes": [{"article": aid, "span": None}],
                                           "active": 0}})
        assert not Path(f"{db}-wal").exists(), "the database must be one file to copy"
        txt = stem.with_suffix(".txt")
        txt.write_text(art.text, encoding="utf-8")
        annotations, items = slate_setup.annotation_file(art.text, art.entities)
        body = art.text[len(art.title) + 2:]
        marker = body[:28]
        assert marker.strip() and marker not in art.title and "\n" not in marker
        out.append(Article(key, art.text, art.entities, marker, db, txt, annotations, items))
    return out


class Runner:
    """One program, one article, one terminal size at a time, in sessions of one tmux server."""

    def __init__(self, folder: Path, slate: Path) -> None:
        self.folder = folder
        self.slate = slate
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PARALLAX_", "TEXTUAL"))}
        env["PYTHONPATH"] = str(REPO)
        self.tmux = TmuxControl(env)
        self.count = 0

    def close(self) -> None:
        self.tmux.close()

    def _prepare(self, tool: str, art: Article) -> tuple[list[str], Path]:
        """The command line, and the file the run writes to (a fresh copy every run)."""
        if tool == "parallax":
            work = self.folder / f"run-{art.db.name}"
            for stale in self.folder.glob(f"{work.name}*"):
                stale.unlink()
            shutil.copyfile(art.db, work)  # no process has either file open
            return [sys.executable, "-m", "tui", "open", "--db", str(work), "--annotator", "bench"], work
        if tool == "bare":
            work = self.folder / "bare.db"
            for stale in self.folder.glob(f"{work.name}*"):
                stale.unlink()
            return [sys.executable, str(BARE), str(art.txt), str(work)], work
        work = Path(f"{art.txt}.annotations")
        work.write_text(art.annotations, encoding="utf-8")
        for stale in self.folder.glob("slate-log*"):
            stale.unlink()
        return [str(self.slate), "-o", "-l", str(self.folder / "slate-log"), str(art.txt)], work

    def session(self, tool: str, art: Article, size: tuple[int, int], *, keys: bool = True) -> dict:
        """Launch to the article's text, the next key, a decision key, then the peak memory."""
        self.count += 1
        name = f"{tool}-{self.count}"
        argv, work = self._prepare(tool, art)
        tmux = self.tmux
        t0 = time.perf_counter()
        tmux.start(name, *size, argv, cwd=str(self.folder))
        pid = None
        try:
            out = {"launch_s": tmux.wait_until(name, lambda s: art.marker in plain(s), t0, LAUNCH_TIMEOUT_S)}
            pid = tmux.pid(name)
            tmux.quiet(name, QUIET_S)
            if keys:
                step = tmux.time_key(name, NEXT[tool], QUIET_S)
                if tool == "slate":  # its label key is a chord: space first, then time the letter
                    tmux.keys(name, "Space")
                    time.sleep(max(QUIET_S, 2 * step.settled))  # SLATE redraws after the space too
                decide = tmux.time_key(name, "a", QUIET_S)
                out.update(next_first_ms=step.first * 1000, next_settled_ms=step.settled * 1000,
                           decide_first_ms=decide.first * 1000, decide_settled_ms=decide.settled * 1000)
            out["peak_mib"] = peak_rss_mib(pid)
        finally:
            tmux.kill(name)
            if pid is not None:
                wait_gone(pid)
        if keys and tool == "parallax":
            with Store(work, annotator="bench", readonly=True) as store:
                decided = [s for s in store.view.spans(store.articles.ids()[0]) if s.status == "accepted"]
            assert len(decided) == 1, f"Parallax stored {len(decided)} decisions for one `a`"
        return out


def measure(ctx) -> Figure:
    import tui.app  # noqa: F401  (fail early, before building anything, if the app is broken)

    folder = ctx.workdir / "slate"
    folder.mkdir(parents=True, exist_ok=True)
    title = "Parallax vs SLATE"
    try:
        slate = slate_setup.install(folder)
    except slate_setup.SlateUnavailable as exc:
        log(f"[bench] slate: {exc}")
        return Figure("slate", title, __doc__.split("\n\n")[1].replace("\n", " "), unavailable=str(exc))
    sizes = [(80, 24)] if ctx.quick else [(80, 24), (160, 48)]
    rounds = 2 if ctx.quick else 5
    articles = _articles(folder)
    runner = Runner(folder, slate)
    results: dict[tuple[str, str, tuple[int, int]], list[dict]] = {}
    try:
        for tool in TOOLS:  # warm the disk cache and the interpreters; not counted
            runner.session(tool, articles[0], sizes[0], keys=False)
        for r in range(rounds):
            order = TOOLS if r % 2 == 0 else TOOLS[::-1]  # alternating which goes first
            for size in sizes:
                for tool in order:
                    for art in articles:
                        if tool == "bare" and art is not articles[0]:
                            continue  # the floor is measured on the 5 KB article only
                        results.setdefault((tool, art.key, size), []).append(runner.session(tool, art, size))
        polls = runner.tmux.polls.intervals
    finally:
        runner.close()
    return _figure(title, articles, sizes, rounds, results, polls)


def _figure(title: str, articles: list[Article], sizes, rounds: int, results: dict,
            polls: list[float]) -> Figure:
    def med(tool: str, key: str, size, field: str) -> float:
        return median([r[field] for r in results[(tool, key, size)]])

    def pair(key: str, size, field: str, other: str = "slate") -> tuple[float, float]:
        return med("parallax", key, size, field), med(other, key, size, field)

    bare = NAMES["bare"]

    def beyond_floor(size, field: str, limit: float) -> str:
        """Why a ratio target against SLATE is not gated, when the floor itself misses it."""
        floor = med("bare", "5 KB", size, field) / med("slate", "5 KB", size, field)
        if floor <= limit:
            return ""
        return (f"the floor alone, a bare Textual app with a durable commit (tests/bench/bare_annotator.py), "
                f"is {fmt(floor)}× SLATE here; the floor rows say what Parallax adds")

    def vs_slate(size, field: str, limit: float) -> list[Target]:
        return [Target("ratio", "<=", limit, ungated=beyond_floor(size, field, limit))]

    rows = []
    for size in sizes:
        w, h = size
        at = f"{w}x{h}"
        narrow = at == "80x24"
        rows += [
            Row(f"launch to the article's text, 5 KB article (Parallax through its saved session), {at}",
                *pair("5 KB", size, "launch_s"), "s", vs_slate(size, "launch_s", 4), kind="outside",
                against="SLATE"),
            Row(f"launch to the article's text, 1 MB article, {at}", *pair("1 MB", size, "launch_s"), "s",
                [Target("value", "<=", 1.5, "s")], kind="outside", against="SLATE"),
            Row(f"next key (Parallax j, SLATE ;), first change on screen, 5 KB, {at}",
                *pair("5 KB", size, "next_first_ms"), "ms", kind="outside", against="SLATE"),
            Row(f"next key, screen settled (its last change), 5 KB, {at}",
                *pair("5 KB", size, "next_settled_ms"), "ms",
                vs_slate(size, "next_settled_ms", 1.5 if narrow else 1), kind="outside", against="SLATE"),
            Row(f"decision key (Parallax a, committed with fsync; SLATE space a, in memory), first change, "
                f"5 KB, {at}", *pair("5 KB", size, "decide_first_ms"), "ms",
                vs_slate(size, "decide_first_ms", 1.5) if narrow else [], kind="outside", against="SLATE"),
            Row(f"peak memory (VmHWM), 5 KB article open, nothing loading, {at}",
                *pair("5 KB", size, "peak_mib"), "MiB", [Target("value", "<=", 60, "MiB")], kind="outside",
                against="SLATE"),
            Row(f"context: peak memory, 1 MB article open, {at}", *pair("1 MB", size, "peak_mib"), "MiB",
                kind="outside", against="SLATE"),
            Row(f"context: next key, screen settled, 1 MB, {at}", *pair("1 MB", size, "next_settled_ms"),
                "ms", kind="outside", against="SLATE"),
            Row(f"context: decision key, first change, 1 MB, {at}", *pair("1 MB", size, "decide_first_ms"),
                "ms", kind="outside", against="SLATE"),
            # What Parallax adds to the floor: these are gated (a regression of Parallax's own).
            Row(f"floor: launch to the article's text, 5 KB, {at}", *pair("5 KB", size, "launch_s", "bare"),
                "s", [Target("ratio", "<=", 1.5)], kind="overhead", against=bare),  # issue 20 §2
            Row(f"floor: next key, screen settled, 5 KB, {at}",
                *pair("5 KB", size, "next_settled_ms", "bare"), "ms", [Target("ratio", "<=", 1.5)],
                kind="overhead", against=bare),
            Row(f"floor: decision key, first change, 5 KB, {at}",
                *pair("5 KB", size, "decide_first_ms", "bare"), "ms", [Target("ratio", "<=", 2.5)],
                kind="overhead", against=bare),
            Row(f"floor: peak memory, 5 KB, {at}", *pair("5 KB", size, "peak_mib", "bare"), "MiB",
                [Target("ratio", "<=", 2)], kind="overhead", against=bare),
        ]
    small, big = articles
    launches = [r["launch_s"] for (tool, key, _), rs in results.items() for r in rs
                if tool == "parallax" and key == "1 MB"]
    notes = [
        f"Resolution of the method: the screen was captured every {fmt(median(polls) * 1000)} ms (median; "
        f"p95 {fmt(percentile(polls, 95) * 1000)} ms) through a tmux control-mode client, so a time here "
        "is late by at most about that much.",
        f"Slowest Parallax launch of the 1 MB article: {fmt(max(launches))} s.",
        "Spans: the generator's entities, every one a suggestion in Parallax "
        f"({len(small.spans):,} and {len(big.spans):,}) and an item in SLATE's file ({small.items:,} and "
        f"{big.items:,}; SLATE marks whole whitespace tokens, and spans falling on the same tokens would be "
        "one item). The issue's 19,762 came from a spaCy run on its 1 MB article; the real pipeline on "
        "this one suggests 30,869 (in 38 s and 3 GB here, too slow for every run), so the generator's "
        "entities stand in.",
        "SLATE's decision changes a colour on screen and nothing on disk (it saves on quit or every 100 "
        "keys); Parallax's is committed (synchronous=FULL) before the screen shows it.",
        "The floor (tests/bench/bare_annotator.py, 5 KB article only) is the least a Textual app with a "
        "durable decision can do: the text in one Static, j moving a highlight, a committing an INSERT "
        "(WAL, synchronous=FULL) then colouring the word; no library, session, spans or undo. Its rows "
        "(Parallax ÷ floor) are what Parallax adds on top of Python, Textual and an fsync; they are "
        "gated. A target against SLATE that the floor itself misses is reported, not gated.",
    ]
    setup = (
        f"{__doc__.split(chr(10) * 2)[1].replace(chr(10), ' ')} The articles are the reader figure's: "
        f"{len(small.text):,} and {len(big.text):,} characters of English (tests/bench/corpus.py, seed 41). "
        "Parallax opens its database with the article in its saved session (the session reopens it); "
        "SLATE opens the text file with its annotation file (`slate -o FILE`, token scope, its default "
        "labels a/s/d standing for PERSON/ORG/GPE). Each run: start the program in a new tmux session "
        "of the size shown and time until the first words of the article's body are on screen (launch); "
        f"wait until the screen has not changed for {QUIET_S:g} s; press the next key (Parallax `j`, the "
        "next entity; SLATE `;`, the next token) and time the first change of the captured screen "
        "(colours included) and its last change before it stayed the same for "
        f"{QUIET_S:g} s (settled); press the decision key (Parallax `a`, accept; SLATE's label chord "
        "space then `a`, the `a` timed) the same way; then read the program's peak resident set "
        "(`VmHWM`) with nothing loading (Parallax's tokens are stored and its article marked "
        "pre-annotated, so no NLP process starts). Parallax's database is checked to hold the one "
        f"decision. {rounds} rounds, each running every program on both articles at every size, the "
        "programs alternating which goes first; medians. The targets are the issue's (launch 5 KB ≤ 4× "
        "SLATE, 1 MB ≤ 1.5 s; settled key ≤ 1.5× SLATE at 80x24 and ≤ 1× at 160x48; decision ≤ 1.5× "
        "at 80x24; memory ≤ 60 MiB; launch ≤ 1.5× the bare floor, issue 20); the key targets are on the "
        "5 KB article, the 1 MB key rows show "
        "where SLATE slows down."
    )
    return Figure("slate", title, setup, rows, notes)
