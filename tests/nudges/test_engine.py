"""The engine: situations from a team's own baseline, anti-fatigue, learning, privacy."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from nudges import engine
from nudges.engine import DimensionTally, ManagerContext, PastDigest, RawWeek
from nudges.library import Situation, Theme, library
from nudges.weeks import previous_weeks, shift

WEEK = "2026-W47"
TODAY = date(2026, 11, 23)
LIB = library()
SETTINGS = engine.OrgSettings(min_group=5, seed=1)


def steady(week: str, **changes: object) -> RawWeek:
    base = RawWeek(
        week=week,
        members=8,
        contributors=7,
        messages=60,
        sentiment_sum=0.25 * 60,
        theme_counts={"workload": 2, "recognition": 6},
        after_hours=3,
        checkin_respondents=7,
        checkin={"mood": DimensionTally(7 * 3.9, 7, 7), "energy": DimensionTally(7 * 3.8, 7, 7)},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def history(count: int = 6) -> list[RawWeek]:
    return [
        steady(week, sentiment_sum=(0.22 + 0.01 * (i % 3)) * 60)
        for i, week in enumerate(previous_weeks(WEEK, count))
    ]


def plan(
    current: RawWeek,
    past: list[RawWeek] | None = None,
    *,
    manager: ManagerContext | None = None,
    org: RawWeek | None = None,
    posteriors: engine.Posteriors | None = None,
    seed: int = 1,
) -> engine.Nudge | engine.Skip:
    view = engine.team_week(
        "Platform",
        current,
        history() if past is None else past,
        min_group=5,
        org=org,
        org_history=[replace(w, members=40, contributors=35) for w in history()] if org else (),
    )
    return engine.plan_digest(
        view,
        manager or ManagerContext(key="m1"),
        week=WEEK,
        today=TODAY,
        library=LIB,
        posteriors=posteriors or {},
        settings=replace(SETTINGS, seed=seed),
    )


# ---------------------------------------------------------------- the gate


def test_gate_hides_chat_figures_below_the_text_floor_even_with_group_size_three() -> None:
    gated = engine.gate(steady(WEEK, contributors=4), min_group=3)

    assert (gated.sentiment, gated.messages, gated.theme_rates) == (None, None, {})
    assert gated.checkin_mean is not None


def test_gate_hides_checkin_dimensions_answered_by_too_few() -> None:
    raw = steady(
        WEEK, checkin={"mood": DimensionTally(6 * 4, 6, 6), "growth": DimensionTally(2 * 1, 2, 2)}
    )

    gated = engine.gate(raw, min_group=5)

    assert dict(gated.dimension_means) == {"mood": 4.0}


def test_gate_hides_everything_for_a_small_team() -> None:
    gated = engine.gate(steady(WEEK, contributors=3, checkin_respondents=3), min_group=5)

    assert gated.any_shown is False


# ---------------------------------------------------------------- situations


def test_sentiment_drop_against_the_teams_own_baseline() -> None:
    nudge = plan(steady(WEEK, sentiment_sum=-0.15 * 60))

    assert isinstance(nudge, engine.Nudge)
    assert nudge.situation is Situation.SENTIMENT_DROP
    assert nudge.explanation[0].startswith("Team mood in chat is down 0.38 from its usual level")
    assert nudge.numbers_shown is True


def test_workload_spike_gets_a_workload_prompt() -> None:
    nudge = plan(steady(WEEK, theme_counts={"workload": 15, "recognition": 6}))

    assert isinstance(nudge, engine.Nudge)
    assert (nudge.situation, nudge.themes) == (Situation.THEME_SPIKE, (Theme.WORKLOAD,))
    assert Theme.WORKLOAD in nudge.prompt.themes
    assert "Workload came up in 25% of messages this week, against the usual 3%." in (
        nudge.explanation
    )


def test_after_hours_rise() -> None:
    nudge = plan(steady(WEEK, after_hours=20))

    assert isinstance(nudge, engine.Nudge)
    assert nudge.situation is Situation.AFTER_HOURS_RISING


def test_low_checkins_need_no_baseline() -> None:
    low = steady(
        WEEK,
        checkin={"mood": DimensionTally(7 * 2.4, 7, 7), "energy": DimensionTally(7 * 2.2, 7, 7)},
    )

    nudge = plan(low, past=[])

    assert isinstance(nudge, engine.Nudge)
    assert nudge.situation is Situation.LOW_CHECKIN
    assert "The lowest was energy, at 2.2 out of 5." in nudge.explanation


def test_participation_drop() -> None:
    usual = [replace(week, members=20, checkin_respondents=14) for week in history()]
    nudge = plan(
        steady(
            WEEK, members=20, checkin_respondents=5, checkin={"mood": DimensionTally(5 * 3.9, 5, 5)}
        ),
        past=usual,
    )

    assert isinstance(nudge, engine.Nudge)
    assert Situation.PARTICIPATION_DROP in nudge.situations
    assert "25% of the team answered this week's check-in, against a usual 70%." in (
        nudge.explanation
    )


def test_participation_is_never_shown_when_it_would_reveal_individuals() -> None:
    everyone = engine.gate(steady(WEEK, members=7, checkin_respondents=7), min_group=5)
    all_but_one = engine.gate(steady(WEEK, members=8, checkin_respondents=7), min_group=5)
    wide = engine.gate(steady(WEEK, members=14, checkin_respondents=7), min_group=5)

    assert (everyone.participation, all_but_one.participation) == (None, None)
    assert wide.participation == 0.5


def test_sustained_good_weeks_are_celebrated() -> None:
    nudge = plan(steady(WEEK, sentiment_sum=0.24 * 60))

    assert isinstance(nudge, engine.Nudge)
    assert nudge.situation is Situation.SUSTAINED_GOOD
    assert Situation.SUSTAINED_GOOD in nudge.prompt.situations


def test_no_comparison_before_four_weeks_of_data() -> None:
    nudge = plan(steady(WEEK, sentiment_sum=-0.5 * 60), past=history(3))

    assert isinstance(nudge, engine.Nudge)
    assert nudge.situation is not Situation.SENTIMENT_DROP
    assert any("start after 4 weeks of data (3 so far)" in line for line in nudge.explanation)


# ---------------------------------------------------------------- small teams


def test_small_team_gets_no_numbers_but_org_guidance_when_the_org_is_large() -> None:
    small = steady(WEEK, members=3, contributors=3, checkin_respondents=3)
    org = steady(WEEK, members=40, contributors=35, theme_counts={"workload": 30}, messages=120)

    nudge = plan(small, org=org)

    assert isinstance(nudge, engine.Nudge)
    assert nudge.numbers_shown is False
    assert nudge.trend == ()
    assert "This prompt fits what the wider organisation is going through." in nudge.explanation
    assert not any(char.isdigit() for line in nudge.explanation for char in line)


def test_small_team_in_a_small_org_gets_evergreen_guidance() -> None:
    small = steady(WEEK, members=3, contributors=3, checkin_respondents=3)

    nudge = plan(small, past=[replace(w, contributors=3, checkin_respondents=3) for w in history()])

    assert isinstance(nudge, engine.Nudge)
    assert nudge.situation is Situation.EVERGREEN
    assert "This week's prompt is general good practice for any team." in nudge.explanation


# ---------------------------------------------------------------- anti-fatigue


def test_no_prompt_repeats_within_twelve_weeks() -> None:
    past: list[PastDigest] = []
    seen: list[str] = []
    week = shift(WEEK, -20)
    for _ in range(20):
        manager = ManagerContext(key="m1", history=tuple(past))
        view = engine.team_week("Platform", steady(week), [], min_group=5)
        nudge = engine.plan_digest(
            view, manager, week=week, today=TODAY, library=LIB, posteriors={}, settings=SETTINGS
        )
        assert isinstance(nudge, engine.Nudge)
        assert nudge.prompt.id not in seen[-11:]
        seen.append(nudge.prompt.id)
        past.append(PastDigest(week, nudge.prompt.id, None, interacted=True))
        week = shift(week, 1)


def test_three_ignored_digests_drop_to_every_other_week_and_say_so() -> None:
    ignored = tuple(
        PastDigest(shift(WEEK, -offset), f"empathy-x{offset}", None, interacted=False)
        for offset in (3, 2, 1)
    )

    skipped = plan(steady(WEEK), manager=ManagerContext(key="m1", history=ignored))
    later = engine.plan_digest(
        engine.team_week("Platform", steady(shift(WEEK, 1)), history(), min_group=5),
        ManagerContext(key="m1", history=ignored),
        week=shift(WEEK, 1),
        today=TODAY,
        library=LIB,
        posteriors={},
        settings=SETTINGS,
    )

    assert isinstance(skipped, engine.Skip)
    assert isinstance(later, engine.Nudge)
    assert any("now come every other week" in line for line in later.explanation)


def test_one_interaction_restores_the_weekly_cadence() -> None:
    past = tuple(
        PastDigest(shift(WEEK, -offset), f"empathy-x{offset}", None, interacted=offset == 1)
        for offset in (3, 2, 1)
    )

    assert isinstance(
        plan(steady(WEEK), manager=ManagerContext(key="m1", history=past)), engine.Nudge
    )


@pytest.mark.parametrize(
    ("manager", "reason"),
    [
        (ManagerContext(key="m", snoozed_until=date(2026, 12, 1)), "snoozed until 2026-12-01"),
        (ManagerContext(key="m", away_until=date(2026, 11, 30)), "on leave until 2026-11-30"),
        (
            ManagerContext(key="m", history=(PastDigest(WEEK, "x", None, True),)),
            "already had this week's digest",
        ),
    ],
)
def test_snooze_leave_and_one_per_week_are_honoured(manager: ManagerContext, reason: str) -> None:
    skipped = plan(steady(WEEK), manager=manager)

    assert skipped == engine.Skip(WEEK, reason)


# ---------------------------------------------------------------- lessons and learning


def test_lessons_follow_the_course_in_order() -> None:
    first = plan(steady(WEEK))
    assert isinstance(first, engine.Nudge)
    assert first.lesson is not None and first.course is not None
    done = PastDigest(shift(WEEK, -1), None, first.lesson.id, interacted=True)

    second = plan(steady(WEEK), manager=ManagerContext(key="m1", history=(done,)))

    assert isinstance(second, engine.Nudge)
    assert second.course == first.course
    assert second.lesson == first.course.lessons[1]


def test_same_seed_same_choice() -> None:
    assert plan(steady(WEEK), seed=3) == plan(steady(WEEK), seed=3)


def test_feedback_shifts_choices_toward_what_helped() -> None:
    spike = steady(WEEK, theme_counts={"workload": 15})
    candidates = [
        p.id
        for p in LIB.prompts()
        if Situation.THEME_SPIKE in p.situations and Theme.WORKLOAD in p.themes
    ]
    favourite, disliked = candidates[0], candidates[1]
    learned = {(favourite, "theme_spike"): (30, 0), (disliked, "theme_spike"): (0, 30)}

    picks = Counter()
    for seed in range(200):
        nudge = plan(spike, posteriors=learned, seed=seed)
        assert isinstance(nudge, engine.Nudge)
        picks[nudge.prompt.id] += 1

    assert picks[favourite] > 100
    assert picks[disliked] == 0
