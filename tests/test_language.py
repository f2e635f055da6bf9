"""An article's language, short texts included: a clear vote of common words, else a detector
made for short text, and the import names the articles whose language stays uncertain."""

from __future__ import annotations

import importlib

import pytest

from annotations.importer import import_paths
from annotations.language import LANGUAGES, guess_lang
from annotations.store import Store
from annotations.text import detect_lang


@pytest.mark.parametrize("text", ["Handsome hat!", "Die Hard returns to cinemas", "Das Boot remake reviewed",
                                  "Pain au chocolat recipe", "El Nino weakens"])
def test_short_english_is_not_filed_as_another_language(text):
    """A German, French or Spanish word in a few English ones ("hat", "die", "pain", "el") used to
    win the common-word vote; these end up in corpora of their own with no dev set."""
    assert detect_lang(text) == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_spacys_example_sentences_are_told_apart(lang):
    """spaCy's own example sentences of each language (short: a question of three words, a
    headline), every one in its language."""
    sentences = importlib.import_module(f"spacy.lang.{lang}.examples").sentences
    assert [detect_lang(s) for s in sentences] == [lang] * len(sentences)


def test_a_clear_vote_is_sure_and_a_few_words_are_not():
    assert guess_lang("The minister said that the police were in the city.") == ("en", True)
    assert guess_lang("قال الوزير إن الشرطة في المدينة") == ("ar", True)
    assert guess_lang("Cute dress").sure is False
    assert guess_lang("12 345 67") == ("en", False)  # nothing to tell a language by: the default


def test_the_import_names_the_articles_whose_language_is_uncertain(tmp_path):
    (tmp_path / "review.txt").write_text("Cute dress\n", encoding="utf-8")
    (tmp_path / "news.txt").write_text("The minister said that the police were in the city for the talks.\n",
                                       encoding="utf-8")
    with Store(tmp_path / "p.db", annotator="alice") as store:
        report = import_paths(store, [tmp_path / "review.txt", tmp_path / "news.txt"])
        again = import_paths(store, [tmp_path / "review.txt"], lang="en")
    assert report.imported == 2 and report.uncertain_langs == 1
    [notice] = [str(n) for n in report.notices]
    assert notice.startswith(f"{tmp_path / 'review.txt'}: note: language uncertain, guessed ")
    assert notice.endswith("from 'Cute dress'; give --lang to set it")
    assert report.summary().endswith(", 1 language uncertain (see the notices; --lang sets it)")
    assert again.uncertain_langs == 0 and not again.notices  # already there: nothing to say
