"""The token cursor of the article view: making and reshaping spans from the keyboard.

A part of :class:`tui.widgets.article_view.ArticleView`, given the article's tokens and the
widget as a :class:`TokenHost`: the cursor moves token by token (w/b), ``mark()`` anchors a
selection that follows the cursor, and ``grow`` moves one end of a span by one token. All
offsets are logical and on token boundaries from annotations.tokenizers.
"""

from __future__ import annotations

from typing import Protocol

from annotations.model import Span
from tui.token_cursor import Token, TokenIndex


class TokenHost(Protocol):
    """What the token cursor uses of the article view: where it starts, repaint, scrolling, messages."""

    def token_mode_start(self) -> int:
        """The offset the token cursor starts at (the selected span, else the top line)."""
        ...

    def refresh_offsets(self, start: int, end: int) -> None:
        """Repaint the lines showing ``[start, end)``."""
        ...

    def bring_into_view(self, start: int, end: int, center: bool = False) -> None: ...

    def repaint(self) -> None: ...

    def selection_changed(self, selection: tuple[int, int] | None) -> None:
        """Tell the screen the marked range changed."""
        ...

    def token_mode_changed(self, on: bool) -> None:
        """Tell the screen the token cursor came or went."""
        ...


class TokenSelection:
    """Token cursor state and moves, for one article view (``host``)."""

    def __init__(self, tokens: TokenIndex, host: TokenHost) -> None:
        self.tokens = tokens
        self._host = host
        self._token_mode = False
        self._cursor: Token | None = None
        self._anchor: Token | None = None

    @property
    def token_mode(self) -> bool:
        """True while the token cursor (for making spans from the keyboard) is shown."""
        return self._token_mode

    @token_mode.setter
    def token_mode(self, on: bool) -> None:
        if on == self._token_mode:
            return
        self._token_mode = on
        if on:
            self._cursor = self.tokens.token_at(self._host.token_mode_start())
        else:
            self.clear_selection()
            self._cursor = None
        self._host.repaint()
        if self._cursor is not None:
            self._host.bring_into_view(*self._cursor)
        self._host.token_mode_changed(on)

    @property
    def token_cursor(self) -> Token | None:
        """(start, end) of the token under the token cursor."""
        return self._cursor

    @property
    def selection(self) -> tuple[int, int] | None:
        """The marked range, from the mark to the token cursor, on token boundaries."""
        if self._anchor is None or self._cursor is None:
            return None
        return (min(self._anchor[0], self._cursor[0]), max(self._anchor[1], self._cursor[1]))

    def _set_cursor(self, token: Token | None) -> None:
        if token is None or token == self._cursor:
            return
        before = self.selection
        for old in (self._cursor, before):
            if old is not None:
                self._host.refresh_offsets(*old)
        self._cursor = token
        after = self.selection
        for new in (token, after):
            if new is not None:
                self._host.refresh_offsets(*new)
        self._host.bring_into_view(*token)
        if after != before:
            self._host.selection_changed(after)

    def move_token(self, delta: int) -> Token | None:
        """Move the token cursor by ``delta`` tokens (turning token mode on first if it is off)."""
        if not self._token_mode:
            self.token_mode = True
            return self._cursor
        self._set_cursor(self.tokens.step(self._cursor, delta))
        return self._cursor

    def move_token_to(self, offset: int) -> Token | None:
        """Put the token cursor on the token at (or after) ``offset``."""
        if not self._token_mode:
            self.token_mode = True
        self._set_cursor(self.tokens.token_at(offset))
        return self._cursor

    def mark(self) -> tuple[int, int] | None:
        """Start a selection at the token cursor; moving the cursor extends it."""
        if not self._token_mode:
            self.token_mode = True
        if self._cursor is None:
            return None
        before = self.selection
        self._anchor = self._cursor
        self._host.refresh_offsets(*self._cursor)
        if before is not None:
            self._host.refresh_offsets(*before)
        if self.selection != before:
            self._host.selection_changed(self.selection)
        return self.selection

    def clear_selection(self) -> None:
        """Drop the mark (the token cursor stays)."""
        before = self.selection
        self._anchor = None
        if before is not None:
            self._host.refresh_offsets(*before)
            self._host.selection_changed(None)

    def token_bounds_around(self, span: Span | tuple[int, int]) -> list[Token]:
        """The tokens of the paragraph holding ``span``: where it can grow or shrink."""
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        return self.tokens.around(start, end)

    def grow(self, span: Span | tuple[int, int], side: str, delta: int) -> tuple[int, int] | None:
        """``span`` with its ``side`` ("start"/"end") moved by one token: +1 widens, -1 narrows."""
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        return self.tokens.grow(start, end, side, delta)
