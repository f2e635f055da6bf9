"""The token cursor of the article view: making and reshaping spans from the keyboard.

A mixin of ArticleView: the cursor moves token by token (w/b), ``mark()`` anchors a
selection that follows the cursor, and ``grow`` moves one end of a span by one token. All
offsets are logical and on token boundaries from annotations.nlp.tokens.
"""

from __future__ import annotations

from annotations.model import Span
from tui.token_cursor import Token, TokenIndex


class TokenSelectionMixin:
    """Token cursor state and API; the widget provides the repaint, scroll and message hooks."""

    tokens: TokenIndex
    _token_mode: bool = False
    _cursor: Token | None = None
    _anchor: Token | None = None

    def _token_mode_start(self) -> int:  # pragma: no cover - provided by the widget
        raise NotImplementedError

    def _refresh_offsets(self, start: int, end: int) -> None:  # pragma: no cover
        raise NotImplementedError

    def _bring_into_view(self, start: int, end: int, center: bool = False) -> None:  # pragma: no cover
        raise NotImplementedError

    def _repaint(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _post_selection(self, selection: tuple[int, int] | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _post_token_mode(self, on: bool) -> None:  # pragma: no cover
        raise NotImplementedError


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
            self._cursor = self.tokens.token_at(self._token_mode_start())
        else:
            self.clear_selection()
            self._cursor = None
        self._repaint()
        if self._cursor is not None:
            self._bring_into_view(*self._cursor)
        self._post_token_mode(on)

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
                self._refresh_offsets(*old)
        self._cursor = token
        after = self.selection
        for new in (token, after):
            if new is not None:
                self._refresh_offsets(*new)
        self._bring_into_view(*token)
        if after != before:
            self._post_selection(after)

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
        self._refresh_offsets(*self._cursor)
        if before is not None:
            self._refresh_offsets(*before)
        if self.selection != before:
            self._post_selection(self.selection)
        return self.selection

    def clear_selection(self) -> None:
        """Drop the mark (the token cursor stays)."""
        before = self.selection
        self._anchor = None
        if before is not None:
            self._refresh_offsets(*before)
            self._post_selection(None)

    def token_bounds_around(self, span: Span | tuple[int, int]) -> list[Token]:
        """The tokens of the paragraph holding ``span``: where it can grow or shrink."""
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        return self.tokens.around(start, end)

    def grow(self, span: Span | tuple[int, int], side: str, delta: int) -> tuple[int, int] | None:
        """``span`` with its ``side`` ("start"/"end") moved by one token: +1 widens, -1 narrows."""
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        return self.tokens.grow(start, end, side, delta)
