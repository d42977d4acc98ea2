"""A neutral Message becomes valid Block Kit, however long or odd the message is."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.platforms.slack.blocks import (
    OVERFLOW_NOTE,
    escape,
    neutral_action_id,
    slack_limit_problems,
    to_slack,
)
from nudges.message import Button, ButtonStyle, Chart, Fact, Message, Section
from tests.bot.platforms import DIGEST, messages

_ENTITY_OR_RAW = re.compile(r"&(?:amp|lt|gt);|[&<>]")


def _texts(value: Any) -> list[str]:
    """Every human-readable string in a payload (not action ids, values or URLs)."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in ("text", "alt_text") and isinstance(item, str):
                found.append(item)
            elif key not in ("action_id", "value", "image_url"):
                found += _texts(item)
        return found
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _unescaped(text: str) -> list[str]:
    """Raw &, < or > left in ``text`` (entities are fine)."""
    return [match for match in _ENTITY_OR_RAW.findall(text) if len(match) == 1]


def _section_texts(payload: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in payload["blocks"] if "text" in block]


def _types(payload: dict[str, Any]) -> list[str]:
    return [block["type"] for block in payload["blocks"]]


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def test_a_digest_renders_to_the_expected_blocks() -> None:
    payload = to_slack(DIGEST, chart_url="https://bot.example/charts/42.png")

    assert payload == {
        "text": "Empathy prompt: Ask how the release week felt",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": "Your team nudge for the week of 2 November: Platform",
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Empathy prompt: Ask how the release week felt*\n"
                    "The team wrote more about *deadlines* than usual.\nTry one open question.",
                },
                "fields": [
                    {"type": "mrkdwn", "text": "*Team mood*\nsteady"},
                    {"type": "mrkdwn", "text": "*People*\n7"},
                ],
            },
            {
                "type": "actions",
                "elements": [
                    _button("Helpful", "digest.feedback", "helpful", "primary"),
                    _button("Not for us", "digest.feedback#2", "not-helpful"),
                ],
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Why you are seeing this*\n• Workload came up in 4 of 7 chats.",
                },
            },
            {
                "type": "image",
                "image_url": "https://bot.example/charts/42.png",
                "alt_text": "Mood rose over three weeks; one week was hidden.",
                "title": {"type": "plain_text", "text": "Team mood", "emoji": True},
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Team mood: ▁·█"}]},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Team figures appear only when at least 5 people took part.",
                    }
                ],
            },
            {
                "type": "actions",
                "elements": [
                    _button("Snooze for 2 weeks", "digest.snooze", "delivery-42", "danger")
                ],
            },
        ],
    }
    assert slack_limit_problems(payload) == []


def test_without_a_chart_url_only_the_sparkline_is_shown() -> None:
    payload = to_slack(DIGEST)

    assert "image" not in _types(payload)
    assert {"type": "mrkdwn", "text": "Team mood: ▁·█"} in [
        element for block in payload["blocks"] for element in block.get("elements", [])
    ]


def test_the_fallback_text_is_the_whole_message_when_there_is_no_summary() -> None:
    message = Message(title="Hello", sections=(Section(text="A & B"),), context=("footer",))

    assert to_slack(message)["text"] == "Hello\nA &amp; B\nfooter"


def test_the_fallback_text_is_at_most_3000_characters() -> None:
    message = Message(title="T", sections=(Section(text="word " * 2000),))

    text = to_slack(message)["text"]

    assert (len(text), text[-1]) == (3000, "…")


def test_markup_characters_are_escaped_and_bold_is_kept() -> None:
    message = Message(
        title="<script>&",
        sections=(Section(heading="Q&A", text="*Bold* <b>not html</b> & <!here>"),),
        context=("a > b",),
        buttons=(Button("Yes & no", "x", "a&b<c>"),),
    )

    payload = to_slack(message)

    assert payload["blocks"][0]["text"]["text"] == "&lt;script&gt;&amp;"
    assert _section_texts(payload)[1] == (
        "*Q&amp;A*\n*Bold* &lt;b&gt;not html&lt;/b&gt; &amp; &lt;!here&gt;"
    )
    assert payload["blocks"][2]["elements"][0]["text"] == "a &gt; b"
    assert payload["blocks"][3]["elements"][0]["text"]["text"] == "Yes &amp; no"
    # The value is data handed back on click, so it is passed through untouched.
    assert payload["blocks"][3]["elements"][0]["value"] == "a&b<c>"


