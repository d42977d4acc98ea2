"""Wellbeing themes of a message: PhraseMatcher and Matcher rules from ``themes.jsonl``.

A theme is what a message is about (workload, fatigue, recognition, ...), not how it
feels; a message can have several or none. Rules labelled ``-theme`` mark phrases that
only look like a cue ("of course" is not a course, "blocking out 2-4pm" is not being
blocked): a cue inside such a phrase does not count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from nudges.signals.resources import MatchRule

THEMES: frozenset[str] = frozenset(
    {
        "workload",
        "fatigue",
        "recognition",
        "conflict",
        "uncertainty",
        "isolation",
        "blocked",
        "growth",
        "after_hours",
    }
)
"""Every theme id the pipeline can report."""

_PRAISE = "recognition"


class ThemeTagger:
    """Finds the themes of a Doc; built once per pipeline, read-only afterwards."""

    def __init__(
        self, vocab: Vocab, rules: Iterable[MatchRule], make_doc: Callable[[str], Doc]
    ) -> None:
        self._phrases = PhraseMatcher(vocab, attr="LOWER")
        self._patterns = Matcher(vocab)
        phrases: dict[str, list[Doc]] = {}
        patterns: dict[str, list[list[dict[str, object]]]] = {}
        for rule in rules:
            theme = rule.label.removeprefix("-")
            if theme not in THEMES:
                raise ValueError(f"unknown theme {rule.label!r} in themes.jsonl")
            if rule.phrase:
                phrases.setdefault(rule.label, []).append(make_doc(rule.phrase))
            else:
                patterns.setdefault(rule.label, []).append([dict(t) for t in rule.pattern])
        for label, docs in phrases.items():
            self._phrases.add(label, docs)
        for label, token_patterns in patterns.items():
            self._patterns.add(label, token_patterns)
        self._labels = {vocab.strings.add(label): label for label in (*phrases, *patterns)}

    def __call__(self, doc: Doc, *, valence: float = 0.0) -> frozenset[str]:
        """The themes of ``doc``; ``valence`` drops praise said sarcastically."""
        matches = self._phrases(doc)
        if self._patterns:
            matches.extend(self._patterns(doc))
        if not matches:
            return frozenset()
        found: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in matches:
            found.setdefault(self._labels[match_id], []).append((start, end))
        themes: set[str] = set()
        for label, spans in found.items():
            if label.startswith("-"):
                continue
            vetoes = found.get(f"-{label}", [])
            if any(
                not any(v_start <= start and end <= v_end for v_start, v_end in vetoes)
                for start, end in spans
            ):
                themes.add(label)
        if _PRAISE in themes and valence < 0:
            themes.discard(_PRAISE)  # "great job everyone, we only missed it by two weeks"
        return frozenset(themes)
