"""What the screen shows at 80x24 is all there: no column under a scrollbar, the cursor's line on
screen, right-to-left titles cut at their end (issue 20, section 1)."""

from __future__ import annotations

from app_helpers import app_on, press, screen_text, settle

from annotations.model import ArticleRecord
from annotations.store import Store

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
