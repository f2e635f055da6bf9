"""The reader's open articles side by side, and which one keys act on."""

from __future__ import annotations

from textual.containers import Horizontal

from .pane import Pane


class PaneRow(Horizontal):
    """The panes, left to right (then whatever else the reader lays beside them), and the
    active one: the pane keys act on and the one drawn as active, one value."""

    def __init__(self) -> None:
        super().__init__(id="panes")
        self._active: Pane | None = None

    @property
    def panes(self) -> list[Pane]:
        """The open panes, left to right. Read from the children, not with a DOM query: every
        key reads this several times, and the query was a third of a decision's CPU time
        (matching every node of the screen against a selector)."""
        return [pane for pane in self.children if isinstance(pane, Pane) and not pane.closing]

    @property
    def active(self) -> Pane | None:
        """The pane set by :meth:`set_active` while it is open, else the first one.

        Not derived from focus: Textual moves focus later (``focus()`` is queued), so two tabs
        sent together would both read the old focus and move one pane only.
        """
        panes = self.panes
        if self._active is not None and self._active in panes:
            return self._active
        return panes[0] if panes else None

    def set_active(self, pane: Pane) -> bool:
        """Make ``pane`` the active one now (drawn so at once); True if it was not already."""
        changed = pane is not self._active
        self._active = pane
        for other in self.panes:
            if other is not pane:
                other.remove_class("-active")
        pane.add_class("-active")  # one being composed is not a child yet
        return changed

    async def add(self, pane: Pane) -> None:
        """Mount ``pane`` after the last open pane (before what lies beside the panes)."""
        panes = self.panes
        if panes:
            await self.mount(pane, after=panes[-1])
        else:
            await self.mount(pane, before=0)