def test_escape_handles_ampersand_first() -> None:
    assert escape("&lt; <&>") == "&amp;lt; &lt;&amp;&gt;"


def test_a_long_title_is_cut_to_150_characters_with_an_ellipsis() -> None:
    header = to_slack(Message(title="Nudge " * 40, sections=()))["blocks"][0]["text"]["text"]

    assert (len(header), header[-1]) == (150, "…")


def test_cutting_never_breaks_an_entity_in_two() -> None:
    header = to_slack(Message(title="a" * 146 + "&&&", sections=()))["blocks"][0]

    assert header["text"]["text"] == "a" * 146 + "…"


def test_long_text_is_split_at_paragraphs() -> None:
    first, second = "a" * 2000, "b" * 2000

    payload = to_slack(Message(title="T", sections=(Section(text=f"{first}\n\n{second}"),)))

    assert _section_texts(payload)[1:] == [first, second]


def test_a_long_paragraph_is_split_at_sentence_ends() -> None:
    sentence = "This is one calm sentence about the week. "  # 42 characters
    text = sentence * 100

    chunks = _section_texts(to_slack(Message(title="T", sections=(Section(text=text),))))[1:]

    assert [len(chunk) for chunk in chunks] == [42 * 71 - 1, 42 * 29 - 1]
    assert all(chunk.endswith("week.") for chunk in chunks)
    assert " ".join(chunks) == text.strip()


def test_text_without_any_break_is_cut_hard_at_3000() -> None:
    chunks = _section_texts(to_slack(Message(title="T", sections=(Section(text="x" * 7000),))))

    assert [len(chunk) for chunk in chunks[1:]] == [3000, 3000, 1000]


def test_a_hard_split_never_breaks_an_entity() -> None:
    text = "a" + "<" * 1500  # escaped, an entity straddles character 3,000

    chunks = _section_texts(to_slack(Message(title="T", sections=(Section(text=text),))))[1:]

    assert [len(chunk) for chunk in chunks] == [2997, 3000, 4]
    assert "".join(chunks) == "a" + "&lt;" * 1500


def test_more_than_ten_facts_spread_over_several_field_blocks() -> None:
    facts = tuple(Fact(f"L{number}", f"v{number}") for number in range(23))

    payload = to_slack(Message(title="T", sections=(Section(text="Text", facts=facts),)))

    sections = [block for block in payload["blocks"] if block["type"] == "section"]
    assert [len(block["fields"]) for block in sections] == [10, 10, 3]
    assert sections[0]["text"]["text"] == "Text"
    assert sections[2]["fields"][-1] == {"type": "mrkdwn", "text": "*L22*\nv22"}


def test_a_fact_longer_than_2000_characters_is_cut() -> None:
    payload = to_slack(
        Message(title="T", sections=(Section(text="t", facts=(Fact("L", "v" * 5000),)),))
    )

    field = payload["blocks"][1]["fields"][0]["text"]
    assert (len(field), field[:5], field[-1]) == (2000, "*L*\nv", "…")


def test_blank_facts_buttons_and_sections_are_left_out() -> None:
    message = Message(
        title="T",
        sections=(
            Section(text="  ", facts=(Fact("", " "),), buttons=(Button(" ", "x", "y"),)),
            Section(text="kept"),
        ),
        context=("", "  "),
    )

    assert to_slack(message)["blocks"][1:] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "kept"}}
    ]


def test_a_section_with_only_facts_is_a_fields_block() -> None:
    message = Message(title="T", sections=(Section(text="", facts=(Fact("Mood", "calm"),)),))

    assert to_slack(message)["blocks"][1] == {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": "*Mood*\ncalm"}],
    }


