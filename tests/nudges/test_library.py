"""Every content item loads, validates, and renders within Slack's and Teams' limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.platforms.slack.blocks import slack_limit_problems, to_slack
from bot.platforms.teams.cards import to_card
from bot.services.checkins import checkin_message, choose_questions, support_message
from bot.store.tables import CheckinRound
from nudges import engine
from nudges.digest import digest_message
from nudges.library import ContentError, Dimension, Situation, Theme, library, load_library
from tests.bot.platforms.teams.test_cards import card_schema_problems

LIB = library()
TEAMS_MAX_BYTES = 28_000


def _nudge(prompt_id: str, lesson_index: int = 0, course_index: int = 0) -> engine.Nudge:
    course = LIB.courses()[course_index]
    return engine.Nudge(
        week="2026-W47",
        team="Platform",
        prompt=LIB.prompt(prompt_id),
        situation=Situation.EVERGREEN,
        themes=(),
        lesson=course.lessons[lesson_index],
        course=course,
        explanation=(
            "Workload came up in 25% of messages this week, against the usual 3%.",
            "Check-in answers averaged 2.9 out of 5 this week (7 people answered).",
        ),
        numbers_shown=True,
        trend_labels=tuple(f"2026-W{w}" for w in range(40, 48)),
        trend=(0.2, 0.25, None, 0.1, 0.0, -0.1, -0.2, -0.3),
    )


def test_counts_meet_the_content_brief() -> None:
    prompts = LIB.prompts()
    assert sum(p.kind == "empathy" for p in prompts) >= 40
    assert sum(p.kind == "wellbeing" for p in prompts) >= 24
    courses = LIB.courses()
    assert len(courses) >= 4
    assert all(len(course.lessons) >= 6 for course in courses)
    questions = LIB.questions()
    assert len(questions) >= 20
    assert {q.dimension for q in questions} == set(Dimension)


def test_every_situation_and_theme_has_prompts() -> None:
    prompts = LIB.prompts()
    for situation in Situation:
        assert any(situation in p.situations for p in prompts), situation
    for theme in Theme:
        assert any(theme in p.themes for p in prompts), theme


def test_ids_are_unique_across_prompts_lessons_and_questions() -> None:
    ids = [p.id for p in LIB.prompts()]
    ids += [lesson.id for course in LIB.courses() for lesson in course.lessons]
    ids += [q.id for q in LIB.questions()]
    assert len(ids) == len(set(ids))


def test_german_check_in_questions_exist_and_other_content_falls_back() -> None:
    german = {q.id: q for q in LIB.questions("de-DE")}
    assert set(german) == {q.id for q in LIB.questions()}
    assert german["mood-week-overall"].text != LIB.question("mood-week-overall").text
    assert LIB.prompts("de") == LIB.prompts("en")
    assert LIB.support("de").title != LIB.support("en").title
    assert LIB.support("fr") == LIB.support("en")


@pytest.mark.parametrize("prompt_id", [p.id for p in LIB.prompts()])
def test_every_prompt_renders_within_platform_limits(prompt_id: str) -> None:
    message = digest_message(_nudge(prompt_id), delivery_ref="42", min_group=5)

    assert slack_limit_problems(to_slack(message)) == []
    card = to_card(message)
    assert card_schema_problems(card) == []
    assert len(str(card).encode()) < TEAMS_MAX_BYTES


@pytest.mark.parametrize(
    ("course_index", "lesson_index"),
    [(c, i) for c, course in enumerate(LIB.courses()) for i in range(len(course.lessons))],
)
def test_every_lesson_renders_within_platform_limits(course_index: int, lesson_index: int) -> None:
    prompt_id = LIB.prompts()[0].id
    message = digest_message(
        _nudge(prompt_id, lesson_index, course_index), delivery_ref="7", min_group=5, with_png=True
    )

    assert slack_limit_problems(to_slack(message, chart_url="https://x.example/c.png")) == []
    assert card_schema_problems(to_card(message)) == []


@pytest.mark.parametrize("locale", ["en", "de"])
def test_every_question_renders_as_a_checkin(locale: str) -> None:
    keys = [q.id for q in LIB.questions()]
    for start in range(0, len(keys), 3):
        checkin_round = CheckinRound(
            id=1, workspace_id=1, period="2026-W47", question_keys=keys[start : start + 3]
        )
        message = checkin_message(checkin_round, LIB, locale=locale)

        assert slack_limit_problems(to_slack(message)) == []
        assert card_schema_problems(to_card(message)) == []


@pytest.mark.parametrize("locale", ["en", "de"])
def test_support_resources_render(locale: str) -> None:
    message = support_message(LIB.support(locale))

    assert slack_limit_problems(to_slack(message)) == []
    assert card_schema_problems(to_card(message)) == []


def test_rotation_never_repeats_within_the_configured_rounds() -> None:
    rounds: list[list[str]] = []
    for period in range(30):
        chosen = choose_questions(LIB, rounds, seed=str(period))
        dimensions = [LIB.question(key).dimension for key in chosen]
        assert dimensions[0] is LIB.rotation.anchor_dimension
        assert len(set(dimensions)) == len(dimensions)
        recent = {
            key for past in rounds[-LIB.rotation.min_rounds_between_repeats :] for key in past
        }
        assert not set(chosen) & recent
        rounds.append(chosen)


def test_invalid_content_is_refused_with_the_file_named(tmp_path: Path) -> None:
    folder = tmp_path / "prompts" / "en"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("locale: en\nprompts:\n  - id: empathy-x\n    kind: x\n")

    with pytest.raises(ContentError, match=r"prompts/en/broken\.yaml"):
        load_library(tmp_path)  # type: ignore[arg-type]
