"""Small hand-made gold for the training tests: short news-like articles whose places are LOC.

The stock English pipeline calls these places GPE, so on this gold it is wrong by label, and a
model fine-tuned on a few articles beats it: adoption and re-suggesting can be tested with the
real pipeline in seconds. Articles are imported as Prodigy JSONL (``answer: accept`` marks them
done for the importing annotator); others are left to do.
"""

from __future__ import annotations

import json
from pathlib import Path

PEOPLE = ["Maria Lopez", "John Carter", "Amina Diallo", "Peter Novak", "Sofia Rossi", "David Kim",
          "Laura Schmidt", "Omar Haddad", "Elena Petrova", "James Wilson", "Chen Wei", "Anna Berg",
          "Lucas Moreau", "Fatima Zahra", "Tom Becker", "Nora Jensen"]
PLACES = ["Paris", "Morocco", "Berlin", "Kenya", "Peru", "Norway", "Cairo", "Chile", "Madrid", "Vietnam",
          "Lisbon", "Canada", "Nairobi", "Poland", "Tokyo", "Brazil", "Athens", "Egypt", "Oslo", "Ghana"]
TEMPLATE = ("{p1} travelled to {c1} on Monday. In {c2}, {p2} met officials from {c3}. "
            "Later {p1} returned to {c1}, and {p2} flew on to {c4}.")


def article(n: int) -> tuple[str, list[dict]]:
    """The n-th article and its gold spans (PERSON and LOC)."""
    names = {"p1": PEOPLE[n % len(PEOPLE)], "p2": PEOPLE[(n * 7 + 3) % len(PEOPLE)],
             "c1": PLACES[n % len(PLACES)], "c2": PLACES[(n * 3 + 1) % len(PLACES)],
             "c3": PLACES[(n * 5 + 2) % len(PLACES)], "c4": PLACES[(n * 11 + 7) % len(PLACES)]}
    text = f"Report {n}\n\n" + TEMPLATE.format(**names)
    spans = []
    pos = 0
    for piece in TEMPLATE.replace("{", "\0{").split("\0"):
        if piece.startswith("{"):
            key, rest = piece[1:].split("}", 1)
            start = text.index(names[key], pos)
            label = "PERSON" if key.startswith("p") else "LOC"
            spans.append({"start": start, "end": start + len(names[key]), "label": label})
            pos = start + len(names[key])
    return text, spans


def write_gold(folder: Path, done: range, todo: range) -> Path:
    """A Prodigy JSONL file: articles ``done`` accepted with their gold, ``todo`` without answer."""
    path = folder / "gold.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in done:
            text, spans = article(n)
            out.write(json.dumps({"text": text, "spans": spans, "answer": "accept", "meta": {"n": n}}) + "\n")
        for n in todo:
            text, _ = article(n)
            out.write(json.dumps({"text": text, "meta": {"n": n}}) + "\n")
    return path
