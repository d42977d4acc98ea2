"""Fit the learned theme model (``model.py``) on labelled workplace chat.

Run ``python -m nudges.signals.training`` (needs scikit-learn, in the ``test`` extra) after
a change to the rules, the lexicons or the training sets; it rewrites
``nudges/signals/lexicons/themes_model.json`` and prints the cross-validated figures.

Training data: every ``tests/data/workplace_train/*.jsonl`` set and the development set
``tests/data/workplace_chat.jsonl`` (see ``tests/data/ANNOTATION.md``). The held-out set is
never read here. Choices are made by cross-validation on the training data alone, one fold
per file: each file is one writer, and the model is for writers it has never read, so a
fold never shares a writer with the data it is fitted on (mixing writers' messages across
folds rewarded learning their habits). The regularisation is chosen by the F1 of all themes
together, then for each theme the cut with the
best F1 among those at least ``THEME_PRECISION`` precise. The pipeline reports the themes the
rules find and adds those the model finds (``components.py``), so the model's cut is set
above the issue's precision target of 0.85: what it adds must not dilute what the rules say.
Features seen in fewer than ``MIN_COUNT`` messages are dropped: a phrase one writer used
once says nothing about how people talk.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from nudges.signals.components import DistressComponent, SentimentComponent, ThemesComponent
from nudges.signals.evaluation import (
    PrecisionRecall,
    Rated,
    load_workplace_set,
    set_precision_recall,
)
from nudges.signals.model import THEMES_FILE, ThemeModel, theme_features
from nudges.signals.themes import THEMES

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
"""The labelled sets in a source checkout (an installed package has none: pass --data)."""
LEXICONS = Path(__file__).resolve().parent / "lexicons"
C_VALUES = (1.0, 3.0, 10.0, 30.0)
THEME_PRECISION = 0.9
MIN_COUNT = 2
SEED = 20261126
MIN_WEIGHT = 0.05
"""Weights smaller than this are left out of the file: on the training data that changes 6
of about 3,000 messages' themes and makes the file a third smaller."""


def training_files(data: Path = DATA) -> list[Path]:
    """The labelled sets the model is fitted on, in a fixed order (never the held-out)."""
    return [*sorted((data / "workplace_train").glob("*.jsonl")), data / "workplace_chat.jsonl"]


def fingerprint(paths: Sequence[Path]) -> dict[str, str]:
    """File name -> SHA-256 of its bytes: which data a model file was fitted on."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message as the model sees it."""

    features: frozenset[str]
    rule_themes: frozenset[str]
    themes: frozenset[str]


def examples(rows: Sequence[Rated]) -> list[Example]:
    """The model's features of each message, read by the pipeline's rules (no model)."""
    from nudges.signals import build_pipeline
    from nudges.signals.tokenizer import lower_words

    nlp = build_pipeline()
    distress = cast(DistressComponent, nlp.get_pipe("nudges_distress"))
    sentiment = cast(SentimentComponent, nlp.get_pipe("nudges_sentiment"))
    tagger = cast(ThemesComponent, nlp.get_pipe("nudges_themes")).tagger
    found: list[Example] = []
    for row in rows:
        doc = distress(nlp.tokenizer(row.text))
        valence = sentiment.valence(doc)
        rule_themes = tagger(doc, valence=valence)
        features = frozenset(theme_features(lower_words(doc), rule_themes, valence))
        found.append(Example(features, rule_themes, row.themes))
    return found


_Fit = dict[str, tuple[float, dict[str, float]]]
"""theme -> (intercept, feature -> weight)."""


def _fit(train: Sequence[Example], c: float) -> _Fit:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts = Counter(feature for example in train for feature in example.features)
    vocabulary = sorted(feature for feature, count in counts.items() if count >= MIN_COUNT)
    index = {feature: column for column, feature in enumerate(vocabulary)}
    rows: list[int] = []
    columns: list[int] = []
    for row, example in enumerate(train):
        for feature in example.features:
            column = index.get(feature)
            if column is not None:
                rows.append(row)
                columns.append(column)
    matrix = csr_matrix(([1.0] * len(rows), (rows, columns)), shape=(len(train), len(index)))
    fitted: _Fit = {}
    for theme in sorted(THEMES):
        model = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=10_000)
        model.fit(matrix, [theme in example.themes for example in train])
        coefficients = model.coef_[0]
        fitted[theme] = (
            float(model.intercept_[0]),
            {feature: float(coefficients[column]) for feature, column in index.items()},
        )
    return fitted


def _logits(fitted: _Fit, features: frozenset[str]) -> dict[str, float]:
    return {
        theme: bias + sum(weights.get(feature, 0.0) for feature in features)
        for theme, (bias, weights) in fitted.items()
    }


def _folds(groups: Sequence[int]) -> list[list[int]]:
    """The positions of each group's examples: one fold per training file."""
    folds: dict[int, list[int]] = {}
    for position, group in enumerate(groups):
        folds.setdefault(group, []).append(position)
    return [folds[group] for group in sorted(folds)]


