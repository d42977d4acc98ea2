"""A neutral Message becomes a schema-valid Adaptive Card 1.5 that fits in a Teams message.

The Adaptive Card schema is vendored next to this file (a byte-for-byte copy of
microsoft/AdaptiveCards ``schemas/1.5.0/adaptive-card.json``), so these tests need neither
the network nor the shared data folder, and the package does not ship a test-only schema.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError, best_match

from bot.platforms.teams.cards import (
    CARD_BUDGET,
    OVERFLOW_NOTE,
    card_size,
    to_attachment,
    to_card,
)
from nudges.charts import sparkline, trend_png
from nudges.message import Button, ButtonStyle, Chart, Fact, Message, Section
from tests.bot.platforms import DIGEST, messages

SCHEMA_PATH = Path(__file__).with_name("adaptive-card-1.5.json")
# git blob 8301d0efef25d6626b52d6e38b20dc81dc59502e of microsoft/AdaptiveCards
SCHEMA_SHA256 = "32c91fb285180a266a55b3475dd0396e63fe079311714d3a14963b41f5e17920"
TEAMS_MESSAGE_LIMIT = 28_000

WEEKS = ("W40", "W41", "W42", "W43", "W44", "W45", "W46", "W47", "W48", "W49", "W50", "W51")
MOOD = (0.2, 0.25, None, 0.1, -0.05, -0.1, 0.0, 0.15, None, None, 0.3, 0.32)


@functools.cache
def _validator() -> Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def _explain(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is wrong, instead of "not valid under any of the given schemas".

    The schema is built from ``anyOf`` lists (one branch per element or action type); the
    branch whose ``type`` matched is the one whose errors matter.
    """
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for inner in error.context:
        branches.setdefault(inner.relative_schema_path[0], []).append(inner)
    chosen = [
        errors
        for errors in branches.values()
        if not any(list(inner.relative_path) == ["type"] for inner in errors)
    ]
    if len(chosen) == 1:
        return [leaf for inner in chosen[0] for leaf in _explain(inner)]
    best = best_match(error.context)
    return [best] if best is not None else [error]


def card_schema_problems(card: dict[str, Any]) -> list[str]:
    """Every way ``card`` breaks the Adaptive Card 1.5 schema, as ``"$.path: reason"``."""
    leaves = [leaf for error in _validator().iter_errors(card) for leaf in _explain(error)]
    return sorted(f"{leaf.json_path}: {leaf.message}" for leaf in leaves)


def _chart_with_png() -> Chart:
    return Chart(
        title="Team mood",
        labels=WEEKS,
        values=MOOD,
        sparkline=sparkline(MOOD, low=-1.0, high=1.0),
        png=trend_png(WEEKS, MOOD, title="Team mood", y_label="mood", y_range=(-1.0, 1.0)),
        alt_text="Line chart of the team's weekly mood.",
    )


def _texts(card: dict[str, Any]) -> list[str]:
    def walk(value: Any) -> list[str]:
        if isinstance(value, dict):
            own = [value["text"]] if value.get("type") == "TextBlock" else []
            return own + [text for item in value.values() for text in walk(item)]
        if isinstance(value, list):
            return [text for item in value for text in walk(item)]
        return []

    return walk(card)


def test_the_vendored_schema_is_the_upstream_file() -> None:
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_the_schema_check_finds_mistakes() -> None:
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "wrap": "yes"}],
        "actions": [{"type": "Action.Execute", "verb": 3}],
    }

    assert card_schema_problems(card) == [
        "$.actions[0].verb: 3 is not of type 'string'",
        "$.body[0].wrap: 'yes' is not of type 'boolean'",
        "$.body[0]: 'text' is a required property",
    ]


