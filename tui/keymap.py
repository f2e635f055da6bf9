"""Every key binding of the app, with an id, and remapping from the config's ``[keys]`` table.

Bindings live here rather than in each screen so the help screen, the command
palette and the config check all see one list. A user remaps a binding by id::

    [keys]
    "reader.accept" = "a,enter"
    "reader.next_pane" = "tab,ctrl+l"
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from textual.binding import Binding

from .keymap_team import AGREEMENT_BINDINGS, LIBRARY_REVIEW, READER_LAYER, REVIEW_BINDINGS, TEAM_HELP

APP_BINDINGS = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit_now"),
    Binding("question_mark,f1", "help", "Help", id="app.help"),
]

LIBRARY_BINDINGS = [
    Binding("slash", "focus_search", "Search", id="library.search"),
    Binding("escape", "focus_list", "List", show=False, id="library.list"),
    Binding("f", "focus_filters", "Filters", id="library.filters"),
    Binding("ctrl+r", "clear_filters", "Reset", show=False, id="library.clear"),
    LIBRARY_REVIEW,
    Binding("C", "app.conflicts", "Conflicts", show=False, id="library.conflicts"),
    Binding("l", "set_language", "Language", show=False, id="library.language"),
]

# The library list's own keys (tui.widgets.article_list.ArticleList binds them):
# (id, keys, description, action, shown in the footer).
LIBRARY_LIST_BINDINGS = [
    ("library.down", "down,j", "Next article", "cursor(1)", False),
    ("library.up", "up,k", "Previous article", "cursor(-1)", False),
    ("library.page_down", "pagedown", "Page down", "page(1)", False),
    ("library.page_up", "pageup", "Page up", "page(-1)", False),
    ("library.first", "home", "First article", "edge(0)", False),
    ("library.last", "end", "Last article", "edge(1)", False),
    ("library.mark", "space", "Mark", "toggle_mark", True),
    ("library.open", "enter", "Open", "open", True),
]
LIBRARY_LIST_KEYS = [(binding_id, keys, description)
                     for binding_id, keys, description, _, _ in LIBRARY_LIST_BINDINGS]

_READER_KEYS = [
    Binding("j,down", "select(1)", "Next", id="reader.next"),
    Binding("k,up", "select(-1)", "Prev", show=False, id="reader.prev"),
    Binding("a", "accept", "Accept", id="reader.accept"),
    Binding("x", "reject", "Reject", id="reader.reject"),
    Binding("A", "accept_all", "Accept all", show=False, id="reader.accept_all"),
    *[Binding(str(n), f"label_number({n})", f"Label {n}", show=False, id=f"reader.label_{n}")
      for n in range(1, 10)],
    Binding("l", "pick_label", "Label", id="reader.pick_label"),
    Binding("u", "undo", "Undo", id="reader.undo"),
    Binding("U", "redo", "Redo", show=False, id="reader.redo"),
    Binding("d", "toggle_done", "Done", id="reader.done"),
    Binding("n", "article(1)", "Next article", show=False, id="reader.next_article"),
    Binding("p", "article(-1)", "Prev article", show=False, id="reader.prev_article"),
    Binding("tab", "pane(1)", "Pane", show=False, id="reader.next_pane"),
    Binding("shift+tab", "pane(-1)", "Prev pane", show=False, id="reader.prev_pane"),
    Binding("left_square_bracket", "grow('start', 1)", "Start ←", show=False, id="reader.start_extend"),
    Binding("right_square_bracket", "grow('start', -1)", "Start →", show=False, id="reader.start_shrink"),
    Binding("left_curly_bracket", "grow('end', -1)", "End ←", show=False, id="reader.end_shrink"),
    Binding("right_curly_bracket", "grow('end', 1)", "End →", show=False, id="reader.end_extend"),
    Binding("w", "token(1)", "Token", id="reader.token_next"),
    Binding("b", "token(-1)", "Back", id="reader.token_prev"),
    Binding("v", "mark", "Select", id="reader.select_start"),
    Binding("m", "make_span", "Make span", id="reader.make_span"),
    Binding("D,delete", "delete_span", "Delete span", show=False, id="reader.delete"),
    Binding("t", "tag_span", "Tag", show=False, id="reader.tag_span"),
    Binding("T", "tag_article", "Tag article", show=False, id="reader.tag_article"),
    Binding("e", "link_entity", "Link", show=False, id="reader.link"),
    Binding("c", "copy('entity')", "Copy", show=False, id="reader.copy_entity"),
    Binding("y", "copy('sentence')", "Copy sentence", show=False, id="reader.copy_sentence"),
    Binding("Y", "copy('article')", "Copy article", show=False, id="reader.copy_article"),
    Binding("B", "toggle_bidi", "Bidi", show=False, id="reader.bidi"),
    READER_LAYER,
    # Entities across articles (issue 9): tui/screens/reader_entities.py
    Binding("E", "toggle_entities", "Entities", show=False, id="reader.entities"),
    Binding("greater_than_sign", "mention(1)", "Next mention", show=False, id="reader.next_mention"),
    Binding("less_than_sign", "mention(-1)", "Prev mention", show=False, id="reader.prev_mention"),
    Binding("f", "jump_word", "Find word", show=False, id="reader.jump_word"),
    Binding("asterisk", "propagate", "Every one", show=False, id="reader.propagate"),
    Binding("C", "app.conflicts", "Conflicts", show=False, id="reader.conflicts"),
    Binding("escape", "back", "Library", show=False, id="reader.back"),  # in ? help: no room at 80 columns
]
# Every reader key is a priority binding: Textual runs those as each key arrives, but sends
# the others through the focused view and back up, so a key typed ahead (j, tab) overtook
# one typed before it (a) and the decision landed on another span or pane. The reader has
# no text field that needs its keys first (the arrows and tab would otherwise go to the
# view's scrolling and to focus_next).
READER_BINDINGS = [dataclasses.replace(binding, priority=True) for binding in _READER_KEYS]

# The reader's actions that write a decision, each with what the status bar calls it when it
# cannot be done. The reader's check_action greys these out in the footer while nothing may be
# written (--readonly, or another annotator's layer shown), and their keys say why.
WRITE_ACTIONS = {
    "accept": "accept",
    "reject": "reject",
    "accept_all": "accept all",
    "label_number": "relabel",
    "pick_label": "relabel",
    "make_span": "making a span",
    "grow": "moving a boundary",
    "delete_span": "delete",
    "undo": "undo",
    "redo": "redo",
    "toggle_done": "marking done",
    "tag_span": "tagging",
    "tag_article": "tagging",
    "link_entity": "linking",
    "propagate": "every identical mention",
}

# The entity panel's own keys, while it has the focus (tui.widgets.entity_panel).
ENTITY_PANEL_BINDINGS = [
    Binding("j", "move(1)", "Down", show=False, id="entities.down"),
    Binding("k", "move(-1)", "Up", show=False, id="entities.up"),
    Binding("l", "link", "Link", id="entities.link"),
    Binding("escape", "leave", "Panes", id="entities.back"),
]

# The conflicts view (tui.screens.conflicts).
CONFLICTS_BINDINGS = [
    Binding("j,down", "move(1)", "Next", show=False, id="conflicts.next"),
    Binding("k,up", "move(-1)", "Prev", show=False, id="conflicts.prev"),
    Binding("enter", "go", "Go there", id="conflicts.go"),
    *[Binding(str(n), f"label_number({n})", f"Label {n}", show=False, id=f"conflicts.label_{n}")
      for n in range(1, 10)],
    Binding("x", "reject_all", "Reject all", id="conflicts.reject"),
    Binding("e", "link", "One entity", id="conflicts.link"),
    Binding("i", "dismiss_conflict", "Not a conflict", id="conflicts.dismiss"),
    Binding("u", "undo", "Undo", id="conflicts.undo"),
    Binding("U", "redo", "Redo", show=False, id="conflicts.redo"),
    Binding("r", "reload", "Reload", show=False, id="conflicts.reload"),
    Binding("escape", "back", "Back", id="conflicts.back"),
]

# Dialogs of issue 9: every identical mention (*) and find a word (f).
PROPAGATE_BINDINGS = [Binding("o", "choose('open')", "Open articles", id="propagate.open"),
                      Binding("c", "choose('corpus')", "Whole corpus", id="propagate.corpus"),
                      Binding("escape", "choose(None)", "Cancel", id="propagate.cancel")]
JUMP_BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump.cancel")]

# The footer has room for one set at 80 columns: the entity keys while the entity cursor is
# in use, the token keys while the token cursor is (the keys all work in both; ? lists them).
TOKEN_FOOTER = frozenset({"reader.token_prev", "reader.select_start", "reader.make_span"})
ENTITY_FOOTER = frozenset({"reader.accept", "reader.reject", "reader.pick_label", "reader.undo",
                           "reader.done"})

# Longer descriptions for the help screen, by binding id (the footer keeps the short ones).
HELP_TEXT = {
    "app.quit": "Quit (everything is already saved)",
    "app.quit_now": "Quit at once",
    "app.help": "This help",
    "library.search": "Search titles and text",
    "library.list": "Back to the list",
    "library.filters": "Filters: language, status, label",
    "library.clear": "Clear search and filters",
    "library.mark": "Mark / unmark for opening side by side (up to 3)",
    "library.open": "Open the marked articles (or the highlighted one)",
    "library.language": "Set the highlighted article's language (en, fr, ar...)",
    "reader.next": "Next entity",
    "reader.prev": "Previous entity",
    "reader.accept": "Accept the selected entity (then go to the next)",
    "reader.reject": "Reject it: not an entity (then go to the next)",
    "reader.accept_all": "Accept all remaining suggestions in the article",
    **{f"reader.label_{n}": f"Set label number {n} (or make the selection a span with it)"
       for n in range(1, 10)},
    "reader.pick_label": "Pick a label by fuzzy search (a new name adds it)",
    "reader.undo": "Undo the last decision (the cursor goes to the span it changed)",
    "reader.redo": "Redo",
    "reader.done": "Mark the article done (again: back in progress); asks first about undecided suggestions",
    "reader.next_article": "Next article in library order",
    "reader.prev_article": "Previous article in library order",
    "reader.next_pane": "Next pane",
    "reader.prev_pane": "Previous pane",
    "reader.start_extend": "Span start one token left (extend)",
    "reader.start_shrink": "Span start one token right (shrink)",
    "reader.end_shrink": "Span end one token left (shrink)",
    "reader.end_extend": "Span end one token right (extend)",
    "reader.token_next": "Token cursor: next token",
    "reader.token_prev": "Token cursor: previous token",
    "reader.select_start": "Start a selection at the token cursor",
    "reader.make_span": "Make the selection a span (asks for a label)",
    "reader.delete": "Delete the selected span (rejects a suggestion)",
    "reader.tag_span": "Tag the selected entity",
    "reader.tag_article": "Tag the article",
    "reader.link": "Link the entity to a named identity (Avril Haines)",
    "reader.copy_entity": "Copy the entity text",
    "reader.copy_sentence": "Copy its sentence",
    "reader.copy_article": "Copy the whole article",
    "reader.bidi": "Right-to-left display: auto / on / off",
    "reader.entities": "Entity panel: show / focus / hide (entities, mentions, look-alikes to link)",
    "reader.next_mention": "Next mention of the chosen entity (opens its article if need be)",
    "reader.prev_mention": "Previous mention of the chosen entity",
    "reader.jump_word": "Token cursor to the next word starting with the letters typed (any script)",
    "reader.propagate": "Do the last decision to every identical mention (open articles or corpus)",
    "reader.conflicts": "Conflicts across the corpus (walk and resolve them)",
    "library.conflicts": "Conflicts across the corpus (walk and resolve them)",
    "entities.down": "Entity panel: next row",
    "entities.up": "Entity panel: previous row",
    "entities.link": "Link the highlighted likely entity, or look-alike to the chosen entity",
    "entities.back": "Back to the panes (the panel stays)",
    "conflicts.next": "Next conflict",
    "conflicts.prev": "Previous conflict",
    "conflicts.go": "Go to its next place in the reader",
    **{f"conflicts.label_{n}": f"Give every mention label number {n}" for n in range(1, 10)},
    "conflicts.reject": "Reject every mention: not an entity",
    "conflicts.link": "Link every mention of these names to one entity",
    "conflicts.dismiss": "Not a conflict (undoable)",
    "conflicts.undo": "Undo the last decision",
    "conflicts.redo": "Redo",
    "conflicts.reload": "Find the conflicts again",
    "conflicts.back": "Back",
    "propagate.open": "Every identical mention in the open articles",
    "propagate.corpus": "Every identical mention in the whole corpus",
    "propagate.cancel": "Cancel",
    "jump.cancel": "Cancel the word search",
    "reader.back": "Clear the selection, or back to the library",
}

HELP_TEXT.update(TEAM_HELP)

MODELS_BINDINGS = [
    Binding("escape", "back", "Back", id="models.back"),
    Binding("left_square_bracket", "older", "Older", id="models.older"),
    Binding("right_square_bracket", "newer", "Newer", id="models.newer"),
    Binding("t", "app.train", "Train now", id="models.train"),
]

ALL_BINDINGS = [*APP_BINDINGS, *MODELS_BINDINGS, *LIBRARY_BINDINGS, *READER_BINDINGS, *REVIEW_BINDINGS,
                *AGREEMENT_BINDINGS, *ENTITY_PANEL_BINDINGS, *CONFLICTS_BINDINGS, *PROPAGATE_BINDINGS,
                *JUMP_BINDINGS]


def binding_ids() -> set[str]:
    """Every id a user may remap in ``[keys]``."""
    return {b.id for b in ALL_BINDINGS if b.id} | {i for i, _, _ in LIBRARY_LIST_KEYS}


def keymap_from_config(keys: Mapping[str, str], source: str = "config") -> tuple[dict[str, str],
                                                                                 list[KeyProblem]]:
    """Check a ``[keys]`` table: (the usable keymap, a message per entry that was ignored).

    ``source`` is the config file's path: a message names its line and the id meant.
    (The core has checked the values already: text, one key at least.)
    """
    known = binding_ids()
    keymap: dict[str, str] = {}
    problems: list[KeyProblem] = []
    for binding_id, value in keys.items():
        if binding_id not in known:
            problems.append(KeyProblem.unknown(_where(source, binding_id), binding_id, known))
            continue
        keymap[binding_id] = ",".join(p.strip() for p in str(value).split(",") if p.strip())
    return keymap, problems


class KeyProblem(str):
    """An ignored ``[keys]`` entry: as a string, ``FILE:LINE: [keys] 'x' is not a binding id (did
    you mean ...?); ignored ...`` (what the CLI prints); ``status`` says it for an 80-column status
    bar, the instruction first and the file's name last, so a cut loses the detail, not the fix."""

    status: str

    @classmethod
    def unknown(cls, where: str, binding_id: str, known: set[str]) -> KeyProblem:
        meant = _meant(binding_id, known)
        hint = f" (did you mean {' or '.join(repr(i) for i in meant)}?)" if meant else ""
        problem = cls(f"{where}: [keys] {binding_id!r} is not a binding id{hint}; ignored (? lists every id)")
        place = Path(where.rsplit(":", 1)[0]).name + (f":{where.rsplit(':', 1)[1]}" if ":" in where else "")
        fix = f"write {' or '.join(repr(i) for i in meant)}" if meant else "? lists every id"
        problem.status = f"[keys] {binding_id!r}: {fix} ({place}: not a binding id, ignored)"
        return problem


