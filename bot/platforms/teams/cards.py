"""Neutral :class:`~nudges.message.Message` -> Adaptive Card 1.5, in this one module.

:func:`to_card` builds the card and :func:`to_attachment` wraps it for a Teams activity;
nothing else in the bot writes Adaptive Card JSON. Buttons become ``Action.Execute``
(Universal Actions): the ``verb`` is the neutral ``action_id`` and ``data`` carries
``{"value": ...}``, so the inbound adapter reads both back unchanged.

Teams refuses a message over about 28 KB, and the chart PNG travels inside the card as a
base64 ``data:`` URL. The card is therefore measured as it goes over the wire (see
:func:`card_size`) and kept under :data:`CARD_BUDGET`, which leaves room for the activity
around it: the image is left out first (the sparkline stays), then trailing sections,
then long texts are shortened. Apart from the image (whose sparkline stays), nothing is
left out without a note saying so.

Text conversion: the neutral ``*bold*`` becomes Adaptive Card markdown ``**bold**``; a
single line break becomes ``\\n\\n`` (Adaptive Card markdown needs two to break a line);
paragraphs become separate TextBlocks.

The two cards that ask for input, which a neutral message cannot express, are written
here too: :func:`comment_card` (the check-in comment box) and :func:`schedule_card`
(HR's schedule editor).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from nudges.message import Button, ButtonStyle, Chart, Fact, Message, Section

Element = dict[str, Any]
_T = TypeVar("_T")

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
ATTACHMENT_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams caps a whole message at about 28 KB; the activity around the card needs the rest.
CARD_BUDGET = 26_000

OVERFLOW_NOTE = "This message is longer than Teams can show at once; parts of it were left out."

_ELLIPSIS = "…"
_BOLD = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]*?\S)\*(?![*\w])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_ACTION_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}


def card_size(card: dict[str, Any]) -> int:
    """The card's size in bytes as JSON, counted the way it is most expensive on the wire.

    Python's and aiohttp's default ``json.dumps`` (ASCII escapes, ``", "`` separators)
    gives the largest encoding: a non-ASCII character costs up to 12 bytes, not 2-4.
    """
    return len(json.dumps(card).encode("ascii"))


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


@dataclass(frozen=True)
class _Caps:
    """How much of each piece of text to keep; ``None`` keeps all of it."""

    text: int | None = None
    items: int | None = None
    data: int | None = None

    def cut(self, text: str) -> str:
        return _cut(text, self.text)

    def cut_data(self, data: str) -> str:
        return _cut(data, self.data)

    def some(self, items: Sequence[_T]) -> Sequence[_T]:
        return items if self.items is None else items[: self.items]


# From gentle to drastic; the first that fits wins. When even the last does not (thousands
# of buttons), the card keeps only its title and the overflow note.
_STEPS = (
    _Caps(),
    _Caps(text=4000),
    _Caps(text=1000, items=50, data=2000),
    _Caps(text=250, items=20, data=500),
    _Caps(text=60, items=5, data=100),
)


def _markdown(text: str) -> str:
    """Neutral ``*bold*`` -> Adaptive Card ``**bold**``; one line break -> two."""
    if "*" in text:
        text = _BOLD.sub(r"**\1**", text)
    return text.replace("\n", "\n\n")


def _text_blocks(text: str, caps: _Caps, **style: Any) -> list[Element]:
    paragraphs = [part.strip() for part in _PARAGRAPH_BREAK.split(text.strip())]
    return [
        {"type": "TextBlock", "text": _markdown(caps.cut(part)), "wrap": True, **style}
        for part in paragraphs
        if part
    ]


def _action(button: Button, caps: _Caps) -> Element:
    action: Element = {
        "type": "Action.Execute",
        "title": caps.cut(button.label.strip()),
        "verb": caps.cut_data(button.action_id),
        "data": {"value": caps.cut_data(button.value)},
    }
    style = _ACTION_STYLES.get(button.style)
    if style is not None:
        action["style"] = style
    return action


def _actions(buttons: Sequence[Button], caps: _Caps) -> list[Element]:
    return [_action(button, caps) for button in caps.some(buttons) if button.label.strip()]


def _facts(facts: Sequence[Fact], caps: _Caps) -> list[Element]:
    return [
        {"title": caps.cut(fact.label.strip()), "value": _markdown(caps.cut(fact.value.strip()))}
        for fact in caps.some(facts)
        if fact.label.strip() or fact.value.strip()
    ]


def _section(section: Section, caps: _Caps) -> Element | None:
    items: list[Element] = []
    heading = (section.heading or "").replace("*", "").strip()
    if heading:
        items.append(
            {"type": "TextBlock", "text": caps.cut(heading), "weight": "Bolder", "wrap": True}
        )
    items += _text_blocks(section.text, caps)
    facts = _facts(section.facts, caps)
    if facts:
        items.append({"type": "FactSet", "facts": facts})
    actions = _actions(section.buttons, caps)
    if actions:
        items.append({"type": "ActionSet", "actions": actions})
    return {"type": "Container", "items": items} if items else None


def _chart(chart: Chart, caps: _Caps, *, with_image: bool) -> list[Element]:
    elements: list[Element] = []
    if with_image and chart.png:
        image: Element = {
            "type": "Image",
            "url": "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii"),
        }
        alt = chart.alt_text.strip() or chart.title.strip()
        if alt:
            image["altText"] = caps.cut(alt)
        elements.append(image)
    line = ": ".join(part for part in (chart.title.strip(), chart.sparkline.strip()) if part)
    if line:
        elements.append(
            {"type": "TextBlock", "text": caps.cut(line), "fontType": "Monospace", "wrap": True}
        )
    return elements


def _card(
    message: Message,
    sections: Sequence[Section],
    caps: _Caps,
    *,
    with_image: bool,
    note: str | None,
) -> dict[str, Any]:
    body: list[Element] = []
    title = message.title.strip()
    if title:
        body.append(
            {
                "type": "TextBlock",
                "text": caps.cut(title),
                "size": "Medium",
                "weight": "Bolder",
                "wrap": True,
                "style": "heading",
            }
        )
    body += [
        container for section in sections if (container := _section(section, caps)) is not None
    ]
    if note:
        body += _text_blocks(note, _Caps(), isSubtle=True)
    if message.chart is not None:
        body += _chart(message.chart, caps, with_image=with_image)
    for line in caps.some(message.context):
        body += _text_blocks(line, caps, size="Small", isSubtle=True)
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSION,
        "body": body,
        "actions": _actions(message.buttons, caps),
    }


def _fits(card: dict[str, Any], budget: int) -> bool:
    return card_size(card) <= budget


def _fewer_sections(message: Message, caps: _Caps, note: str, budget: int) -> dict[str, Any] | None:
    """The card with as many leading sections as fit (at least one), or None."""
    sections = caps.some(message.sections)
    low, high = 1, len(sections) - 1
    best: dict[str, Any] | None = None
    while low <= high:  # fewer sections never make a card bigger: binary search
        middle = (low + high) // 2
        card = _card(message, sections[:middle], caps, with_image=False, note=note)
        if _fits(card, budget):
            best, low = card, middle + 1
        else:
            high = middle - 1
    return best


def to_card(
    message: Message, *, overflow_note: str = OVERFLOW_NOTE, budget: int = CARD_BUDGET
) -> dict[str, Any]:
    """The Adaptive Card 1.5 for ``message``, at most ``budget`` bytes (see :func:`card_size`).

    Body: the title as a heading; each section as a Container (bold heading, text, a
    FactSet for its facts, an ActionSet of ``Action.Execute`` for its buttons); the chart
    as an inline PNG when it fits the budget, and always its sparkline in monospace; the
    footer lines small and subtle. The message's own buttons are the card's ``actions``.
    A message too big for Teams loses its image, then its trailing sections (with
    ``overflow_note`` in their place), then the length of its longest texts (for absurdly
    long messages, also of button values and verbs, as Slack does at 2,000 characters).
    """
    card = _card(message, message.sections, _Caps(), with_image=True, note=None)
    if _fits(card, budget):
        return card
    for caps in _STEPS:
        note = overflow_note if caps != _Caps() else None
        card = _card(message, caps.some(message.sections), caps, with_image=False, note=note)
        if _fits(card, budget):
            return card
        fewer = _fewer_sections(message, caps, overflow_note, budget)
        if fewer is not None:
            return fewer
    bare = Message(title=_STEPS[-1].cut(message.title), sections=())
    return _card(bare, (), _STEPS[-1], with_image=False, note=overflow_note)


def to_attachment(card: dict[str, Any]) -> dict[str, Any]:
    """``card`` as a Bot Framework attachment, ready for an activity's ``attachments``."""
    return {"contentType": ATTACHMENT_CONTENT_TYPE, "content": card}


