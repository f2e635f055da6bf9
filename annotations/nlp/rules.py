"""Rule suggestions from pattern files in spaCy's entity-ruler JSONL format.

Each line is ``{"label": "ORG", "pattern": "FBI"}`` (an exact phrase) or
``{"label": "PERSON", "pattern": [{"LOWER": "hammouchi"}]}`` (token patterns,
as spaCy's Matcher takes them). Every problem is reported as FILE:LINE: reason
before anything runs. Matching happens on the pipeline's own Docs, in the
process that writes, so workers only ever run spaCy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParallaxError
from ..model import SpanRecord

# Token attributes only a full pipeline sets: patterns using them keep every component on.
_ANNOTATION_ATTRS = {"POS", "TAG", "LEMMA", "MORPH", "DEP"}
MAX_REPORTED = 20


class PatternError(ParallaxError, ValueError):
    """Unusable pattern files; ``problems`` lists every "FILE:LINE: reason"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
        super().__init__(f"{len(problems)} problem(s) in pattern files; fix them and run again:\n{text}")


@dataclass(frozen=True)
class Pattern:
    """One usable pattern line: its project label, the pattern, and where it came from."""

    label: str
    phrase: str | None  # an exact phrase, or
    tokens: str | None  # token patterns, as JSON (keeps the record hashable)
    where: str  # "patterns.jsonl:12", recorded as the suggestion's source

    def token_patterns(self) -> list[dict]:
        return json.loads(self.tokens) if self.tokens else []


def load_patterns(paths: Iterable[str | Path],
                  map_label: Callable[[str], str | None]) -> list[Pattern]:
    """Read and check pattern files; raise PatternError listing every bad line.

    ``map_label`` turns a pattern's label into a project label (None: not in
    the scheme), so a file written for another label set still fits.
    """
    from spacy.schemas import validate_token_pattern

    patterns: list[Pattern] = []
    problems: list[str] = []
    for path in map(Path, paths):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read the pattern file ({exc})")
            continue
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                problems.append(f"{where}: not valid JSON ({exc})")
                continue
            if not isinstance(item, dict):
                problems.append(f"{where}: expected an object with \"label\" and \"pattern\"")
                continue
            label, pattern = item.get("label"), item.get("pattern")
            if not isinstance(label, str) or not label:
                problems.append(f"{where}: \"label\" must be a non-empty string")
                continue
            mapped = map_label(label)
            if mapped is None:
                problems.append(f"{where}: label {label!r} is neither in the project's labels nor "
                                "mapped by [label_map]; add it to the config or change the line")
                continue
            if isinstance(pattern, str):
                if not pattern.strip():
                    problems.append(f"{where}: \"pattern\" is an empty string")
                    continue
                patterns.append(Pattern(mapped, pattern, None, f"{path.name}:{number}"))
                continue
            errors = validate_token_pattern(pattern) if isinstance(pattern, list) else [
                "\"pattern\" must be a string or a list of token patterns"]
            if errors:
                problems.append(f"{where}: {'; '.join(errors[:3])}")
                continue
            patterns.append(Pattern(mapped, None, json.dumps(pattern, ensure_ascii=False),
                                    f"{path.name}:{number}"))
    if problems:
        raise PatternError(problems)
    return patterns


def patterns_digest(patterns: list[Pattern]) -> str:
    """A short fingerprint of the rules, part of the key a run resumes by."""
    data = json.dumps([(p.label, p.phrase, p.tokens) for p in patterns], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]


def needs_annotations(patterns: list[Pattern]) -> bool:
    """True when a token pattern reads tags, lemmas or dependencies."""
    return any({key.upper() for token in p.token_patterns() for key in token} & _ANNOTATION_ATTRS
               for p in patterns)


class RuleMatcher:
    """Matches the patterns on Docs made by one pipeline (sharing its vocab)."""

    def __init__(self, nlp, patterns: list[Pattern]):
        from spacy.matcher import Matcher, PhraseMatcher

        self.patterns = patterns
        self._matcher = Matcher(nlp.vocab)
        self._phrases = PhraseMatcher(nlp.vocab)
        self._ids: dict[int, Pattern] = {}
        for index, pattern in enumerate(patterns):
            key = f"parallax-rule-{index}"
            self._ids[nlp.vocab.strings.add(key)] = pattern
            if pattern.phrase is not None:
                self._phrases.add(key, [nlp.make_doc(pattern.phrase)])
            else:
                self._matcher.add(key, [pattern.token_patterns()])

    def __call__(self, doc, offset: int = 0) -> list[SpanRecord]:
        """Every match as a 'rules' suggestion; offsets shifted by ``offset``."""
        found: dict[tuple[int, int, str], SpanRecord] = {}
        matches = [*(self._matcher(doc) if len(self._matcher) else ()),
                   *(self._phrases(doc) if len(self._phrases) else ())]
        for match_id, start, end in matches:
            pattern = self._ids[match_id]
            span = doc[start:end]
            key = (offset + span.start_char, offset + span.end_char, pattern.label)
            found.setdefault(key, SpanRecord(*key, text=span.text, origin="rules", source=pattern.where))
        return list(found.values())
