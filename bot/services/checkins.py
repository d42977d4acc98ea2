"""Pulse check-ins: rounds, rotating questions, answers under a pseudonym, comments.

A round belongs to one team and one period. Its questions rotate by the library's rules
(an anchor question every round, at most one per dimension, none repeated within the
configured number of rounds). Answers are stored under the respondent's pseudonym, never
their id. A comment is scored in memory and dropped; when it reads as acute distress the
author alone is shown the support resources, and nobody else is told.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot import metrics
from bot.errors import ValidationFailed
from bot.services import consent, pseudonyms
from bot.store.tables import CheckinResponse, CheckinRound, Membership, Person
from bot.store.types import utcnow
from nudges.library import Library, Question, SupportResources
from nudges.message import Button, ButtonStyle, Message, Section

ANSWER_ACTION = "checkin_answer"
COMMENT_ACTION = "checkin_comment"


def choose_questions(
    library: Library, previous_rounds: Sequence[Sequence[str]], *, seed: str
) -> list[str]:
    """Question ids for the next round, following the library's rotation rules.

    ``previous_rounds`` lists earlier rounds' question ids, oldest first.
    """
    rules = library.rotation
    recent = {key for past in previous_rounds[-rules.min_rounds_between_repeats :] for key in past}
    last_asked = {key: index for index, past in enumerate(previous_rounds) for key in past}
    rng = random.Random(seed)
    questions = library.questions()
    rng.shuffle(questions)
    # Fresh questions first, then the ones asked longest ago.
    questions.sort(key=lambda q: (q.id in recent, last_asked.get(q.id, -1)))
    chosen: list[Question] = []
    anchor = next(q for q in questions if q.dimension == rules.anchor_dimension)
    chosen.append(anchor)
    per_dimension = {anchor.dimension: 1}
    for question in questions:
        if len(chosen) >= rules.questions_per_round:
            break
        if question in chosen:
            continue
        if per_dimension.get(question.dimension, 0) >= rules.max_per_dimension_per_round:
            continue
        chosen.append(question)
        per_dimension[question.dimension] = per_dimension.get(question.dimension, 0) + 1
    return [question.id for question in chosen]


def open_round(
    workspace_id: int,
    team_id: int,
    period: str,
    *,
    library: Library,
    session: Session,
    now: datetime | None = None,
) -> CheckinRound:
    """The team's round for ``period``, created with rotated questions if new."""
    existing = session.exec(
        select(CheckinRound).where(
            CheckinRound.workspace_id == workspace_id,
            CheckinRound.team_id == team_id,
            CheckinRound.period == period,
        )
    ).first()
    if existing is not None:
        return existing
    previous = session.exec(
        select(CheckinRound.question_keys)
        .where(CheckinRound.workspace_id == workspace_id, CheckinRound.team_id == team_id)
        .order_by(col(CheckinRound.opened_at), col(CheckinRound.id))
    ).all()
    keys = choose_questions(library, previous, seed=f"{team_id}:{period}")
    checkin_round = CheckinRound(
        workspace_id=workspace_id,
        team_id=team_id,
        period=period,
        question_keys=keys,
        opened_at=now or utcnow(),
    )
    session.add(checkin_round)
    session.flush()
    return checkin_round


def answer_value(round_id: int, question_key: str, value: int) -> str:
    """What a check-in button carries."""
    return f"{round_id}|{question_key}|{value}"


def parse_answer_value(raw: str) -> tuple[int, str, int]:
    """The inverse of :func:`answer_value`; ``ValidationFailed`` for anything else."""
    try:
        round_text, question_key, value_text = raw.split("|")
        return int(round_text), question_key, int(value_text)
    except ValueError:
        raise ValidationFailed("not a check-in answer") from None


