"""The tokenizer kept in the cache gives spacy.blank's tokens, and loading it skips the slow build.

``blank_nlp`` builds a language's tokenizer once per spaCy version, saves it, and later
loads it into a multi-language pipeline with French's 1.45 MB token_match regex matched
lazily (annotations/nlp/lazy_match.py). Nothing about the tokens may change: every
test here compares with ``spacy.blank`` itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.text import normalize
from annotations.tokenizers import CACHE_ENV, blank_nlp, language_nlp, tokenizer_cache_file
from annotations.tokenizers.lazy_match import LazyAlternation, split_alternation, widen
from seeds import seed_paths

TORTURE = (
    "Aujourd'hui, l'État-major d'Abdellatif Hammouchi reçoit les États-Unis à Rabat-Salé : "
    "anti-américain, contre-terrorisme, New-York, saut-de-ski, pet-en-l'air, entr'abat, grand'mère, "
    "prud'homme, peut-être, après-midi, J.-C., M. Wray, Mme. Haines, n° 3, 1,5 % ; 12h30 ; "
    "https://www.dgsn.ma/fr?a=1&b=2 contact@fbi.gov #Libération_Palestine @AvrilHaines 🇲🇦😀 "
    "don't can't U.S. e.g. «guillemets» “quotes” — tirets – et… suite ; ALL-CAPS-WORD ſaint-Jean "
    "\u00a0insécable\tet\nlignes\n\nparagraphe  deux-espaces. Ｆｕｌｌ-ｗｉｄｔｈ. Oui-da !"
)
TEXTS = [p.read_text(encoding="utf-8") for p in seed_paths()] + [TORTURE]


def described(doc) -> list[tuple]:
    """Everything of a token that a DocBin or CoNLL export writes, and its offsets."""
    return [(t.text, t.idx, t.whitespace_, t.norm_, t.is_space) for t in doc]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty tokenizer cache, and blank_nlp forgetting the pipelines it holds (before and after)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    blank_nlp.cache_clear()
    yield tmp_path / "cache"
    blank_nlp.cache_clear()


def warm(lang: str):
    """blank_nlp(lang) as a later process gets it: built and saved first, then loaded from the file."""
    blank_nlp(lang)
    blank_nlp.cache_clear()
    nlp = blank_nlp(lang)
    assert tokenizer_cache_file(lang, spacy.__version__).is_file()
    assert nlp is not language_nlp(lang) and nlp.lang == "xx"  # loaded, not built
    return nlp


@pytest.mark.parametrize("lang", ["en", "fr", "ar", "de", "zz"])
def test_a_loaded_tokenizer_gives_spacy_blank_tokens(fresh_cache, lang):
    nlp = warm(lang)
    reference = language_nlp(lang)  # spacy.blank(lang) ("xx" for zz, as before)
    for text in TEXTS:
        assert described(nlp.make_doc(text)) == described(reference.make_doc(text))
    if lang == "fr":
        assert isinstance(nlp.tokenizer.token_match.__self__, LazyAlternation)


@pytest.fixture(scope="module")
def french():
    """spacy.blank("fr") and its whole token_match regex (compiled once: 2-3 s)."""
    nlp = spacy.blank("fr")
    return nlp, nlp.tokenizer.token_match.__self__


FRENCH_CHARS = "abcdeéèêàâîôûçhilmnorstuvAÉEHLNSTſK-–‐'’ .,"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=FRENCH_CHARS, max_size=60))
def test_french_tokens_are_spacy_blanks_on_any_text(french, text):
    nlp = warm_once("fr")  # from the cache folder conftest sets
    assert described(nlp.make_doc(text)) == described(french[0].make_doc(text))


_warm: dict = {}


def warm_once(lang: str):
    if lang not in _warm:
        _warm[lang] = warm(lang)
    return _warm[lang]


def _prefixed_words(pattern: str) -> list[str]:
    """Literal word starts of the alternatives ("^anti[...]" -> "anti"): words that reach the real regex."""
    return sorted({m.group(1) for m in re.finditer(r"\^([a-zàâçéèêëîïôûù]{2,})", pattern)})


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_lazy_alternation_answers_as_the_whole_regex(french, data):
    whole = french[1]
    lazy = _lazy(whole.pattern)
    start = data.draw(st.sampled_from(_prefixed_words(whole.pattern)))
    word = start + data.draw(st.sampled_from(["-", "–", "'", "’", ""])) + data.draw(
        st.text(alphabet="abcdeéilnorstuyAÉKſ-'’", max_size=12))
    word = data.draw(st.sampled_from([word, word.upper(), word.title()]))
    assert bool(lazy.match(word)) == bool(whole.match(word)), word


@pytest.mark.parametrize("word", [
    "anti-américain", "États-Unis", "etats-unis", "New-York", "new-yorkais", "saut-de-ski", "pet-en-l'air",
    "entr'abat", "grand'mère", "prud'homme", "aujourd'hui", "black-out", "Black-Outs", "hip-hop", "c'est",
    "l'homme", "arc-en-ciel", "Saint-Germain-des-Prés", "ſaint-jean", "KNOCK-OUT", "zig-zag", "yo-yo",
    "-", "", "a-", "porte-monnaie", "Rabat-Salé"])
def test_lazy_alternation_on_known_words(french, word):
    whole = french[1]
    assert bool(_lazy(whole.pattern).match(word)) == bool(whole.match(word))


_lazies: dict = {}


def _lazy(pattern: str) -> LazyAlternation:
    if pattern not in _lazies:
        _lazies[pattern] = LazyAlternation(pattern)
    return _lazies[pattern]


def test_splitting_refuses_what_it_cannot_split_safely():
    assert split_alternation(r"(?iu)(?:^a[-x]b$)|(?:^[]|]c$)|(?:^\|d$)") == (
        "(?iu)", ["(?:^a[-x]b$)", "(?:^[]|]c$)", r"(?:^\|d$)"])
    for pattern in ["(?:a)", "(?P<x>a)|b", "(?=a)a|b", r"(a)\1|b", "(?<!a)b|c", "a(|b"]:
        assert split_alternation(pattern) is None, pattern
    assert widen("^a[" + "x" * 70 + "][^]" + "y" * 80 + "]z[ab]$") == r"^a[\s\S][\s\S]z[ab]$"
    lazy = LazyAlternation("(?=a)a|b")  # refused: compiled whole, same answers
    assert lazy.match("a") and lazy.match("b") and not lazy.match("c")


def test_a_damaged_or_unwritable_cache_still_gives_the_right_tokens(fresh_cache, tmp_path):
    path = tokenizer_cache_file("en", spacy.__version__)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a tokenizer")
    nlp = blank_nlp("en")  # built again, and the file replaced
    assert described(nlp.make_doc(TORTURE)) == described(spacy.blank("en").make_doc(TORTURE))
    assert path.read_bytes() != b"not a tokenizer"
    blank_nlp.cache_clear()
    os.environ[CACHE_ENV] = str(tmp_path / "a-file")
    (tmp_path / "a-file").write_text("in the way", encoding="utf-8")
    assert described(blank_nlp("en").make_doc(TORTURE)) == described(spacy.blank("en").make_doc(TORTURE))


PROBE = """
import sys
from annotations.tokenizers import blank_nlp
doc = blank_nlp("fr").make_doc("L'État-major d'Abdellatif Hammouchi à Rabat-Salé.")
print(len(doc), "spacy.lang.fr" in sys.modules)
"""


def test_a_later_process_never_builds_the_french_language(tmp_path):
    # The slow part of spacy.blank("fr") is importing spacy.lang.fr (its tokenizer exceptions).
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                           timeout=120).stdout.split() for _ in range(2)]
    tokens = str(len(spacy.blank("fr").make_doc("L'État-major d'Abdellatif Hammouchi à Rabat-Salé.")))
    assert runs == [[tokens, "True"], [tokens, "False"]]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_a_long_text_is_tokenized_a_block_at_a_time_with_the_same_tokens(lang, monkeypatch):
    """spaCy refuses a text over max_length (a 1 MB article); cut after a newline or a space,
    the blocks give exactly the tokens of the whole text."""
    import annotations.tokenizers as module

    text = "\n".join(normalize(p.read_text(encoding="utf-8")) for p in seed_paths())
    whole = [(t.idx, t.idx + len(t.text)) for t in spacy.blank(lang).make_doc(text) if not t.is_space]
    monkeypatch.setattr(module, "TOKENIZE_BLOCK", 997)  # many blocks, most cut at a space
    assert module.token_offsets(text, lang) == whole
    one_line = text.replace("\n", " ")
    assert module.token_offsets(one_line, lang) == [
        (t.idx, t.idx + len(t.text)) for t in spacy.blank(lang).make_doc(one_line) if not t.is_space]
