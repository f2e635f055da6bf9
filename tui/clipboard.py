"""Copying to the clipboard from a terminal app, locally or over SSH, without ever crashing.

OSC 52 (``App.copy_to_clipboard``) reaches the annotator's own terminal even over
SSH, and under ``parallax serve`` the browser's clipboard (xterm.js writes it where the
page is a secure context: https, or this machine), but gives no success signal;
pyperclip reaches the local desktop clipboard when there is one (and would target the
remote machine over SSH or the server under ``parallax serve``, so it is not used
there). The returned sentence says honestly which route was taken.
"""

from __future__ import annotations

import os
import re

from textual.app import App

_SENTENCE_END = re.compile(r"[.!?؟。](?=[\s\"'”’»)\]]|$)|\n")


def copy_text(app: App, text: str) -> str:
    """Copy ``text``; return a status line saying how (or that it failed)."""
    routes: list[str] = []
    try:
        app.copy_to_clipboard(text)  # headless (tests): only remembered inside the app
        if app.is_running and not app.is_headless:
            routes.append("to the browser's clipboard, where it allows" if app.is_web
                          else "via terminal OSC 52")
    except Exception:  # a dead terminal must not take the app down
        pass
    # In a browser (parallax serve) the system clipboard is the server's: not the annotator's.
    if not os.environ.get("SSH_CONNECTION") and not os.environ.get("SSH_TTY") and not app.is_web:
        try:
            import pyperclip

            pyperclip.copy(text)
            routes.insert(0, "to the system clipboard")
        except Exception:  # PyperclipException with no display, or anything else
            pass
    if not routes:
        return ("could not copy: no system clipboard (install xclip or wl-clipboard) "
                "and the terminal is not attached")
    return f"copied {len(text)} characters (" + " and ".join(routes) + ")"


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from the previous sentence end to the next one."""
    left = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    following = _SENTENCE_END.search(text, end)
    right = following.end() if following else len(text)
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    return left, right