def test_button_styles_map_to_slack_and_default_is_omitted() -> None:
    buttons = (
        Button("A", "a", "1", ButtonStyle.PRIMARY),
        Button("B", "b", "2", ButtonStyle.DANGER),
        Button("C", "c", "3"),
    )

    elements = to_slack(Message(title="T", sections=(), buttons=buttons))["blocks"][1]["elements"]

    assert [element.get("style") for element in elements] == ["primary", "danger", None]


def test_more_than_25_buttons_spread_over_several_actions_blocks() -> None:
    buttons = tuple(Button(f"B{number}", f"b{number}", str(number)) for number in range(60))

    payload = to_slack(Message(title="T", sections=(Section(text="t", buttons=buttons),)))

    assert [len(block["elements"]) for block in payload["blocks"][2:]] == [25, 25, 10]


def test_button_label_value_and_action_id_are_cut_to_slack_limits() -> None:
    button = Button("L" * 100, "a" * 300, "v" * 2500)

    element = to_slack(Message(title="T", sections=(), buttons=(button,)))["blocks"][1]["elements"][
        0
    ]

    assert (len(element["text"]["text"]), len(element["value"]), len(element["action_id"])) == (
        75,
        2000,
        255,
    )


def test_repeated_action_ids_are_made_unique_and_can_be_read_back() -> None:
    buttons = tuple(Button(f"B{number}", "feedback", str(number)) for number in range(3))

    payload = to_slack(
        Message(title="T", sections=(Section(text="t", buttons=buttons),), buttons=buttons[:1])
    )

    ids = [
        element["action_id"]
        for block in payload["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert ids == ["feedback", "feedback#2", "feedback#3", "feedback#4"]
    assert [neutral_action_id(action_id) for action_id in ids] == ["feedback"] * 4


def test_a_button_with_an_empty_value_has_no_value() -> None:
    message = Message(title="T", sections=(), buttons=(Button("Open", "open", ""),))

    assert "value" not in to_slack(message)["blocks"][1]["elements"][0]


def test_more_than_ten_context_lines_spread_over_several_context_blocks() -> None:
    lines = tuple(f"line {number}" for number in range(12))

    payload = to_slack(Message(title="T", sections=(), context=lines))

    assert [len(block["elements"]) for block in payload["blocks"][1:]] == [10, 2]


def test_a_message_over_50_blocks_drops_trailing_sections_and_says_so() -> None:
    sections = tuple(Section(text=f"Section {number}") for number in range(80))
    message = Message(title="T", sections=sections, context=("footer",), buttons=DIGEST.buttons)

    payload = to_slack(message, overflow_note="More in App Home.")

    blocks = payload["blocks"]
    assert len(blocks) == 50
    assert _section_texts(payload)[1:] == [f"Section {number}" for number in range(46)]
    assert blocks[-3:] == [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "More in App Home."}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "footer"}]},
        {
            "type": "actions",
            "elements": [_button("Snooze for 2 weeks", "digest.snooze", "delivery-42", "danger")],
        },
    ]
    assert slack_limit_problems(payload) == []


def test_the_default_overflow_note_mentions_app_home() -> None:
    sections = tuple(Section(text=f"Section {number}") for number in range(60))

    payload = to_slack(Message(title="T", sections=sections))

    assert payload["blocks"][-1]["elements"][0]["text"] == OVERFLOW_NOTE
    assert "App Home" in OVERFLOW_NOTE


def test_whole_sections_are_dropped_not_cut_in_the_middle() -> None:
    small = Section(text="small")
    big = Section(text="y" * 3000 * 10)  # ten blocks
    message = Message(title="T", sections=(small,) * 40 + (big, small))

    payload = to_slack(message)

    assert _section_texts(payload)[1:] == ["small"] * 40
    assert payload["blocks"][-1]["elements"][0]["text"] == OVERFLOW_NOTE


def test_a_single_giant_section_shows_its_beginning() -> None:
    payload = to_slack(Message(title="T", sections=(Section(text="z" * 3000 * 60),)))

    assert _types(payload) == ["header"] + ["section"] * 48 + ["context"]
    assert slack_limit_problems(payload) == []


