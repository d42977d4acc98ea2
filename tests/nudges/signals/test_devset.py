"""Accuracy on the labelled sets: the issue's targets, asserted so a regression fails CI.

These are accuracy thresholds, not timings. The workplace development set lives in
tests/data; the VADER corpora in ../shared/data/vader_icwsm2014 (CI has them; without them
those tests are skipped). The held-out workplace set is only reported by the benchmark.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nudges.signals import THEMES, analyze_many, score_many
from nudges.signals.evaluation import (
    Rated,
    flag_precision_recall,
    load_vader_corpus,
    load_workplace_set,
    macro_f1,
    pearson,
    set_precision_recall,
)

REPOSITORY = Path(__file__).resolve().parents[3]
DEV_SET = REPOSITORY / "tests" / "data" / "workplace_chat.jsonl"
VADER_DATA = REPOSITORY.parent / "shared" / "data" / "vader_icwsm2014"

needs_vader_data = pytest.mark.skipif(
    not (VADER_DATA / "tweets_GroundTruth.txt").is_file(),
    reason=f"the VADER corpora are not at {VADER_DATA} (CI checks out ../shared)",
)


@pytest.fixture(scope="module")
def dev() -> list[Rated]:
    return load_workplace_set(DEV_SET)


def test_the_development_set_is_what_the_issue_asks_for(dev: list[Rated]) -> None:
    tags = Counter(tag for row in dev for tag in row.tags)

    assert len(dev) >= 300
    assert all(-3.0 <= row.rating <= 3.0 for row in dev)
    assert all(row.themes <= THEMES for row in dev)
    assert {"idiom", "sarcasm", "negation", "shortcode", "emoji", "neutral"} <= set(tags)
    assert tags["distress_contrast"] >= 30
    assert sum(row.distress for row in dev) >= 10


def test_workplace_sentiment_targets(dev: list[Rated]) -> None:
    ratings = [row.rating for row in dev]
    scores = score_many(row.text for row in dev)

    assert pearson(ratings, scores) >= 0.85
    assert macro_f1(ratings, scores) >= 0.85


def test_theme_and_distress_targets(dev: list[Rated]) -> None:
    results = analyze_many(row.text for row in dev)

    themes = set_precision_recall([row.themes for row in dev], [r.themes for r in results])
    distress = flag_precision_recall([row.distress for row in dev], [r.distress for r in results])

    assert themes.precision >= 0.85
    assert themes.recall >= 0.75
    assert distress.precision >= 0.95


@needs_vader_data
def test_tweets_are_read_at_least_as_well_as_published_vader() -> None:
    tweets = load_vader_corpus(VADER_DATA / "tweets_GroundTruth.txt")

    scores = score_many(row.text for row in tweets)

    assert len(tweets) == 4200
    assert pearson([row.rating for row in tweets], scores) >= 0.88


@needs_vader_data
@pytest.mark.parametrize(
    "corpus",
    [
        "movieReviewSnippets_GroundTruth.txt",
        "amazonReviewSnippets_GroundTruth.txt",
        "nytEditorialSnippets_GroundTruth.txt",
    ],
)
def test_general_text_is_not_read_worse_than_plain_vader(corpus: str) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    rows = load_vader_corpus(VADER_DATA / corpus)
    ratings = [row.rating for row in rows]
    analyzer = SentimentIntensityAnalyzer()

    ours = pearson(ratings, score_many(row.text for row in rows))
    vader = pearson(ratings, [analyzer.polarity_scores(row.text)["compound"] for row in rows])

    assert ours >= vader


def test_our_probe_messages_stay_readable() -> None:
    # 284 messages we wrote while building the rules, each in phrasing the development
    # set does not use (rated by us, not by a panel): a regression guard for the general
    # rules, with a lower bar than the human-rated set.
    probes = load_workplace_set(REPOSITORY / "tests" / "data" / "signals_probe_messages.jsonl")
    ratings = [row.rating for row in probes]
    scores = score_many(row.text for row in probes)

    assert len(probes) >= 200
    assert pearson(ratings, scores) >= 0.75
    assert macro_f1(ratings, scores) >= 0.75
