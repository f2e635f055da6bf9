"""Key bindings of the review screen and the agreement view, and the keys issue 10 added to the
reader and the library; every one has an id (``[keys]`` in parallax.toml remaps it)."""

from __future__ import annotations

import dataclasses

from textual.binding import Binding

READER_LAYER = Binding("L", "switch_layer", "Layer", show=False, id="reader.layer")
LIBRARY_REVIEW = Binding("R", "review", "Review", id="library.review")

_REVIEW_KEYS = [
    Binding("j,down", "cluster(1)", "Next", id="review.next"),
    Binding("k,up", "cluster(-1)", "Prev", show=False, id="review.prev"),
    Binding("n", "disagreement(1)", "Next ≠", id="review.next_disagreement"),
    Binding("N", "disagreement(-1)", "Prev ≠", show=False, id="review.prev_disagreement"),
    *[Binding(str(n), f"take({n})", f"Take {n}", show=n == 1, id=f"review.take_{n}") for n in (1, 2, 3)],
    Binding("a", "take_agreed", "Agreed", show=False, id="review.take_agreed"),
    Binding("A", "take_all_agreed", "All agreed", id="review.take_all_agreed"),
    Binding("x", "no_entity", "None", id="review.no_entity"),
    Binding("l", "label", "Label", show=False, id="review.label"),
    Binding("w", "token(1)", "Token", show=False, id="review.token_next"),
    Binding("b", "token(-1)", "Back", show=False, id="review.token_prev"),
    Binding("v", "mark", "Select", show=False, id="review.select_start"),
    Binding("m", "make_span", "Make span", show=False, id="review.make_span"),
    Binding("u", "undo", "Undo", id="review.undo"),
    Binding("U", "redo", "Redo", show=False, id="review.redo"),
    Binding("d", "toggle_done", "Done", id="review.done"),
    Binding("greater_than_sign", "article(1)", "Next article", show=False, id="review.next_article"),
    Binding("less_than_sign", "article(-1)", "Prev article", show=False, id="review.prev_article"),
    Binding("g", "agreement", "Agreement", show=False, id="review.agreement"),
    Binding("escape", "back", "Back", show=False, id="review.back"),
]
# Priority, as in the reader: keys typed ahead act in the order they were typed.
REVIEW_BINDINGS = [dataclasses.replace(b, priority=True) for b in _REVIEW_KEYS]

AGREEMENT_BINDINGS = [
    Binding("r", "recompute", "Recompute", id="agreement.recompute"),
    Binding("escape", "back", "Back", id="agreement.back"),
]

TEAM_HELP = {
    "reader.layer": "Show another annotator's layer, read-only (again: the next; back to yours)",
    "library.review": "Review the marked articles (or the highlighted one): compare layers, adjudicate",
    "review.next": "Next cluster (where any compared layer has an entity)",
    "review.prev": "Previous cluster",
    "review.next_disagreement": "Next disagreement",
    "review.prev_disagreement": "Previous disagreement",
    **{f"review.take_{n}": f"Take layer {n}'s version of the cluster into the reviewed layer"
       for n in (1, 2, 3)},
    "review.take_agreed": "Take the agreed version (where every layer agrees)",
    "review.take_all_agreed": "Take every agreed cluster of the article at once (one undo step)",
    "review.no_entity": "No entity in this cluster (the reviewed layer rejects what is there)",
    "review.label": "Decide anew: one entity over the cluster (or the selection) with a label you pick",
    "review.token_next": "Token cursor in the reviewed pane: next token",
    "review.token_prev": "Token cursor in the reviewed pane: previous token",
    "review.select_start": "Start a selection at the token cursor",
    "review.make_span": "Make the selection the reviewed entity (asks for a label)",
    "review.undo": "Undo the last review decision",
    "review.redo": "Redo",
    "review.done": "Mark the reviewed layer done (again: back in progress)",
    "review.next_article": "Next article to review",
    "review.prev_article": "Previous article to review",
    "review.agreement": "Agreement figures for the whole corpus",
    "review.back": "Clear the selection, or back to the library",
    "agreement.recompute": "Compute the figures again",
    "agreement.back": "Back",
}