def _out_of_fold(
    data: Sequence[Example], groups: Sequence[int], c: float
) -> list[dict[str, float]]:
    logits: list[dict[str, float]] = [{} for _ in data]
    for held in _folds(groups):
        held_set = set(held)
        fitted = _fit([example for i, example in enumerate(data) if i not in held_set], c)
        for i in held:
            logits[i] = _logits(fitted, data[i].features)
    return logits


def _threshold(logits: Sequence[float], truth: Sequence[bool]) -> float:
    """The cut with the best F1 among those whose precision is at least THEME_PRECISION
    (the best F1 cut when none is that precise)."""
    ranked = sorted(zip(logits, truth, strict=True), key=lambda pair: -pair[0])
    positives = sum(truth)
    best: tuple[bool, float, float] = (False, 0.0, ranked[0][0] + 1.0 if ranked else 0.0)
    hits = 0
    for taken, (logit, is_theme) in enumerate(ranked, start=1):
        hits += is_theme
        if taken < len(ranked) and ranked[taken][0] == logit:
            continue  # a cut cannot split equal scores
        precision = hits / taken
        recall = hits / positives if positives else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        candidate = (precision >= THEME_PRECISION, f1, logit - 1e-9)
        if candidate[:2] > best[:2]:
            best = candidate
    return best[2]


@dataclass(frozen=True, slots=True)
class Report:
    """What training chose and how well the model and the rules did out of fold."""

    examples: int
    c: float
    features: int
    model: PrecisionRecall
    rules: PrecisionRecall
    both: PrecisionRecall
    """The rules' themes plus the model's: what the pipeline reports."""


def train(paths: Sequence[Path] | None = None) -> tuple[ThemeModel, Report]:
    """Fit the theme model on ``paths`` (default: :func:`training_files`) and report."""
    rows: list[Rated] = []
    groups: list[int] = []
    for group, path in enumerate(paths or training_files()):
        found = load_workplace_set(path)
        rows.extend(found)
        groups.extend([group] * len(found))
    data = examples(rows)
    labels = [example.themes for example in data]
    best: tuple[float, float, list[dict[str, float]]] | None = None
    for c in C_VALUES:
        logits = _out_of_fold(data, groups, c)
        figures = set_precision_recall(
            labels, [frozenset(t for t, v in row.items() if v > 0) for row in logits]
        )
        f1 = 2 * figures.precision * figures.recall / (figures.precision + figures.recall or 1.0)
        if best is None or f1 > best[0]:
            best = (f1, c, logits)
    assert best is not None
    _f1, c, logits = best
    cuts = {
        theme: _threshold([row[theme] for row in logits], [theme in row for row in labels])
        for theme in sorted(THEMES)
    }
    predicted = [frozenset(t for t, v in row.items() if v > cuts[t]) for row in logits]
    fitted = _fit(data, c)
    weights: dict[str, dict[str, float]] = {}
    for theme, (_bias, row) in fitted.items():
        for feature, weight in row.items():
            if abs(weight) >= MIN_WEIGHT:
                weights.setdefault(feature, {})[theme] = weight
    model = ThemeModel(
        bias={theme: intercept - cuts[theme] for theme, (intercept, _row) in fitted.items()},
        weights=weights,
    )
    report = Report(
        examples=len(data),
        c=c,
        features=len(weights),
        model=set_precision_recall(labels, predicted),
        rules=set_precision_recall(labels, [example.rule_themes for example in data]),
        both=set_precision_recall(
            labels,
            [found | example.rule_themes for found, example in zip(predicted, data, strict=True)],
        ),
    )
    return model, report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nudges.signals.training [--output-dir DIR]``."""
    parser = argparse.ArgumentParser(description="Fit the learned theme model.")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=LEXICONS,
        help=f"where to write {THEMES_FILE} (default: {LEXICONS})",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help=f"the folder holding the labelled sets (default: {DATA})",
    )
    arguments = parser.parse_args(argv)
    paths = training_files(arguments.data)
    model, report = train(paths)
    output = arguments.output_dir / THEMES_FILE
    trained_on = {
        "files": fingerprint(paths),
        "examples": report.examples,
        "c": report.c,
        "precision_target": THEME_PRECISION,
        "cv_precision": round(report.model.precision, 4),
        "cv_recall": round(report.model.recall, 4),
        "cv_precision_with_rules": round(report.both.precision, 4),
        "cv_recall_with_rules": round(report.both.recall, 4),
    }
    output.write_text(model.to_json(trained_on=trained_on), "utf-8")
    sys.stdout.write(
        f"{report.examples} examples, {report.features} features, C {report.c}\n"
        f"cross-validated P/R, one fold per file: model {report.model.precision:.3f}/"
        f"{report.model.recall:.3f}, rules {report.rules.precision:.3f}/"
        f"{report.rules.recall:.3f}, rules plus model (the pipeline) "
        f"{report.both.precision:.3f}/{report.both.recall:.3f}\n"
        f"wrote {output}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