# ---------------------------------------------------------------- cards with inputs
#
# A neutral Message has no form fields, so the two cards that ask for input are written
# here directly: the check-in comment box and HR's schedule editor. Their buttons are
# ``Action.Execute`` too; Teams merges the inputs' values into the action's ``data``.

COMMENT_SEND_VERB = "checkin_comment_send"
CHECKIN_SHOW_VERB = "checkin_show"
SCHEDULE_SHOW_VERB = "schedule_show"
SCHEDULE_SAVE_VERB = "schedule_save"
COMMENT_INPUT = "comment"
COMMENT_MAX_LENGTH = 1000


def _adaptive_card(body: list[Element], actions: list[Element]) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSION,
        "body": body,
        "actions": actions,
    }


def _heading(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": text,
        "size": "Medium",
        "weight": "Bolder",
        "wrap": True,
        "style": "heading",
    }


def _execute(
    title: str, verb: str, value: str, *, inputs: bool = True, style: str | None = None
) -> Element:
    action: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": {"value": value},
        "associatedInputs": "auto" if inputs else "none",
    }
    if style is not None:
        action["style"] = style
    return action


def comment_card(round_ref: str) -> dict[str, Any]:
    """The check-in comment box: one multi-line input, Send, and Back to the check-in."""
    return _adaptive_card(
        [
            _heading("Add a comment"),
            {
                "type": "Input.Text",
                "id": COMMENT_INPUT,
                "label": "Anything you'd like to add?",
                "isMultiline": True,
                "maxLength": COMMENT_MAX_LENGTH,
                "isRequired": True,
                "errorMessage": "Write something first, or go back.",
            },
            {
                "type": "TextBlock",
                "text": "Read by the bot and never stored. Nobody else sees it.",
                "size": "Small",
                "isSubtle": True,
                "wrap": True,
            },
        ],
        [
            _execute("Send", COMMENT_SEND_VERB, round_ref, style="positive"),
            _execute("Back to the check-in", CHECKIN_SHOW_VERB, round_ref, inputs=False),
        ],
    )


