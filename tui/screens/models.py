"""The models view: a trained model beside the stock pipeline, a pair of bars per label.

Each label gets two bars of F1 on the same dev articles, the stock pipeline's and the new
model's (and the figures), so a glance says where the model learned and where it did not.
Built from plain text with styled ranges (:class:`textual.content.Content`); a label or a
pipeline name never goes through markup. ``[`` and ``]`` go to older and newer models;
``t`` trains now (in the background, as the command palette does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from annotations.store import ModelRecord
from annotations.text import display_safe

from ..keymap import MODELS_BINDINGS
from ..messages import TrainingFinished
from ..widgets.footer import ParallaxFooter
from ..widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

FULL, EMPTY = "█", "░"


def training_outcome(message: TrainingFinished) -> str:
    """The status bar's line when a background training ends."""
    report = message.report
    if report is None:
        return f"training {message.lang} did not finish: {message.error}"
    new, before = report["scores"]["new"]["f1"], report["scores"]["in_use"]["f1"]
    dev = report["dev_articles"]
    if report.get("adopted"):
        text = f"model {report['name']} adopted: F1 {_f(new)} on {dev} dev articles; before {_f(before)}"
        if message.resuggested:
            text += f"; {len(message.resuggested)} articles re-suggested"
        return text
    return (f"model {report['name']} kept, not used: F1 {_f(new)} on {dev} dev articles; "
            f"the model in use has {_f(before)}")


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def bars(record: ModelRecord, width: int) -> Content:
    """Two bars per label (stock, new) and the overall pair, ``width`` cells wide at most."""
    scores = record.report.get("scores", {})
    new, stock = scores.get("new", {}), scores.get("stock", {})
    ours, theirs = new.get("by_label", {}), stock.get("by_label", {})
    rows = [(label, ours[label].get("gold", 0), theirs.get(label, {}).get("f"), ours[label].get("f"))
            for label in ours if ours[label].get("gold", 0)]
    rows.append(("all", sum(r[1] for r in rows), stock.get("f1"), new.get("f1")))
    name_width = min(12, max(len(r[0]) for r in rows))
    bar_width = max(8, width - name_width - 20)
    content = Content("")
    for label, gold, old, now in rows:
        head = display_safe(label)[:name_width].ljust(name_width) + f" {gold:>5} "
        for which, value, style in (("stock", old, "dim"), ("new  ", now, _style(now, old))):
            filled = round((value or 0.0) * bar_width)
            line = Content(f"{head if which == 'stock' else ' ' * len(head)}{which} ")
            line += Content(FULL * filled).stylize(style)
            line += Content(EMPTY * (bar_width - filled)).stylize("dim")
            line += Content(f" {_f(value)}\n")
            content += line
    return content


def _style(new: float | None, old: float | None) -> str:
    if new is None or old is None or abs(new - old) < 0.005:
        return "bold"
    return "bold green" if new > old else "bold red"


class ModelsScreen(Screen):
    """The models trained on this database, one at a time, stock vs new per label."""

    CSS_PATH = "models.tcss"  # read when first shown, not at launch (issue 20)

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(MODELS_BINDINGS)

    def __init__(self) -> None:
        super().__init__()
        self.records: list[ModelRecord] = []
        self.index = -1

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="models-body"):
            yield Static(id="models-title", markup=False)
            yield Static(id="models-bars", markup=False)
        yield StatusBar()
        yield ParallaxFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#models-body").focus()
        self.reload()

    def reload(self) -> None:
        """Read the models again (a training just ended) and show the newest."""
        self.records = self.app.store.models.all()
        self.records.sort(key=lambda r: r.created_at)
        self.index = len(self.records) - 1
        self.show()

    def on_resize(self) -> None:
        self.show()

    def show(self) -> None:
        title = self.query_one("#models-title", Static)
        body = self.query_one("#models-bars", Static)
        if not self.records:
            title.update(Content("No models yet. A model learns from the articles marked done: press t "
                                 "to train one now, or mark more done ([train] every in parallax.toml)."))
            body.update(Content(""))
            return
        record = self.records[self.index]
        in_use = self.app.store.models.in_use(record.lang)
        state = ("in use" if in_use is not None and in_use.name == record.name
                 else "adopted before" if record.adopted else "kept, not used")
        report = record.report
        lines = [f"{record.name} ({record.lang}, {state}) · {self.index + 1} of {len(self.records)} · "
                 "[ ] older/newer",
                 f"fine-tuned {record.base} on {report.get('train_articles', '?')} articles in "
                 f"{report.get('seconds', 0):.0f} s",
                 display_safe(report.get("why", "")),
                 f"F1 per label on the same {report.get('dev_articles', '?')} dev articles "
                 f"(entities there): stock vs new", ""]
        title.update(Content("\n".join(display_safe(line) for line in lines)))
        body.update(bars(record, max(40, self.size.width - 2)))

    def action_older(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show()

    def action_newer(self) -> None:
        if self.index < len(self.records) - 1:
            self.index += 1
            self.show()

    def action_back(self) -> None:
        self.app.pop_screen()
