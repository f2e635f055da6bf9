"""No control or escape sequence from an article reaches the terminal; placeholders do."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

from article_view_app import ArticleViewApp

from annotations.model import Article
from annotations.text import display_safe
from tui.widgets.article_view import ArticleView

SCRIPT = Path(__file__).with_name("article_view_app.py")
CONTROLS = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) != "\n")


def _read_until(fd: int, buffer: bytearray, needle: bytes, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return needle in buffer
            if not chunk:
                return needle in buffer
            buffer.extend(chunk)
            if needle and needle in buffer:
                return True
    return needle in buffer


def test_escape_sequences_in_an_article_never_reach_a_real_terminal():
    pid, fd = pty.fork()
    if pid == 0:  # child: a terminal of 100x24, then the app
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL")}
        env.update(TERM="xterm-256color", COLORTERM="truecolor")
        os.execve(sys.executable, [sys.executable, str(SCRIPT)], env)
    raw = bytearray()
    try:
        shown = _read_until(fd, raw, b"END", 60)
        time.sleep(0.5)
        _read_until(fd, raw, b"", 0.5)
        os.write(fd, b"q")
        _read_until(fd, raw, b"\x00never", 10)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    assert shown, f"the app never painted its article: {bytes(raw[-500:])!r}"
    data = bytes(raw)
    for sequence in (b"\x1b]52", b"\x1b[2J", b"\x1b]0;", b"\xc2\x9b"):
        assert sequence not in data
    text = data.decode("utf-8", errors="replace")
    assert "\x9b" not in text  # the one-character CSI, in any encoding
    for placeholder in ("\u241b]52;c;SGVsbG8=\u2407", "\u241b[2J", "\u241b]0;title\u2407", "\ufffd2J",
                        "[b]bold[/b] [link=https://example.com]x[/link]"):
        assert placeholder in text


async def test_rendered_strips_hold_no_control_characters():
    text = f"all controls: {CONTROLS} end\nand\ttabs"
    view = ArticleView(Article(1, "t", text, "en", None, "h"), [])
    app = ArticleViewApp()
    async with app.run_test(size=(120, 10)) as pilot:
        await app.query_one(ArticleView).remove()
        await app.mount(view)
        await pilot.pause()
        rendered = "".join(view.render_line(y).text for y in range(4))
    assert "all controls:" in rendered and "tabs" in rendered
    assert not any(c in CONTROLS for c in rendered)
    assert "\u241b" in rendered and "\u2421" in rendered  # ESC and DEL placeholders


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_overrides_are_neutralised_one_for_one():
    """An override (U+202E) in a title or article would reorder what the terminal shows after it
    (a file name that reads backwards, a span that seems to say something else)."""
    text = f"safe {BIDI_CONTROLS} end"
    shown = display_safe(text)
    assert len(shown) == len(text)
    assert not any(c in BIDI_CONTROLS for c in shown)
    assert shown == "safe " + "\ufffd" * len(BIDI_CONTROLS) + " end"


async def test_rendered_strips_hold_no_bidi_overrides():
    text = "before \u202egnp.exe\u202c after\nand \u2067isolate\u2069 too"
    view = ArticleView(Article(1, "t", text, "en", None, "h"), [])
    app = ArticleViewApp()
    async with app.run_test(size=(120, 10)) as pilot:
        await app.query_one(ArticleView).remove()
        await app.mount(view)
        await pilot.pause()
        rendered = "".join(view.render_line(y).text for y in range(3))
    assert "gnp.exe" in rendered and "isolate" in rendered
    assert not any(c in BIDI_CONTROLS for c in rendered)


HOSTILE = "\x1b]0;pwned\x07 \x1b[2J \u009b2J \u202eevil"


async def test_titles_in_the_library_and_text_in_the_details_bar_stay_inert(tmp_path):
    """Not only the article body: the library's title column, the pane title and the details bar
    show article text too, and must show placeholders instead of control characters."""
    from app_helpers import open_first, screen_text

    from annotations.model import ArticleRecord
    from annotations.store import Store
    from tui.app import make_app

    db = tmp_path / "parallax.db"
    text = f"Headline {HOSTILE}\n\nThe {HOSTILE} agency spoke."
    with Store(db, annotator="alice") as store:
        article_id, _ = store.loading.add_article(ArticleRecord(text=text, lang="en"))
        start = text.index("The ") + 4
        store.decisions.create_span(article_id, start, start + len(HOSTILE), "ORG")
    app = make_app(db, annotator="alice", preannotate=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.3)
        library = screen_text(app)
        await open_first(pilot)
        await pilot.pause(0.3)
        reader = screen_text(app)
    unsafe = set(CONTROLS.replace("\t", "")) | set(BIDI_CONTROLS)
    for shown in (library, reader):
        assert "Headline" in shown and "pwned" in shown
        assert not unsafe & set(shown), sorted(unsafe & set(shown))
    assert reader.count("pwned") >= 3  # the title line, the article and the details bar
