"""A planned :class:`~nudges.engine.Nudge` as a neutral :class:`~nudges.message.Message`."""

from __future__ import annotations

from nudges.charts import sparkline, trend_png
from nudges.engine import Nudge
from nudges.library import Source
from nudges.message import Button, ButtonStyle, Chart, Fact, Message, Section
from nudges.privacy import effective_group_size
from nudges.weeks import week_start

FEEDBACK_ACTIONS = {
    "nudge_helpful": "Helpful",
    "nudge_not_for_me": "Not for me",
    "nudge_did_this": "I did this",
}
"""Feedback buttons: action id -> label. The engine learns from these."""

SNOOZE_ACTION = "digest_snooze"


def feedback_value(delivery_ref: str, item_id: str, situation: str) -> str:
    """What a feedback button carries: which digest, which item, which situation."""
    return f"{delivery_ref}|{item_id}|{situation}"


def parse_feedback_value(value: str) -> tuple[str, str, str]:
    """The inverse of :func:`feedback_value`; ``ValueError`` for anything else."""
    parts = value.split("|")
    if len(parts) != 3 or not all(parts):
        raise ValueError("not a feedback button value")
    return parts[0], parts[1], parts[2]


def _cite(source: Source) -> str:
    return f"{source.author} ({source.year}), _{source.title}_, {source.publisher}."


def digest_message(
    nudge: Nudge, *, delivery_ref: str, min_group: int, with_png: bool = False
) -> Message:
    """The weekly digest a manager reads: prompt, why, lesson, trend, feedback buttons."""
    prompt = nudge.prompt
    monday = week_start(nudge.week)
    kind = "Empathy prompt" if prompt.kind == "empathy" else "Wellbeing prompt"
    prompt_lines = [prompt.body, "", f"*Try this week:* {prompt.try_this_week}"]
    if prompt.one_on_one_questions:
        prompt_lines += ["", "*Questions for your 1:1s:*"]
        prompt_lines += [f"• {question}" for question in prompt.one_on_one_questions]
    buttons = tuple(
        Button(
            label=label,
            action_id=action_id,
            value=feedback_value(delivery_ref, prompt.id, nudge.situation.value),
            style=ButtonStyle.PRIMARY if action_id == "nudge_did_this" else ButtonStyle.DEFAULT,
        )
        for action_id, label in FEEDBACK_ACTIONS.items()
    )
    sections = [
        Section(heading=f"{kind}: {prompt.title}", text="\n".join(prompt_lines), buttons=buttons),
        Section(
            heading="Why you are seeing this",
            text="\n".join(
                [f"• {line}" for line in nudge.explanation]
                + ["", f"*Why it works:* {prompt.why_it_works}", _cite(prompt.source)]
            ),
        ),
    ]
    if nudge.lesson is not None and nudge.course is not None:
        lessons = nudge.course.lessons
        position = next(i for i, lesson in enumerate(lessons, 1) if lesson.id == nudge.lesson.id)
        sections.append(
            Section(
                heading=(
                    f"2-minute lesson · {nudge.course.info.title} ({position} of {len(lessons)}): "
                    f"{nudge.lesson.title}"
                ),
                text="\n".join(
                    [
                        nudge.lesson.body,
                        "",
                        f"*Practice:* {nudge.lesson.practice}",
                        f"*Reflect:* {nudge.lesson.reflection}",
                        _cite(nudge.lesson.source),
                    ]
                ),
            )
        )
    chart = None
    if nudge.numbers_shown and any(value is not None for value in nudge.trend):
        labels = tuple(label.split("-")[1] for label in nudge.trend_labels)
        chart = Chart(
            title="Team mood in chat, week by week (-1 to +1)",
            labels=labels,
            values=nudge.trend,
            sparkline=sparkline(nudge.trend, low=-1.0, high=1.0),
            png=(
                trend_png(
                    labels,
                    nudge.trend,
                    title="Team mood in chat",
                    y_label="mood",
                    y_range=(-1.0, 1.0),
                )
                if with_png
                else None
            ),
            alt_text="Line chart of the team's weekly mood in chat; gaps are weeks with too "
            "few people to show.",
        )
    size = effective_group_size(min_group, text_derived=True)
    return Message(
        title=f"Your team nudge for the week of {monday:%d %B}: {nudge.team}",
        summary=f"{kind}: {prompt.title}",
        sections=tuple(sections),
        chart=chart,
        context=(
            f"Team figures appear only when at least {size} people took part. You never see "
            "anyone's messages, answers or whether they took part.",
        ),
        buttons=(Button(label="Snooze for 2 weeks", action_id=SNOOZE_ACTION, value=delivery_ref),),
    )


def facts_for(nudge: Nudge) -> tuple[Fact, ...]:
    """A compact summary for previews (situation and content ids)."""
    facts = [Fact("Situation", nudge.situation.value), Fact("Prompt", nudge.prompt.id)]
    if nudge.lesson is not None:
        facts.append(Fact("Lesson", nudge.lesson.id))
    return tuple(facts)