def test_an_empty_message_still_has_fallback_text() -> None:
    payload = to_slack(Message(title="", sections=()))

    assert payload == {"text": "…", "blocks": []}
    assert slack_limit_problems(payload) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"blocks": []}, ["text: the fallback text for notifications is missing"]),
        (
            {
                "text": "t",
                "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]}] * 51,
            },
            ["blocks: 51 blocks; the limit is 50"],
        ),
        (
            {
                "text": "t",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            ["block 1 (header) text: 151 characters; the limit is 150"],
        ),
        (
            {
                "text": "t",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}],
            },
            ["block 1 (section) text: 3,001 characters; the limit is 3,000"],
        ),
        (
            {"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]},
            ["block 1 (section) text: empty"],
        ),
        (
            {"text": "t", "blocks": [{"type": "section"}]},
            ["block 1 (section): needs text or fields"],
        ),
        (
            {
                "text": "t",
                "blocks": [
                    {
                        "type": "section",
                        "fields": [{"type": "mrkdwn", "text": "f"}] * 10
                        + [{"type": "mrkdwn", "text": "f" * 2001}],
                    }
                ],
            },
            [
                "block 1 (section): 11 fields; the limit is 10",
                "block 1 (section) field 11: 2,001 characters; the limit is 2,000",
            ],
        ),
        (
            {
                "text": "t",
                "blocks": [
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "b" * 76},
                                "action_id": "a" * 256,
                                "value": "v" * 2001,
                                "style": "green",
                            }
                        ],
                    }
                ],
            },
            [
                "block 1 (actions) button 1 text: 76 characters; the limit is 75",
                "block 1 (actions) button 1 value: 2,001 characters; the limit is 2,000",
                "block 1 (actions) button 1: style 'green' is not 'primary' or 'danger'",
                "block 1 (actions) button 1 action_id: 256 characters; the limit is 255",
            ],
        ),
        (
            {
                "text": "t",
                "blocks": [{"type": "actions", "elements": [_button("b", "same", "1")] * 26}],
            },
            ["block 1 (actions): 26 elements; the limit is 25"]
            + [
                f"block 1 (actions) button {number}: action_id 'same' is also used by "
                "block 1 (actions) button 1"
                for number in range(2, 27)
            ],
        ),
        (
            {
                "text": "t",
                "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            },
            ["block 1 (context): 11 elements; the limit is 10"],
        ),
        (
            {
                "text": "t",
                "blocks": [
                    {"type": "image", "image_url": "https://x.test/a.png", "alt_text": "a" * 2001}
                ],
            },
            ["block 1 (image) alt_text: 2,001 characters; the limit is 2,000"],
        ),
        (
            {"text": "t", "blocks": [{"type": "divider"}]},
            ["block 1 (divider): a block type this checker does not know"],
        ),
    ],
    ids=[
        "no-text",
        "51-blocks",
        "header",
        "section-text",
        "empty-text",
        "empty-section",
        "fields",
        "button",
        "actions-and-duplicate-ids",
        "context",
        "alt-text",
        "unknown-block",
    ],
)
def test_limit_problems_are_found_and_named(payload: dict[str, Any], expected: list[str]) -> None:
    assert slack_limit_problems(payload) == expected


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(message=messages)
def test_any_message_renders_within_slack_limits(message: Message) -> None:
    payload = to_slack(message, chart_url="https://bot.example/charts/1.png")

    assert slack_limit_problems(payload) == []
    assert len(payload["text"]) <= 3000
    assert [text for text in _texts(payload) if _unescaped(text)] == []


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages)
def test_rendering_is_repeatable(message: Message) -> None:
    assert to_slack(message) == to_slack(message)


def test_every_button_of_a_normal_message_is_rendered_once() -> None:
    payload = to_slack(DIGEST)

    labels = [
        element["text"]["text"]
        for block in payload["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert labels == [button.label for button in DIGEST.all_buttons()]


def test_a_chart_without_title_or_alt_text_still_has_alt_text() -> None:
    chart = Chart(title="", labels=("W1",), values=(1.0,), sparkline="▄")

    blocks = to_slack(
        Message(title="T", sections=(), chart=chart), chart_url="https://x.test/c.png"
    )["blocks"]

    assert blocks[1:] == [
        {"type": "image", "image_url": "https://x.test/c.png", "alt_text": "▄"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "▄"}]},
    ]
