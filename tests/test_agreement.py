"""Agreement figures against values worked out by hand.

The tiny article "Abdellatif Hammouchi visited the Sahel with the FBI." has 9 tokens:
  Abdellatif Hammouchi visited the Sahel with the FBI .
alice: [Abdellatif Hammouchi] PERSON, [Sahel] PERSON, [FBI] ORG
bob:   [Hammouchi] PERSON,            [Sahel] LOC,    [FBI] ORG
carol: [Abdellatif Hammouchi] PERSON, [Sahel] LOC,    [FBI] ORG
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest
from team_helpers import SEED_LAYERS, make_team_db, make_tiny_db

from annotations.agreement import AgreementError, compute_agreement
from annotations.agreement.spans import Entity, overlap_matches, span_agreement
from annotations.agreement.tokens import cohen_kappa, krippendorff_alpha
from annotations.export.align import make_doc
from annotations.export.gold import select_articles
from annotations.store import Store


def close(value, fraction) -> bool:
    return value is not None and abs(value - float(fraction)) < 1e-9


def test_alice_and_bob_on_the_tiny_article(db_path):
    make_tiny_db(db_path)
    with Store(db_path, readonly=True) as store:
        report = compute_agreement(store)
    assert report["annotators"] == ["alice", "bob"] and report["alpha"] is None
    (pair,) = report["pairs"]
    assert (pair["a"], pair["b"], pair["articles"]) == ("alice", "bob", 1)
    exact, overlap = pair["exact"], pair["overlap"]
    # exact: only FBI is the same -> 1 of 3 each way
    assert exact["overall"] == {"spans_a": 3, "spans_b": 3, "matched": 1, "precision": 1 / 3,
                                "recall": 1 / 3, "f1": 1 / 3}
    # overlap: FBI-FBI and Abdellatif Hammouchi-Hammouchi (both PERSON); Sahel differs in label
    assert overlap["overall"]["matched"] == 2 and close(overlap["overall"]["f1"], Fraction(2, 3))
    # per label, exact: PERSON alice 2, bob 1, none the same; LOC only bob's; ORG the same
    person, loc, org = (exact["labels"][k] for k in ("PERSON", "LOC", "ORG"))
    assert (person["spans_a"], person["spans_b"], person["matched"]) == (2, 1, 0)
    assert person["precision"] == 0 and person["recall"] == 0 and person["f1"] == 0
    assert loc == {"spans_a": 0, "spans_b": 1, "matched": 0, "precision": 0.0, "recall": None, "f1": 0.0}
    assert org["f1"] == 1
    # per label, overlap: PERSON P = 1/1, R = 1/2, F1 = 2*1/(2+1)
    person = overlap["labels"]["PERSON"]
    assert (person["precision"], person["recall"]) == (1, 0.5) and close(person["f1"], Fraction(2, 3))
    # kappa: tags alice B-P I-P O O B-P O O B-O O, bob O B-P O O B-L O O B-O O
    # p_o = 6/9; p_e = (O 5*6 + B-PER 2*1 + B-ORG 1*1) / 81 = 33/81; kappa = (2/3 - 11/27) / (16/27) = 7/16
    kappa = pair["kappa"]
    assert kappa["tokens"] == 9
    assert close(kappa["observed"], Fraction(2, 3)) and close(kappa["expected"], Fraction(33, 81))
    assert close(kappa["kappa"], Fraction(7, 16))


def test_three_annotators_alpha_and_pairs(db_path):
    make_tiny_db(db_path, ("alice", "bob", "carol"))
    with Store(db_path, readonly=True) as store:
        report = compute_agreement(store)
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    assert set(pairs) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    # alice vs carol differ only on Sahel's tag: p_o = 8/9, p_e = (5*5 + 2*1 + 1*1 + 1*1) / 81 = 29/81
    assert close(pairs[("alice", "carol")]["kappa"]["kappa"], Fraction(43, 52))
    # alpha, nominal, 9 tokens x 3 annotators: coincidences O 16, B-PER 4, I-PER 2, B-LOC 2, B-ORG 3
    # (n = 27), 6 off the diagonal: D_o = 6/27, D_e = (27^2 - 289) / (27*26) = 440/702,
    # alpha = 1 - D_o / D_e = 71/110
    alpha = report["alpha"]
    assert (alpha["articles"], alpha["tokens"], alpha["values"]) == (1, 9, 27)
    assert close(alpha["alpha"], Fraction(71, 110))


def test_label_option_restricts_spans_and_tags(db_path):
    make_tiny_db(db_path)
    with Store(db_path, readonly=True) as store:
        report = compute_agreement(store, label="PERSON")
    (pair,) = report["pairs"]
    assert set(pair["exact"]["labels"]) == {"PERSON"}
    assert pair["exact"]["overall"]["spans_a"] == 2 and pair["exact"]["overall"]["spans_b"] == 1
    # PERSON tags only: alice B I O O B O O O O, bob O B O O O O O O O: p_o = 6/9,
    # p_e = (O 6*8 + B 2*1 + I 1*0) / 81 = 50/81, kappa = (54/81 - 50/81) / (31/81) = 4/31
    assert close(pair["kappa"]["kappa"], Fraction(4, 31))


def test_overlap_pairs_one_to_one():
    long = [Entity(0, 20, "PERSON")]
    two = [Entity(0, 5, "PERSON"), Entity(10, 20, "PERSON")]
    assert overlap_matches(long, two) == 1
    # a first pick of (0,10)-(2,5) would leave (3,4) unpaired; the maximum pairs both
    a = [Entity(0, 10, "X"), Entity(3, 4, "X")]
    b = [Entity(2, 5, "X"), Entity(8, 9, "X")]
    assert overlap_matches(a, b) == 2


def test_spans_that_only_touch_do_not_overlap():
    """Overlap needs a character in common: "New" (0-3) and "York" (3-7) written without a
    space between them share only a boundary, so they are not an overlap match."""
    assert overlap_matches([Entity(0, 3, "GPE")], [Entity(3, 7, "GPE")]) == 0
    assert overlap_matches([Entity(3, 7, "GPE")], [Entity(0, 3, "GPE")]) == 0
    assert overlap_matches([Entity(0, 4, "GPE")], [Entity(3, 7, "GPE")]) == 1  # one character: "Y"
    report = span_agreement({1: [Entity(0, 3, "GPE")]}, {1: [Entity(3, 7, "GPE")]}, "overlap")
    assert report["overall"]["matched"] == 0 and report["overall"]["f1"] == 0


def test_kappa_leaves_unknown_tokens_out():
    assert cohen_kappa(["O", "-", "B-X"], ["O", "B-X", "B-X"])["tokens"] == 2
    assert cohen_kappa(["O", "O"], ["O", "O"])["kappa"] is None  # p_e = 1: undefined


def test_alpha_against_a_textbook_case():
    # two coders, units (1,1) (1,2) (2,2): coincidences 1-1: 2, 1-2: 2, 2-2: 2; D_o = 2/6,
    # D_e = (36 - 18) / 30, alpha = 1 - (1/3) / (3/5) = 4/9
    assert close(krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"]])["alpha"], Fraction(4, 9))
    assert krippendorff_alpha([["a", None], ["a", "a"]]) == {"alpha": None, "tokens": 1, "values": 2}


def test_seeds_alice_and_bob(tmp_path):
    """On the first seed article: the hand figures for spans, kappa from the token count."""
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    with Store(db, readonly=True) as store:
        report = compute_agreement(store, ["alice", "bob"])
        item = select_articles(store, annotator="alice")[0]
    (pair,) = report["pairs"]
    assert pair["articles"] == 1 and item.article.id == article_id
    assert pair["exact"]["overall"]["matched"] == 1 and pair["overlap"]["overall"]["matched"] == 2
    assert pair["exact"]["overall"]["spans_a"] == len(SEED_LAYERS["alice"])
    # Every suggestion was rejected, so no token is unknown: all n non-space tokens count.
    # Disagreements: Abdellatif (B-PER / O), Hammouchi (I-PER / B-PER), Sahel (B-PER / B-LOC);
    # alice: B-PER 2, I-PER 1, B-ORG 1, O n-4; bob: B-PER 1, B-LOC 1, B-ORG 1, O n-3.
    n = sum(1 for t in make_doc(item) if not t.is_space)
    p_o = Fraction(n - 3, n)
    p_e = Fraction((n - 4) * (n - 3) + 2 * 1 + 1 * 1, n * n)
    assert pair["kappa"]["tokens"] == n
    assert close(pair["kappa"]["kappa"], (p_o - p_e) / (1 - p_e))


def test_errors_name_the_problem(db_path):
    make_tiny_db(db_path, ("alice",))
    with Store(db_path, readonly=True) as store:
        with pytest.raises(AgreementError, match="two annotators"):
            compute_agreement(store)
        with pytest.raises(AgreementError, match="'zoe'"):
            compute_agreement(store, ["alice", "zoe"])


def test_cli_json_and_text(db_path):
    make_tiny_db(db_path, ("alice", "bob", "carol"))
    run = subprocess.run([sys.executable, "-m", "annotations", "agreement", "--json", "--db", str(db_path),
                          "--annotators", "alice,bob"], capture_output=True, text=True, check=True)
    data = json.loads(run.stdout)
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [("alice", "bob")]
    assert abs(data["pairs"][0]["kappa"]["kappa"] - 7 / 16) < 1e-9
    text = subprocess.run([sys.executable, "-m", "annotations", "agreement", "--db", str(db_path)],
                          capture_output=True, text=True, check=True).stdout
    assert "alice vs bob: 1 article(s) both marked done" in text
    assert "Cohen's kappa 0.438 over 9 tokens" in text
    assert "Krippendorff's alpha (nominal, 3 annotators): 0.645" in text
    assert "over 9 tokens (27 tags) of 1 article(s)" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    bad = subprocess.run([sys.executable, "-m", "annotations", "agreement", "--db", str(db_path),
                          "--annotators", "alice,zoe"], capture_output=True, text=True)
    assert bad.returncode == 1 and "zoe" in bad.stderr and str(db_path) in bad.stderr
