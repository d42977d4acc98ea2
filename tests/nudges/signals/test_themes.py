"""Wellbeing themes: what a message is about, with look-alikes that are not a theme."""

from __future__ import annotations

import pytest

from nudges.signals import THEMES, analyze


def themes(text: str) -> set[str]:
    return set(analyze(text).themes)


def test_the_theme_ids() -> None:
    assert sorted(THEMES) == [
        "after_hours",
        "blocked",
        "conflict",
        "fatigue",
        "growth",
        "isolation",
        "recognition",
        "uncertainty",
        "workload",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("completely swamped this week, can't take on the audit", {"workload"}),
        ("juggling three projects and an on-call rotation", {"workload"}),
        ("too many meetings, no time for actual work", {"workload"}),
        ("the backlog keeps growing and we're two nurses short", {"workload"}),
        ("finally out of the weeds on the vendor recs", {"workload"}),
        ("honestly feeling pretty burned out", {"fatigue"}),
        ("zero energy today, need a nap", {"fatigue"}),
        ("thanks for the quick review!", {"recognition"}),
        ("huge shout-out to <@U123> for the migration", {"recognition"}),
        ("got talked over again in the arch review", {"conflict"}),
        ("there's a lot of tension between product and eng", {"conflict"}),
        ("rumours of layoffs again, hard to focus", {"uncertainty"}),
        ("the reorg announcement was vague", {"uncertainty"}),
        ("nobody can tell me if my contract gets renewed", {"uncertainty"}),
        ("kinda lonely being the only remote person on this team", {"isolation"}),
        ("feel like i'm always out of the loop", {"isolation"}),
        # asked and no answer: blocked as well (ANNOTATION.md: "no answers")
        pytest.param(
            "asked in 3 channels and it's like shouting into the void",
            {"isolation", "blocked"},
            marks=pytest.mark.xfail(
                strict=True,
                reason=(
                    "the rules find isolation only; the theme model's cut at 87% cross-"
                    "validated precision (training.py, THEME_PRECISION) no longer adds blocked"
                ),
            ),
        ),
        ("blocked on the security review for two days now", {"blocked"}),
        ("still waiting on legal to sign off", {"blocked"}),
        ("can't close the books until IT fixes the interface", {"blocked"}),
        ("the funding bid has been sitting on someone's desk since january", {"blocked"}),
        ("signed up for the internal leadership course", {"growth"}),
        ("started mentoring a junior dev, it's really rewarding", {"growth"}),
        ("worked all weekend to get the release out", {"after_hours"}),
        ("still online at 11pm finishing the deck", {"after_hours"}),
        ("paged at 2am for a non-urgent ticket", {"after_hours"}),
        ("6am calls with the sydney office every day", {"after_hours"}),
    ],
)
def test_each_theme(text: str, expected: set[str]) -> None:
    assert themes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "standup moved to 10:15 tomorrow",
        "of course, happy to take a look",
        "blocking out 2-4pm for focus time",
        "moved your 1:1 to 3:30, it conflicted with the vendor call",
        "rebased on main, merge conflicts resolved",
        "heads up: vpn maintenance tonight 10-11pm",
        "db migration starts at 18:00 utc",
        "cert renewal is scheduled for the 20th",
        "have a great weekend everyone",
        "it depends on the use case",
        "noted, i'll add it to the backlog",
    ],
)
def test_look_alikes_have_no_theme(text: str) -> None:
    assert themes(text) == set()


def test_a_message_can_touch_several_themes() -> None:
    assert themes("burnt out after three release weekends in a row") == {
        "fatigue",
        "after_hours",
    }


def test_sarcastic_praise_is_not_recognition() -> None:
    assert "recognition" not in themes(
        "great job everyone, we only missed the deadline by two weeks"
    )
    assert "recognition" in themes("great job everyone, we shipped on time")