def _where(source: str, binding_id: str) -> str:
    """``FILE:LINE`` of the id in the config file, or the file alone."""
    from annotations.config import find_line

    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return source
    line = find_line(lines, "keys", binding_id)
    return f"{source}:{line}" if line else source


def _meant(binding_id: str, known: set[str]) -> list[str]:
    """The ids meant by what was written: those ending in it, else the closest one."""
    from annotations.config import closest

    same = sorted(i for i in known if i.split(".", 1)[-1] == binding_id)
    if not same:
        near = closest(binding_id, sorted(known))
        same = [near] if near else []
    return same


def display_keys(keys: str) -> str:
    """Key names as a user types them: 'left_square_bracket' -> '['."""
    names = {"left_square_bracket": "[", "right_square_bracket": "]", "left_curly_bracket": "{",
             "right_curly_bracket": "}", "question_mark": "?", "slash": "/", "space": "space",
             "greater_than_sign": ">", "less_than_sign": "<", "asterisk": "*"}
    return " ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


DEFAULT_KEYS = {b.id: b.key for b in ALL_BINDINGS if b.id}


def shown_binding(binding: Binding, remapped: Mapping[str, str]) -> Binding:
    """The binding as the footer shows it: its first key as configured ("j" for "j,down"), not
    whichever the footer happened to meet first; a remapped key (``[keys]``) as remapped."""
    if binding.id and not binding.key_display:
        keys = remapped.get(binding.id) or DEFAULT_KEYS.get(binding.id, "")
        first = keys.split(",")[0].strip()
        if first and first != binding.key:
            return dataclasses.replace(binding, key=first)
    return binding
