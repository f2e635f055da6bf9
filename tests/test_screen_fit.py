"""What the screen shows at 80x24 is all there: no column under a scrollbar, the cursor's line on
screen, right-to-left titles cut at their end (issue 20, section 1)."""

from __future__ import annotations

from app_helpers import app_on, press, screen_text, settle

from annotations.model import ArticleRecord
from annotations.store import Store

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL = (80, 24)


def many_articles(path, n: int = 60) -> None:
    """More articles than the library shows at 80x24 (so it scrolls); the first one done by
    alice, so its review column says it awaits review."""
    with Store(path, annotator="alice") as store:
        store.loading.add_articles([ArticleRecord(f"Article {i} about Rabat and Paris.", lang="en")
                                    for i in range(n)])
        store.decisions.set_article_status(1, "done")


async def test_the_review_column_is_not_under_the_scrollbar(tmp_path):
    """A library long enough to scroll still shows its last column (rv): before, the scrollbar
    was drawn over it, at 60, 80 and 160 columns alike."""
    path = tmp_path / "p.db"
    many_articles(path)
    for size in ((60, 20), SMALL, (160, 48)):
        app = app_on(path)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            lines = screen_text(app).splitlines()
            heading = next(line for line in lines if line.lstrip().startswith("title"))
            first = next(line for line in lines if line.startswith("▶"))
            assert "rv" in heading, (size, heading)
            column = heading.index("rv")
            assert first[column] == "…", (size, first)  # awaiting review
            assert heading.rstrip().endswith("rv"), size
            await press(pilot, "q")


ARABIC_TITLE = "المغرب والولايات المتحدة.. تنسيق أمني لمواجهة التحديات المشتركة"


def test_a_pane_title_names_the_article_first_and_keeps_the_beginning_of_an_arabic_one():
    """The title comes before the counts, cut to the pane's width on its logical text and then
    reordered: an Arabic title keeps its first words (shown at its right end, just before the
    counts), where the whole reordered title cut on the right showed only its last words."""
    from annotations.model import Article
    from tui.layout import visual_order_of
    from tui.widgets.pane import title_line

    article = Article(id=1, title=ARABIC_TITLE, text=ARABIC_TITLE, lang="ar", source=None, hash="h")
    line = title_line(article, "in_progress", (3, 1, 7), 25, reorder=True)
    assert len(line) <= 25 and line.endswith(" ✓3 ✗1 ?7")
    first_word = visual_order_of("المغرب", rtl=True)
    assert line[:-len(" ✓3 ✗1 ?7")].endswith(first_word)  # the beginning, at the right of the title
    wide = title_line(article, "in_progress", (3, 1, 7), 120, reorder=False)
    assert wide == f"{ARABIC_TITLE} · in progress ✓3 ✗1 ?7 ar"  # room for all: title, status, language
    narrow = title_line(article, "done", (3, 1, 0), 25, reorder=False)
    assert narrow.startswith("المغرب") and narrow.endswith(" done ✓3 ✗1 ?0")


async def test_arabic_in_the_status_bar_reads_right_to_left_when_the_app_reorders(seeded_db):
    """A status naming an Arabic article ("opened <its title>", as n says): with the app reordering
    right-to-left text (bidi on), the title in that message is in visual order, as in the panes."""
    from tui.layout import visual_order_of

    app = app_on(seeded_db, bidi="on")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *["j"] * 3, "enter")  # the Arabic article, fourth in the library
        await settle(pilot)
        app.set_status(f"opened {ARABIC_TITLE} {ARABIC_TITLE}")  # wider than the bar
        await settle(pilot)
        shown = screen_text(app).splitlines()[-2]
        assert shown.startswith("opened ")
        assert visual_order_of("المغرب", rtl=True) in shown  # its beginning is kept, read right to left
        assert "المغرب" not in shown  # not left in logical order


async def test_at_80_columns_the_pane_keys_act_on_is_twice_as_wide(seeded_db, monkeypatch):
    """Three articles at 80 columns: the active pane ~40 columns (readable), the others ~20 (each
    still shows which article it is: its title comes first); the wide one follows tab. A pane going
    back to a width it had keeps its wrapping (no second wrap of the text); at 160 columns all
    three are equal."""
    from tui.widgets import article_lines

    wraps: list[int] = []
    real_wrap = article_lines.wrap_article

    def counting(text, width, rtl):
        wraps.append(width)
        return real_wrap(text, width, rtl)

    monkeypatch.setattr(article_lines, "wrap_article", counting)
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.open_articles([1, 2, 3])
        await settle(pilot)
        widths = [pane.size.width for pane in app.screen.panes]
        assert widths[0] >= 2 * widths[1] - 2 and widths[1] == widths[2], widths
        assert all(pane.query_one(".pane-title").render().plain.startswith(pane.article.title[:5])
                   for pane in app.screen.panes)
        await press(pilot, "tab")
        await settle(pilot)
        after = [pane.size.width for pane in app.screen.panes]
        assert after[1] == max(after) >= 2 * min(after) - 2, after  # the wide one followed tab
        before = len(wraps)
        await press(pilot, "shift+tab")
        await settle(pilot)
        assert [pane.size.width for pane in app.screen.panes] == widths
        assert len(wraps) == before  # both panes went back to widths they had: no new wrap
    app = app_on(seeded_db)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.open_articles([1, 2, 3])
        await settle(pilot)
        widths = [pane.size.width for pane in app.screen.panes]
        assert max(widths) - min(widths) <= 1, widths


async def test_a_misnamed_key_in_parallax_toml_shows_its_fix_within_80_columns(seeded_db, tmp_path,
                                                                                monkeypatch):
    """`"accept" = "z"` under [keys]: the status bar starts with the fix ("write 'reader.accept'"),
    the file and line after it; before, a long path came first and 80 columns cut the fix off."""
    deep = tmp_path / "a" / "rather" / "long" / "path" / "to" / "the" / "project"
    deep.mkdir(parents=True)
    config = deep / "parallax.toml"
    config.write_text('[keys]\n"accept" = "z"\n', encoding="utf-8")
    monkeypatch.setenv("PARALLAX_CONFIG", str(config))
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        status_line = screen_text(app).splitlines()[-2]
        assert status_line.startswith("[keys] 'accept': write 'reader.accept'"), status_line
