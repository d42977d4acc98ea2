"""Round-4 rules: work news said without sentiment words, word-form theme patterns, and
the valence of more first-person despair forms, each with look-alikes that stay as they were."""

from __future__ import annotations

import functools
from typing import cast

import pytest
from spacy.language import Language

from nudges.signals import analyze, build_pipeline, score
from nudges.signals.components import ThemesComponent
from tests.nudges.signals.probes import NEAR_NEUTRAL


@functools.cache
def pipeline() -> Language:
    return build_pipeline()


def rule_themes(text: str) -> frozenset[str]:
    """The themes the rules find (the learned model may still overrule one of them)."""
    doc = pipeline()(text)
    tagger = cast(ThemesComponent, pipeline().get_pipe("nudges_themes")).tagger
    return tagger(doc, valence=doc._.valence)


def reading(text: str) -> str:
    value = score(text)
    return "positive" if value >= 0.05 else "negative" if value <= -0.05 else "neutral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("second time today the build agent fell over", "negative"),
        pytest.param(
            "they keep moving the date back on the sso work", "negative", marks=NEAR_NEUTRAL
        ),
        ("that sync could have been an email", "negative"),
        ("my schedule is back to back until thursday", "negative"),
        ("the ticket queue is never ending", "negative"),
        ("struggling to keep my eyes open in this review", "negative"),
        ("replying to pages from my daughter's recital", "negative"),
        ("the db upgrade went without a hitch", "positive"),
        ("rollout ran smoothly across all regions", "positive"),
        ("we landed the payments work ahead of schedule", "positive"),
        ("sales closed the deal with the big retailer", "positive"),
        ("zero regressions after the upgrade", "positive"),
        ("still waiting for finance to confirm the budget", "negative"),
        pytest.param(
            "we cannot proceed until the contract is signed", "negative", marks=NEAR_NEUTRAL
        ),
    ],
)
def test_work_news_without_sentiment_words(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the team will be fine without me for a week",
        "can we make the calendar invite for 3pm",
        "i want the build to end before lunch",
    ],
)
def test_look_alikes_stay_neutral(text: str) -> None:
    assert reading(text) == "neutral"


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("asked four times for the staging creds", "blocked"),
        ("been chasing the vendor for weeks", "blocked"),
        ("still no reply from procurement", "blocked"),
        ("the pr has been sitting in review since monday", "blocked"),
        ("we couldn't make progress on the import", "blocked"),
        ("stayed up till 3 finishing the postmortem", "after_hours"),
        ("took the call at my son's game", "after_hours"),
    ],
)
def test_word_form_theme_patterns(text: str, theme: str) -> None:
    assert theme in rule_themes(text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("still no word on the offsite location", "blocked"),
        ("the blue-green cutover kept moving traffic", "blocked"),
        ("worked at 2 on the design review", "after_hours"),
    ],
)
def test_theme_look_alikes(text: str, theme: str) -> None:
    assert theme not in analyze(text).themes


@pytest.mark.parametrize(
    "text",
    [
        "some days i just want everything to be over",
        "my family would be happier without me",
        "what is the point of going on",
        "i cannot keep living like this",
        "i honestly hate being alive",
        "i've thought about ending things",
    ],
)
def test_more_despair_forms_read_as_strongly_negative(text: str) -> None:
    assert score(text) <= -0.5


@pytest.mark.parametrize(
    "text",
    [
        "i want the migration to be over",
        "i want it all to stop paging me at night",
        "the team would be fine without me for the offsite",
        "been thinking about ending things with that vendor",
        "i can't live like this with the office wifi",
        "i feel trapped in this legacy codebase",
        "what's the point of this meeting",
        "sick of life lol",
        "i just want it all to stop",
    ],
)
def test_despair_look_alikes_are_not_flagged(text: str) -> None:
    assert not analyze(text).distress
