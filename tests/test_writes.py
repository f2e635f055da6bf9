"""The front end's writes are frozen values (tui/writes.py builds them without ``@dataclass``,
issue 20): what the decision runner and its queue rely on, checked on the real kinds."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from tui.writes import Accept, Reject, SetArticleStatus, Tag, Undo

KEY = ("suggestion", 7)


def test_a_write_is_equal_to_the_same_kind_with_the_same_fields_only():
    assert Accept(KEY) == Accept(key=KEY) and hash(Accept(KEY)) == hash(Accept(key=KEY))
    assert Accept(KEY) != Reject(KEY)  # same fields, another kind
    assert Accept(KEY) != Accept(("span", 7)) and Undo() == Undo()
    assert len({Accept(KEY), Accept(KEY), Reject(KEY)}) == 2


def test_defaults_keywords_and_repr_are_a_dataclass_s():
    assert Tag(KEY, "x").remove is False and Tag(KEY, "x", remove=True).remove is True
    done = SetArticleStatus(3, "done", undecided="reject")
    assert (done.article_id, done.status, done.undecided) == (3, "done", "reject")
    assert repr(Tag(KEY, "x")) == "Tag(key=('suggestion', 7), tag='x', remove=False)"


def test_a_write_cannot_change_and_wrong_arguments_are_refused():
    write = Accept(KEY)
    with pytest.raises(FrozenInstanceError):
        write.key = ("span", 1)  # type: ignore[misc]
    for make in (lambda: Accept(), lambda: Accept(KEY, 1), lambda: Tag(KEY, "x", tag="y"),
                 lambda: Tag(KEY, "x", colour="red")):
        with pytest.raises(TypeError):
            make()
