"""Copying to the clipboard from a terminal app, locally or over SSH, without ever crashing.

OSC 52 (``App.copy_to_clipboard``) reaches the annotator's own terminal even over
SSH but gives no success signal; pyperclip reaches the local desktop clipboard
when there is one (and would target the remote machine over SSH, so it is not
used there). The returned sentence says honestly which route was taken.
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
            routes.append("via terminal OSC 52")
    except Exception:  # a dead terminal must not take the app down
        pass
    if not os.environ.get("SSH_CONNECTION") and not os.environ.get("SSH_TTY"):
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
