"""Whatever the stored sums, nothing a manager sees rests on fewer than the minimum group.

The property is non-interference: change every figure that comes from too few people
(sums, theme counts, answers) to anything at all, and the digest must not change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from nudges import engine
from nudges.digest import digest_message
from nudges.engine import DimensionTally, RawWeek
from nudges.library import library
from nudges.privacy import effective_group_size
from nudges.weeks import previous_weeks

WEEK = "2026-W47"
LIB = library()
THEMES = ["workload", "fatigue", "recognition", "conflict", "after_hours"]


@st.composite
def raw_weeks(draw: st.DrawFn, week: str) -> RawWeek:
    messages = draw(st.integers(0, 200))
    contributors = draw(st.integers(0, 9)) if messages else 0
    respondents = draw(st.integers(0, 9))
    checkin = {}
    for dimension in draw(
        st.lists(st.sampled_from(["mood", "energy", "workload"]), unique=True, max_size=3)
    ):
        answers = draw(st.integers(0, respondents))
        checkin[dimension] = DimensionTally(
            total=draw(st.floats(1, 5)) * answers,
            answers=answers,
            respondents=answers,
        )
    return RawWeek(
        week=week,
        members=draw(st.integers(3, 12)),
        contributors=contributors,
        messages=messages,
        sentiment_sum=draw(st.floats(-1, 1)) * messages,
        theme_counts={t: draw(st.integers(0, messages)) for t in THEMES},
        after_hours=draw(st.integers(0, messages)),
        checkin_respondents=respondents,
        checkin=checkin,
    )


def scramble_hidden(raw: RawWeek, min_group: int, noise: float) -> RawWeek:
    """Change every figure the gate must hide; keep every figure it may show."""
    text_floor = effective_group_size(min_group, text_derived=True)
    plain_floor = effective_group_size(min_group, text_derived=False)
    if raw.contributors < text_floor:
        raw = replace(
            raw,
            sentiment_sum=-raw.sentiment_sum + noise,
            theme_counts={t: c + 7 for t, c in raw.theme_counts.items()},
            after_hours=raw.after_hours + 3,
        )
    checkin_hidden = raw.checkin_respondents < plain_floor
    raw = replace(
        raw,
        checkin={
            d: (
                replace(t, total=t.total + noise * t.answers)
                if checkin_hidden or t.respondents < plain_floor
                else t
            )
            for d, t in raw.checkin.items()
        },
    )
    return raw


def digest_view(weeks: list[RawWeek], min_group: int) -> tuple[object, ...]:
    view = engine.team_week("T", weeks[-1], weeks[:-1], min_group=min_group)
    result = engine.plan_digest(
        view,
        engine.ManagerContext(key="m"),
        week=WEEK,
        today=date(2026, 11, 23),
        library=LIB,
        posteriors={},
        settings=engine.OrgSettings(min_group=min_group),
    )
    assert isinstance(result, engine.Nudge)
    message = digest_message(result, delivery_ref="1", min_group=min_group)
    chart = message.chart
    return (
        result.explanation,
        result.trend,
        chart.sparkline if chart else None,
        message.plain_text(),
    )


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    min_group=st.integers(3, 7),
    noise=st.floats(0.1, 0.9),
)
def test_hidden_figures_never_change_what_a_manager_sees(
    data: st.DataObject, min_group: int, noise: float
) -> None:
    labels = [*previous_weeks(WEEK, 5), WEEK]
    weeks = [data.draw(raw_weeks(label)) for label in labels]
    scrambled = [scramble_hidden(week, min_group, noise) for week in weeks]

    assert digest_view(weeks, min_group) == digest_view(scrambled, min_group)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), min_group=st.integers(3, 7))
def test_chart_points_only_for_weeks_with_enough_contributors(
    data: st.DataObject, min_group: int
) -> None:
    labels = [*previous_weeks(WEEK, 5), WEEK]
    weeks = [data.draw(raw_weeks(label)) for label in labels]
    view = engine.team_week("T", weeks[-1], weeks[:-1], min_group=min_group)
    result = engine.plan_digest(
        view,
        engine.ManagerContext(key="m"),
        week=WEEK,
        today=date(2026, 11, 23),
        library=LIB,
        posteriors={},
        settings=engine.OrgSettings(min_group=min_group),
    )
    assert isinstance(result, engine.Nudge)
    floor = effective_group_size(min_group, text_derived=True)
    by_week = {week.week: week for week in weeks}
    for label, value in zip(result.trend_labels, result.trend, strict=True):
        if value is not None:
            assert by_week[label].contributors >= floor
    if not engine.gate(weeks[-1], min_group).any_shown:
        assert result.numbers_shown is False
        assert not any(ch.isdigit() for line in result.explanation for ch in line)