def test_a_digest_renders_to_the_expected_card() -> None:
    card = to_card(DIGEST)

    assert card == {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [
            {
                "type": "TextBlock",
                "text": "Your team nudge for the week of 2 November: Platform",
                "size": "Medium",
                "weight": "Bolder",
                "wrap": True,
                "style": "heading",
            },
            {
                "type": "Container",
                "items": [
                    {
                        "type": "TextBlock",
                        "text": "Empathy prompt: Ask how the release week felt",
                        "weight": "Bolder",
                        "wrap": True,
                    },
                    {
                        "type": "TextBlock",
                        "text": "The team wrote more about **deadlines** than usual.\n\n"
                        "Try one open question.",
                        "wrap": True,
                    },
                    {
                        "type": "FactSet",
                        "facts": [
                            {"title": "Team mood", "value": "steady"},
                            {"title": "People", "value": "7"},
                        ],
                    },
                    {
                        "type": "ActionSet",
                        "actions": [
                            {
                                "type": "Action.Execute",
                                "title": "Helpful",
                                "verb": "digest.feedback",
                                "data": {"value": "helpful"},
                                "style": "positive",
                            },
                            {
                                "type": "Action.Execute",
                                "title": "Not for us",
                                "verb": "digest.feedback",
                                "data": {"value": "not-helpful"},
                            },
                        ],
                    },
                ],
            },
            {
                "type": "Container",
                "items": [
                    {
                        "type": "TextBlock",
                        "text": "Why you are seeing this",
                        "weight": "Bolder",
                        "wrap": True,
                    },
                    {
                        "type": "TextBlock",
                        "text": "• Workload came up in 4 of 7 chats.",
                        "wrap": True,
                    },
                ],
            },
            {
                "type": "TextBlock",
                "text": "Team mood: ▁·█",
                "fontType": "Monospace",
                "wrap": True,
            },
            {
                "type": "TextBlock",
                "text": "Team figures appear only when at least 5 people took part.",
                "wrap": True,
                "size": "Small",
                "isSubtle": True,
            },
        ],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Snooze for 2 weeks",
                "verb": "digest.snooze",
                "data": {"value": "delivery-42"},
                "style": "destructive",
            }
        ],
    }
    assert card_schema_problems(card) == []


def test_the_attachment_wraps_the_card() -> None:
    card = to_card(DIGEST)

    assert to_attachment(card) == {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": card,
    }


def test_the_chart_is_inlined_as_a_png_data_url() -> None:
    chart = _chart_with_png()

    card = to_card(Message(title="T", sections=(), chart=chart))

    image = card["body"][1]
    assert image == {
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(chart.png or b"").decode("ascii"),
        "altText": "Line chart of the team's weekly mood.",
    }
    assert card["body"][2] == {
        "type": "TextBlock",
        "text": f"Team mood: {chart.sparkline}",
        "fontType": "Monospace",
        "wrap": True,
    }
    assert card_schema_problems(card) == []


def test_a_full_digest_with_its_chart_fits_in_a_teams_message() -> None:
    card = to_card(
        Message(
            title=DIGEST.title,
            summary=DIGEST.summary,
            sections=DIGEST.sections,
            chart=_chart_with_png(),
            context=DIGEST.context,
            buttons=DIGEST.buttons,
        )
    )

    assert [element["type"] for element in card["body"]].count("Image") == 1
    assert card_size(card) <= CARD_BUDGET
    assert card_schema_problems(card) == []


def test_the_image_is_left_out_when_the_card_would_be_too_big() -> None:
    long_text = "A thoughtful sentence about the week. " * 630  # about 24 KB of text
    message = Message(title="T", sections=(Section(text=long_text),), chart=_chart_with_png())

    card = to_card(message)

    assert [element["type"] for element in card["body"]] == [
        "TextBlock",
        "Container",
        "TextBlock",
    ]
    assert card["body"][2]["fontType"] == "Monospace"  # the sparkline stays
    assert card_size(card) <= CARD_BUDGET


