"""Measuring the signals against human ratings: the metrics the tests and benchmark share.

Corpora: the VADER ground-truth files (Hutto & Gilbert 2014; tab-separated id, mean rating
-4..+4, text) and our workplace chat sets (JSON lines with ``text``, ``rating`` -3..+3,
``themes``, ``distress``). The 3-class reading is the issue's: a human mean above +0.5 is
positive and below -0.5 negative; a score of +0.05 or more is positive and -0.05 or less
negative (VADER's own thresholds).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HUMAN_THRESHOLD = 0.5
SCORE_THRESHOLD = 0.05


@dataclass(frozen=True, slots=True)
class Rated:
    """One text with its human rating (and, for workplace chat, themes and distress)."""

    text: str
    rating: float
    themes: frozenset[str] = frozenset()
    distress: bool = False
    tags: frozenset[str] = frozenset()


def load_vader_corpus(path: Path) -> list[Rated]:
    """A VADER ground-truth file: ``id<TAB>mean<TAB>text`` per line (Windows line ends)."""
    rows: list[Rated] = []
    text = path.read_bytes().decode("utf-8", errors="replace")
    for line in text.replace("\r\n", "\n").split("\n"):
        fields = line.split("\t")
        if len(fields) >= 3 and fields[1].strip():
            rows.append(Rated(text="\t".join(fields[2:]), rating=float(fields[1])))
    return rows


def load_workplace_set(path: Path) -> list[Rated]:
    """A workplace chat set: one JSON object per line (see tests/data/)."""
    rows: list[Rated] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        rows.append(
            Rated(
                text=str(entry["text"]),
                rating=float(entry["rating"]),
                themes=frozenset(entry.get("themes", ())),
                distress=bool(entry.get("distress", False)),
                tags=frozenset(entry.get("tags", ())),
            )
        )
    return rows


def pearson(first: Sequence[float], second: Sequence[float]) -> float:
    """Pearson's r between two equally long sequences (0.0 when either is constant)."""
    count = len(first)
    if count != len(second) or count < 2:
        raise ValueError("pearson needs two sequences of the same length, at least 2")
    mean_first = math.fsum(first) / count
    mean_second = math.fsum(second) / count
    covariance = math.fsum(
        (a - mean_first) * (b - mean_second) for a, b in zip(first, second, strict=True)
    )
    spread_first = math.fsum((a - mean_first) ** 2 for a in first)
    spread_second = math.fsum((b - mean_second) ** 2 for b in second)
    if not spread_first or not spread_second:
        return 0.0
    return covariance / math.sqrt(spread_first * spread_second)


def human_class(rating: float, threshold: float = HUMAN_THRESHOLD) -> int:
    """-1, 0 or +1 for a human mean rating."""
    return 1 if rating > threshold else -1 if rating < -threshold else 0


def score_class(score: float, threshold: float = SCORE_THRESHOLD) -> int:
    """-1, 0 or +1 for a scorer's valence (VADER's thresholds)."""
    return 1 if score >= threshold else -1 if score <= -threshold else 0


def macro_f1(ratings: Sequence[float], scores: Sequence[float]) -> float:
    """Unweighted mean of the F1 of the negative, neutral and positive classes."""
    truth = [human_class(rating) for rating in ratings]
    guess = [score_class(score) for score in scores]
    total = 0.0
    for label in (-1, 0, 1):
        hits = sum(t == label and g == label for t, g in zip(truth, guess, strict=True))
        guessed = sum(g == label for g in guess)
        actual = sum(t == label for t in truth)
        precision = hits / guessed if guessed else 0.0
        recall = hits / actual if actual else 0.0
        total += 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return total / 3


@dataclass(frozen=True, slots=True)
class PrecisionRecall:
    """Counts of true positives, false positives and false negatives."""

    hits: int
    false_alarms: int
    misses: int

    @property
    def precision(self) -> float:
        """hits / (hits + false alarms); 1.0 when nothing was predicted."""
        predicted = self.hits + self.false_alarms
        return self.hits / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """hits / (hits + misses); 1.0 when there was nothing to find."""
        actual = self.hits + self.misses
        return self.hits / actual if actual else 1.0


def set_precision_recall(
    truth: Iterable[frozenset[str]], predicted: Iterable[frozenset[str]]
) -> PrecisionRecall:
    """Micro-averaged precision and recall of labels over messages (themes)."""
    hits = false_alarms = misses = 0
    for gold, guess in zip(truth, predicted, strict=True):
        hits += len(gold & guess)
        false_alarms += len(guess - gold)
        misses += len(gold - guess)
    return PrecisionRecall(hits, false_alarms, misses)


def flag_precision_recall(truth: Iterable[bool], predicted: Iterable[bool]) -> PrecisionRecall:
    """Precision and recall of a yes/no flag (distress)."""
    pairs = list(zip(truth, predicted, strict=True))
    return PrecisionRecall(
        hits=sum(gold and guess for gold, guess in pairs),
        false_alarms=sum(guess and not gold for gold, guess in pairs),
        misses=sum(gold and not guess for gold, guess in pairs),
    )