def checkin_message(
    checkin_round: CheckinRound,
    library: Library,
    *,
    locale: str = "en",
    answered: Mapping[str, int] | None = None,
) -> Message:
    """The check-in as a neutral message: one row of five buttons per question.

    ``answered`` (question id -> value) marks what the person already chose, so the
    message can be updated in place to acknowledge each answer.
    """
    assert checkin_round.id is not None
    answered = answered or {}
    sections = []
    for key in checkin_round.question_keys:
        question = library.question(key, locale)
        chosen = answered.get(question.id)
        text = f"*{question.text}*"
        if chosen is not None:
            option = question.scale[chosen - 1]
            text += f"\nSaved: {option.emoji} {option.label}. Tap another to change it."
        sections.append(
            Section(
                text=text,
                buttons=tuple(
                    Button(
                        label=f"{option.emoji} {option.label}",
                        action_id=f"{ANSWER_ACTION}:{question.id}:{option.value}",
                        value=answer_value(checkin_round.id, question.id, option.value),
                        style=ButtonStyle.PRIMARY
                        if option.value == chosen
                        else ButtonStyle.DEFAULT,
                    )
                    for option in question.scale
                ),
            )
        )
    done = len(answered) >= len(checkin_round.question_keys)
    return Message(
        title="Thanks, all answered" if done else "Quick check-in: three questions, ten seconds",
        summary="Your weekly check-in",
        sections=tuple(sections),
        context=(
            "Your answers are stored under a pseudonym and only ever shown as team totals "
            "from enough people. Your manager never sees your answers or whether you answered.",
        ),
        buttons=(
            Button(label="Add a comment", action_id=COMMENT_ACTION, value=str(checkin_round.id)),
        ),
    )


def my_answers(person: Person, round_id: int, *, key: bytes, session: Session) -> dict[str, int]:
    """The person's own answers in a round (read through their pseudonym)."""
    assert person.id is not None
    respondent = pseudonyms.respondent(key, round_id, person.id)
    rows = session.exec(
        select(CheckinResponse.question_key, CheckinResponse.value).where(
            CheckinResponse.round_id == round_id, CheckinResponse.respondent == respondent
        )
    ).all()
    return dict(rows)


def record_answer(
    person: Person,
    round_id: int,
    question_key: str,
    value: int,
    *,
    key: bytes,
    session: Session,
    now: datetime | None = None,
) -> CheckinResponse:
    """Store (or change) one answer under the person's pseudonym for this round, dated
    to the day."""
    assert person.id is not None
    if not consent.has_consent(person.id, "checkins", session=session):
        raise ValidationFailed("check-ins are off for you; opt in first")
    checkin_round = session.get(CheckinRound, round_id)
    if checkin_round is None or question_key not in checkin_round.question_keys:
        raise ValidationFailed("that question is not part of this check-in")
    if not 1 <= value <= 5:
        raise ValidationFailed("answers are on a scale from 1 to 5")
    if checkin_round.team_id is not None:
        member = session.exec(
            select(Membership).where(
                Membership.person_id == person.id, Membership.team_id == checkin_round.team_id
            )
        ).first()
        if member is None:
            raise ValidationFailed("this check-in is for another team")
    respondent = pseudonyms.respondent(key, round_id, person.id)
    # Kept to the day: an exact time could be matched with when someone was online.
    answered_on = (now or utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    response = session.exec(
        select(CheckinResponse).where(
            CheckinResponse.round_id == round_id,
            CheckinResponse.question_key == question_key,
            CheckinResponse.respondent == respondent,
        )
    ).first()
    if response is None:
        response = CheckinResponse(
            round_id=round_id,
            team_id=checkin_round.team_id,
            question_key=question_key,
            respondent=respondent,
            value=value,
            answered_at=answered_on,
        )
    else:
        response.value = value
        response.answered_at = answered_on
    session.add(response)
    session.flush()
    metrics.CHECKINS_ANSWERED.inc()
    return response


@dataclass(frozen=True)
class CommentResult:
    """What the author is told after a comment. ``support`` is set only for them."""

    acknowledged: str
    support: SupportResources | None


DistressCheck = Callable[[str], bool]


def handle_comment(
    text: str,
    *,
    distress: DistressCheck,
    library: Library,
    locale: str = "en",
    support: SupportResources | None = None,
) -> CommentResult:
    """Read a comment in memory and forget it; offer support privately if needed.

    ``support`` is HR's configured text; the library's default is used otherwise.
    """
    flagged = distress(text)
    return CommentResult(
        acknowledged="Thanks, your comment was read by the bot and not stored.",
        support=(support or library.support(locale)) if flagged else None,
    )


def support_message(resources: SupportResources) -> Message:
    """The private message with support resources (sent only to the author)."""
    lines = [resources.intro, ""]
    for item in resources.resources:
        line = f"• *{item.label}*: {item.detail}"
        if item.url:
            line += f" {item.url}"
        lines.append(line)
    lines += ["", resources.closing]
    return Message(
        title=resources.title, summary=resources.title, sections=(Section(text="\n".join(lines)),)
    )