def test_bold_becomes_adaptive_card_markdown() -> None:
    text = "*Practice:* ask. Keep **this**, 2 * 3 * 4 and a*b* as they are. *a* *b c*"

    card = to_card(Message(title="T", sections=(Section(text=text),)))

    assert card["body"][1]["items"][0]["text"] == (
        "**Practice:** ask. Keep **this**, 2 * 3 * 4 and a*b* as they are. **a** **b c**"
    )


def test_paragraphs_become_text_blocks_and_lines_break() -> None:
    text = "First line\nsecond line\n\n  \nNext paragraph"

    card = to_card(Message(title="T", sections=(Section(text=text),)))

    assert [item["text"] for item in card["body"][1]["items"]] == [
        "First line\n\nsecond line",
        "Next paragraph",
    ]


def test_markup_is_passed_through_as_text() -> None:
    text = "<script>alert('x')</script> & more"

    card = to_card(Message(title="<b>&</b>", sections=(Section(text=text),)))

    assert _texts(card) == ["<b>&</b>", text]
    assert card_schema_problems(card) == []


def test_blank_pieces_are_left_out() -> None:
    message = Message(
        title=" ",
        sections=(
            Section(text=" ", facts=(Fact("", ""),), buttons=(Button("", "x", "y"),)),
            Section(text="kept", facts=(Fact("", "value only"),)),
        ),
        context=("",),
    )

    assert to_card(message)["body"] == [
        {
            "type": "Container",
            "items": [
                {"type": "TextBlock", "text": "kept", "wrap": True},
                {"type": "FactSet", "facts": [{"title": "", "value": "value only"}]},
            ],
        }
    ]


def test_button_styles_map_to_adaptive_card_styles() -> None:
    buttons = (
        Button("A", "a", "1", ButtonStyle.PRIMARY),
        Button("B", "b", "2", ButtonStyle.DANGER),
        Button("C", "c", "3"),
    )

    actions = to_card(Message(title="T", sections=(), buttons=buttons))["actions"]

    assert [action.get("style") for action in actions] == ["positive", "destructive", None]


def test_too_many_sections_are_dropped_from_the_end_with_a_note() -> None:
    sections = tuple(Section(heading=f"Part {n}", text="Some words. " * 40) for n in range(100))
    message = Message(title="T", sections=sections, context=("footer",), buttons=DIGEST.buttons)

    card = to_card(message, overflow_note="See the rest in the app.")

    headings = [element["items"][0]["text"] for element in card["body"][1:-2]]
    assert headings == [f"Part {n}" for n in range(len(headings))]
    assert 10 < len(headings) < 100
    assert [element["text"] for element in card["body"][-2:]] == [
        "See the rest in the app.",
        "footer",
    ]
    assert card["actions"] == to_card(DIGEST)["actions"]
    assert card_size(card) <= CARD_BUDGET


def test_one_huge_section_is_shortened_rather_than_dropped() -> None:
    card = to_card(Message(title="T", sections=(Section(text="z" * 100_000),)))

    text = card["body"][1]["items"][0]["text"]
    assert (len(text), text[-1]) == (4000, "…")
    assert card["body"][-1]["text"] == OVERFLOW_NOTE
    assert card_size(card) <= CARD_BUDGET


def test_thousands_of_buttons_still_fit() -> None:
    buttons = tuple(Button(f"Button {n}", f"action.{n}", "v" * 100) for n in range(3000))

    card = to_card(Message(title="T", sections=(Section(text="t", buttons=buttons),)))

    assert card_size(card) <= CARD_BUDGET
    assert card_schema_problems(card) == []


def test_the_size_counts_non_ascii_text_at_its_escaped_length() -> None:
    card = {"text": "🙂é"}

    assert card_size(card) == len('{"text": "\\ud83d\\ude42\\u00e9"}')


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(message=messages)
def test_any_message_becomes_a_valid_card_that_fits_in_teams(message: Message) -> None:
    card = to_card(message)

    assert card_schema_problems(card) == []
    assert card_size(card) <= CARD_BUDGET
    assert card_size(to_attachment(card)) <= TEAMS_MESSAGE_LIMIT
