"""The library: every article as a row, searchable and filterable, with overall progress.

The matching ids come from a thread worker (:meth:`tui.jobs.Jobs.run_library_query`):
a new search shows its first page at once and the full count when it is known; the
list widget reads the columns of only the rows on screen.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Select, Static

from annotations.config import LANG_RE
from annotations.model import ArticleStatus
from annotations.store import LibraryFilter, LibraryRow
from annotations.text import display_safe

from ..bidi import resolve_mode
from ..keymap import LIBRARY_BINDINGS
from ..messages import ArticlesChanged, LibraryLoaded
from ..widgets.article_list import ArticleList, header_text, safe_title
from ..widgets.footer import ParallaxFooter
from ..widgets.status_bar import StatusBar
from ..writes import SetLanguage
from .dialogs import PickerDialog
from .reader import MAX_PANES

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

COMMON_LANGUAGES = ("en", "fr", "ar", "es", "de", "it", "pt", "nl", "he")  # offered first in the picker
STATUS_OPTIONS = [(status.words, status) for status in ArticleStatus]
REVIEW_OPTIONS = [("R reviewed", "reviewed"), ("≠ disputed", "disputed"), ("… awaiting review", "awaiting")]


class LibraryScreen(Screen):
    """Search, filter, mark and open articles."""

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(LIBRARY_BINDINGS)
    AUTO_FOCUS = "ArticleList"

    def __init__(self, state: dict | None = None, *, deferred: bool = False) -> None:
        """``deferred``: under a restored reader, built when first shown (a launch then builds
        the reader alone); until then it answers with the session's state."""
        super().__init__()
        state = state or {}
        self._built = not deferred
        self._initial = state
        self._token = 0
        self._loaded_filter: LibraryFilter | None = None
        self._keep: int | None = state.get("cursor") if isinstance(state.get("cursor"), int) else None
        self._shown = False  # the first ScreenResume comes right after on_mount's own query

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self._built:
            yield from self._widgets()

    def _widgets(self) -> ComposeResult:
        store = self.app.store
        state = self._initial
        langs = store.articles.languages()
        labels = store.labels.names()
        with Horizontal(id="filters"):
            yield Input(value=str(state.get("search") or ""), placeholder="/ search titles and text",
                        id="search", compact=True)
            yield Select([(Content(display_safe(lang)), lang) for lang in langs], prompt="language",
                         id="lang", compact=True, value=_pick(state.get("lang"), langs))
            yield Select(STATUS_OPTIONS, prompt="status", id="status", compact=True,
                         value=_pick(state.get("status"), [v for _, v in STATUS_OPTIONS]))
            yield Select([(Content(lab), lab) for lab in labels], prompt="label", id="label",
                         compact=True, value=_pick(state.get("label"), labels))
            yield Select(REVIEW_OPTIONS, prompt="review", id="review", compact=True,
                         value=_pick(state.get("review"), [v for _, v in REVIEW_OPTIONS]))
        yield Static(id="list-header", markup=False)
        yield ArticleList(self._fetch_rows, self._open, id="articles")
        with Horizontal(id="progress-row"):
            yield ProgressBar(id="progress", show_eta=False, show_percentage=True)
            yield Static(id="progress-text", markup=False)
        yield StatusBar()
        yield ParallaxFooter()

    def on_mount(self) -> None:
        if self._built:
            self._start()

    def _start(self) -> None:
        articles = self.query_one(ArticleList)
        articles.reorder = resolve_mode(self.app.bidi)
        articles.max_marks = MAX_PANES
        self.refresh_progress()
        self.run_query()

    def on_resize(self) -> None:
        if self._built:
            self._show_header()

    @on(ArticleList.ColumnsChanged)
    def _show_header(self) -> None:
        articles = self.query_one(ArticleList)
        self.query_one("#list-header", Static).update(
            Content(header_text(articles.content_width or self.size.width, articles.widths)))

    # -- data --------------------------------------------------------------------------

    def _fetch_rows(self, ids: list[int]) -> list[LibraryRow]:
        return self.app.store.library.rows(ids)

    def current_filter(self) -> LibraryFilter:
        def value(select_id: str) -> str | None:
            v = self.query_one(f"#{select_id}", Select).value
            return v if isinstance(v, str) else None

        return LibraryFilter(search=self.query_one("#search", Input).value, lang=value("lang"),
                             status=value("status"), label=value("label"), review=value("review"))

    def current_ids(self) -> list[int] | None:
        """Every id in library order, or None while they are not all known yet."""
        if not self._built:
            return None
        articles = self.query_one(ArticleList)
        if self._loaded_filter is None or not articles.complete:
            return None
        return list(articles.ids)

    def run_query(self) -> None:
        """Ask a worker for the ids matching the search and filters; the cursor stays put.

        A new search or filter shows its first page before every match is counted; a
        refresh of the same one keeps the current list until the new one is complete.
        """
        self._token += 1
        articles = self.query_one(ArticleList)
        if articles.highlighted is not None:
            self._keep = articles.highlighted
        flt = self.current_filter()
        self.app.jobs.run_library_query(self, self._token, flt, first_page=flt != self._loaded_filter)

    @on(LibraryLoaded)
    def _loaded(self, message: LibraryLoaded) -> None:
        if message.token != self._token:
            return  # an older query answered late
        if not message.complete:  # the rest once this page is painted
            self.call_after_refresh(self._query_the_rest, message.token, message.flt)
        if (not message.complete and self._loaded_filter is None and self._keep is not None
                and self._keep not in message.ids):
            return  # a cursor restored further down: wait for the ids that reach it
        self._loaded_filter = message.flt
        articles = self.query_one(ArticleList)
        articles.set_ids(message.ids, keep=self._keep, complete=message.complete)
        self._update_counts(message.ids)

    def _query_the_rest(self, token: int, flt: LibraryFilter) -> None:
        if token == self._token:
            self.app.jobs.run_library_query(self, token, flt, first_page=False)

    def refresh_progress(self) -> None:
        progress = self.app.store.library.progress()
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(progress.total, 1), progress=progress.done)
        self._progress = progress
        ids = self.query_one(ArticleList).ids if self._loaded_filter else None
        self._update_counts(ids)

    def _update_counts(self, ids: array | None) -> None:
        progress = getattr(self, "_progress", None)
        if progress is None:
            return
        text = f" {progress.done}/{progress.total} done · {progress.in_progress} in progress"
        if ids is not None and self._loaded_filter and self._loaded_filter != LibraryFilter():
            more = "" if self.query_one(ArticleList).complete else "+"
            text += f" · {len(ids):,}{more} match"
        marked = len(self.query_one(ArticleList).marked)
        if marked:
            text += f" · {marked} marked"
        self.query_one("#progress-text", Static).update(Content(text))

    @on(ArticlesChanged)
    def _articles_changed(self, message: ArticlesChanged) -> None:
        if not self._built:
            return  # read when first shown
        articles = self.query_one(ArticleList)
        articles.invalidate(message.article_ids)
        self._refresh_languages()
        self.refresh_progress()
        self.run_query()

    def _refresh_languages(self) -> None:
        select = self.query_one("#lang", Select)
        langs = self.app.store.articles.languages()
        current = select.value
        select.set_options([(Content(display_safe(lang)), lang) for lang in langs])
        if isinstance(current, str) and current in langs:
            select.value = current

    async def on_screen_resume(self) -> None:
        if not self._built:
            if self.app.screen is not self:
                return  # the restored reader was pushed over it at once: not shown yet
            # First shown: built now, as a library shown first is at its mount.
            self._built = True
            await self.recompose()
            self._start()
            self.query_one(ArticleList).focus()
        self.query_one(ArticleList).reorder = resolve_mode(self.app.bidi)  # B may have changed it
        if self._shown:  # back from the reader: counts and statuses may have changed
            self.post_message(ArticlesChanged(None))
        self._shown = True

    # -- events ------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self.run_query()
        self.app.save_session()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one(ArticleList).focus()

    async def _open(self, article_ids: list[int]) -> None:
        """Open the articles in the reader; returns once it is mounted and takes keys."""
        opened = self.app.open_articles(article_ids)
        self.query_one(ArticleList).clear_marks()
        if opened is not None:
            await opened

    @on(ArticleList.Highlighted)
    def _highlighted(self, message: ArticleList.Highlighted) -> None:
        if message.article_id is not None:
            self._keep = message.article_id
        self.call_after_refresh(self.app.save_session)  # after the row is painted, not before

    @on(ArticleList.MarksChanged)
    def _marks_changed(self, message: ArticleList.MarksChanged) -> None:
        self._update_counts(None)
        if message.refused is not None:
            self.app.set_status(f"at most {len(message.marked)} articles side by side: "
                                "unmark one first (space on it)")

    def session_state(self) -> dict:
        if not self._built:
            return dict(self._initial)
        flt = self.current_filter()
        return {"search": flt.search, "lang": flt.lang, "status": flt.status, "label": flt.label,
                "review": flt.review, "cursor": self.query_one(ArticleList).highlighted}

    # -- actions -----------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(ArticleList).focus()

    def action_focus_filters(self) -> None:
        self.query_one("#lang", Select).focus()

    def action_review(self) -> None:
        """Review the marked articles (or the highlighted one): their layers side by side."""
        articles = self.query_one(ArticleList)
        ids = list(articles.marked) or ([articles.highlighted] if articles.highlighted is not None else [])
        if ids:
            from .review import ReviewScreen  # on first use: not part of a launch

            articles.clear_marks()
            self.app.push_screen(ReviewScreen(ids))

    def action_set_language(self) -> None:
        """Pick the highlighted article's language: the detector guesses from the text at import,
        the annotator knows (a mostly English article with an Arabic quote is English)."""
        articles = self.query_one(ArticleList)
        article_id = articles.highlighted
        if article_id is None or (row := articles.row(article_id)) is None:
            return
        choices = list(dict.fromkeys([*self.app.store.articles.languages(), *COMMON_LANGUAGES]))

        def picked(lang: str | None) -> None:
            if lang and lang != row.lang:
                self._set_language(article_id, lang, safe_title(row.title)[:50])

        self.app.push_screen(PickerDialog(f"Language of '{safe_title(row.title)[:50]}' (now {row.lang})",
                                          choices, default=row.lang, validate=language_problem,
                                          hint="type to filter · enter picks · any code: en, pt-BR"),
                             picked)

    def _set_language(self, article_id: int, lang: str, title: str) -> None:
        """Store it (the article's old tokens go), then pre-annotate the article with the new
        language's pipeline."""

        def saved(changed: bool, late: bool) -> None:
            self.app.post_message_to_screens(ArticlesChanged((article_id,)))
            self.app.set_status(f"saved: language {lang} for '{title}'" if changed
                                else f"'{title}' is in {lang} already")
            if changed:
                self.app.jobs.preannotate_articles([article_id])

        self.app.decisions.submit(f"language {lang} for '{title}'",
                               SetLanguage(article_id, lang), saved)

    def action_clear_filters(self) -> None:
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#search", Input).value = ""
            for select in self.query(Select):
                select.clear()
        self.run_query()
        self.app.save_session()


def language_problem(code: str) -> str | None:
    """Why ``code`` is not a language code, or None."""
    return None if LANG_RE.match(code) else "not a language code (e.g. en, fr, ar, pt-BR)"


def _pick(value: object, allowed: list[str]):
    return value if isinstance(value, str) and value in allowed else Select.NULL