@dataclass(frozen=True)
class ScheduleForm:
    """What the schedule editor shows: the scope choices and the values in force.

    ``scopes`` are (label, value) pairs, ``"org"`` for the organisation default and a
    team id otherwise; days are ``mon``..``sun``; times ``HH:MM``.
    """

    scopes: tuple[tuple[str, str], ...]
    scope: str
    digest_day: str
    digest_time: str
    cadence: str
    checkin_day: str
    checkin_time: str
    paused: bool
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    cadences: tuple[str, ...] = ("weekly", "biweekly", "monthly")
    note: str | None = None
    problem: str | None = None


def _choices(input_id: str, label: str, options: Sequence[tuple[str, str]], value: str) -> Element:
    values = [option for _, option in options]
    return {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "isRequired": True,
        "choices": [{"title": title[:75], "value": option} for title, option in options],
        "value": value if value in values else values[0],
    }


def schedule_card(form: ScheduleForm) -> dict[str, Any]:
    """HR's schedule editor: the scope, digest and check-in day and time, cadence, pause.

    "Show" reloads the card with the chosen scope's values; "Save" stores them. A saved
    change or a refused value is shown at the top of the refreshed card.
    """
    days = [(day.capitalize(), day) for day in form.days]
    body: list[Element] = [_heading("Schedules")]
    if form.problem:
        body.append({"type": "TextBlock", "text": form.problem, "color": "Attention", "wrap": True})
    if form.note:
        body.append({"type": "TextBlock", "text": form.note, "color": "Good", "wrap": True})
    body += [
        _choices("scope", "Applies to", form.scopes[:100], form.scope),
        _choices("digest_day", "Digest day (manager's time zone)", days, form.digest_day),
        {
            "type": "Input.Time",
            "id": "digest_time",
            "label": "Digest time",
            "value": form.digest_time,
        },
        _choices(
            "cadence",
            "Check-in cadence",
            [(cadence.capitalize(), cadence) for cadence in form.cadences],
            form.cadence,
        ),
        _choices("checkin_day", "Check-in day (each person's time zone)", days, form.checkin_day),
        {
            "type": "Input.Time",
            "id": "checkin_time",
            "label": "Check-in time",
            "value": form.checkin_time,
        },
        {
            "type": "Input.Toggle",
            "id": "paused",
            "title": "Pause digests and check-ins",
            "value": "true" if form.paused else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
    ]
    return _adaptive_card(
        body,
        [
            _execute("Save", SCHEDULE_SAVE_VERB, form.scope, style="positive"),
            _execute("Show the chosen scope", SCHEDULE_SHOW_VERB, form.scope),
        ],
    )
