"""Neutral :class:`~nudges.message.Message` -> Slack Block Kit, in this one module.

:func:`to_slack` builds the body of a ``chat.postMessage`` call; nothing else in the bot
writes Block Kit. Slack refuses a whole message when one limit is broken, so the renderer
keeps every payload inside the documented limits rather than hoping the content is short:
long text is split at paragraph or sentence boundaries, long labels are cut with "…", and
a message that would need more than 50 blocks loses its trailing sections and says where
to read the rest. :func:`slack_limit_problems` checks a payload against the same limits,
for the tests and for anyone building blocks by hand.

Text is escaped as Slack asks (``&``, ``<`` and ``>`` become entities, so nothing in a
message can turn into a link or a mention); the neutral ``*bold*`` is already Slack's
mrkdwn and passes through. Blank pieces (a button without a label, an empty section) are
left out, because Slack refuses empty text.

Slack's ``action_id`` must be unique within a message, while neutral buttons may share
one (two feedback buttons with different values). The second and later buttons with the
same id get ``#2``, ``#3``...; :func:`neutral_action_id` turns them back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from nudges.message import Button, ButtonStyle, Chart, Fact, Message, Section

logger = logging.getLogger(__name__)

Block = dict[str, Any]
_T = TypeVar("_T")

MAX_BLOCKS = 50
MAX_HEADER_TEXT = 150
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_ALT_TEXT = 2000
MAX_IMAGE_TITLE = 2000
MAX_IMAGE_URL = 3000
MAX_FALLBACK_TEXT = 3000

OVERFLOW_NOTE = "This message is longer than Slack can show at once; the rest is in App Home."

_ELLIPSIS = "…"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LONGEST_ENTITY = max(len(entity) for entity in _ENTITIES.values())
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")
_DUPLICATE_SUFFIX = re.compile(r"#\d+\Z")
_BUTTON_STYLES = {ButtonStyle.PRIMARY: "primary", ButtonStyle.DANGER: "danger"}


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: ``&``, ``<`` and ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _batched(items: Sequence[_T], size: int) -> list[list[_T]]:
    """``items`` in consecutive groups of at most ``size`` (itertools.batched is 3.12+)."""
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def neutral_action_id(slack_action_id: str) -> str:
    """The neutral ``action_id`` behind a Slack one (drops the ``#2``-style suffix).

    The inbound listener calls this on ``actions[].action_id`` so services see the id they
    put on the :class:`~nudges.message.Button`.
    """
    return _DUPLICATE_SUFFIX.sub("", slack_action_id)


def _safe_cut(escaped: str, cut: int) -> int:
    """Move ``cut`` back so it does not fall inside an ``&amp;``-style entity."""
    start = escaped.rfind("&", max(0, cut - _LONGEST_ENTITY + 1), cut)
    if start != -1:
        end = escaped.find(";", start)
        if end == -1 or end >= cut:
            return start
    return cut


def _truncate(escaped: str, limit: int) -> str:
    """``escaped`` cut to at most ``limit`` characters, ending in "…" when cut."""
    if len(escaped) <= limit:
        return escaped
    cut = _safe_cut(escaped, limit - len(_ELLIPSIS))
    return escaped[:cut].rstrip() + _ELLIPSIS


def _split_point(text: str, limit: int) -> int:
    """Where to end a chunk of at most ``limit`` characters: the best boundary before it."""
    window = text[:limit]
    paragraph = window.rfind("\n\n")
    if paragraph > 0:
        return paragraph
    sentences = [match.end() for match in _SENTENCE_END.finditer(text[: limit + 1])]
    if sentences and 0 < sentences[-1] <= limit:
        return sentences[-1]
    for separator in ("\n", " "):
        index = window.rfind(separator)
        if index > 0:
            return index
    return _safe_cut(text, limit) or limit


def _split(escaped: str, limit: int) -> list[str]:
    """Split text into chunks of at most ``limit`` characters, at paragraphs if possible.

    Then at sentence ends, line breaks and spaces; a run with none of these is cut hard
    (never inside an entity).
    """
    chunks = []
    rest = escaped.strip()
    while len(rest) > limit:
        cut = _split_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _bold(text: str | None) -> str:
    """``*text*`` for a heading or label; stray asterisks would break the bold run."""
    clean = (text or "").replace("*", "").strip()
    return f"*{escape(clean)}*" if clean else ""


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": _truncate(escape(text.strip()), limit), "emoji": True}


def _mrkdwn(escaped: str) -> Block:
    return {"type": "mrkdwn", "text": escaped}


class _ActionIds:
    """Hands out Slack action ids that are unique within one message."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, action_id: str) -> str:
        if len(action_id) > MAX_ACTION_ID:
            logger.warning("action_id longer than %d characters was cut", MAX_ACTION_ID)
        base = action_id or "action"
        candidate = base[:MAX_ACTION_ID]
        number = 1
        while candidate in self._used:
            number += 1
            suffix = f"#{number}"
            candidate = base[: MAX_ACTION_ID - len(suffix)] + suffix
        self._used.add(candidate)
        return candidate


def _button(button: Button, ids: _ActionIds) -> Block:
    element: Block = {
        "type": "button",
        "text": _plain(button.label, MAX_BUTTON_TEXT),
        "action_id": ids.claim(button.action_id),
    }
    if button.value:
        if len(button.value) > MAX_BUTTON_VALUE:
            logger.warning("button value longer than %d characters was cut", MAX_BUTTON_VALUE)
        # The value is data handed back on click, not shown: never escaped.
        element["value"] = button.value[:MAX_BUTTON_VALUE]
    style = _BUTTON_STYLES.get(button.style)
    if style is not None:
        element["style"] = style
    return element


def _actions(buttons: Iterable[Button], ids: _ActionIds) -> list[Block]:
    elements = [_button(button, ids) for button in buttons if button.label.strip()]
    return [
        {"type": "actions", "elements": group} for group in _batched(elements, MAX_ACTION_ELEMENTS)
    ]


def _field(fact: Fact) -> Block | None:
    parts = [_bold(fact.label), escape(fact.value.strip())]
    text = "\n".join(part for part in parts if part)
    return _mrkdwn(_truncate(text, MAX_FIELD_TEXT)) if text else None


def _section(section: Section, ids: _ActionIds) -> list[Block]:
    """A section's blocks: text (split as needed), its facts as fields, its buttons."""
    text = "\n".join(part for part in (_bold(section.heading), escape(section.text)) if part)
    blocks: list[Block] = [
        {"type": "section", "text": _mrkdwn(chunk)} for chunk in _split(text, MAX_SECTION_TEXT)
    ]
    fields = [field for fact in section.facts if (field := _field(fact)) is not None]
    for index, group in enumerate(_batched(fields, MAX_FIELDS)):
        if index == 0 and blocks:
            blocks[-1]["fields"] = group  # facts sit under the text they belong to
        else:
            blocks.append({"type": "section", "fields": group})
    return blocks + _actions(section.buttons, ids)


def _chart(chart: Chart, chart_url: str | None) -> list[Block]:
    blocks: list[Block] = []
    if chart_url and len(chart_url) <= MAX_IMAGE_URL:
        alt = chart.alt_text.strip() or chart.title.strip() or chart.sparkline.strip() or "chart"
        image: Block = {
            "type": "image",
            "image_url": chart_url,
            "alt_text": _truncate(escape(alt), MAX_ALT_TEXT),
        }
        if chart.title.strip():
            image["title"] = _plain(chart.title, MAX_IMAGE_TITLE)
        blocks.append(image)
    line = ": ".join(
        part for part in (escape(chart.title.strip()), chart.sparkline.strip()) if part
    )
    if line:
        blocks.append({"type": "context", "elements": [_mrkdwn(_truncate(line, MAX_CONTEXT_TEXT))]})
    return blocks


def _context(lines: Sequence[str]) -> list[Block]:
    elements = [
        _mrkdwn(_truncate(escape(line.strip()), MAX_CONTEXT_TEXT)) for line in lines if line.strip()
    ]
    return [
        {"type": "context", "elements": group} for group in _batched(elements, MAX_CONTEXT_ELEMENTS)
    ]


def _fallback(message: Message) -> str:
    text = message.summary.strip() or message.plain_text().strip()
    return _truncate(escape(text), MAX_FALLBACK_TEXT) if text else _ELLIPSIS


def _fit(
    head: list[Block],
    sections: list[list[Block]],
    chart: list[Block],
    context: list[Block],
    actions: list[Block],
    overflow_note: str,
) -> list[Block]:
    """All blocks in display order, trimmed to Slack's 50 when there are more.

    The title, the message's buttons, the chart and the footer lines are kept first (they
    carry the feedback buttons and the "why you are seeing this"); sections fill the room
    left, in order, and a note says where the rest is.
    """
    flat = [block for group in sections for block in group]
    if len(head) + len(flat) + len(chart) + len(context) + len(actions) <= MAX_BLOCKS:
        return head + flat + chart + context + actions
    room = MAX_BLOCKS - len(head) - 1  # one block for the overflow note
    actions = actions[:room]
    room -= len(actions)
    chart = chart[:room]
    room -= len(chart)
    context = context[:room]
    room -= len(context)
    kept: list[Block] = []
    for group in sections:
        if len(group) > room:
            if not kept:  # even the first section is too long: show its beginning
                kept = group[:room]
            break
        kept += group
        room -= len(group)
    note = {
        "type": "context",
        "elements": [_mrkdwn(_truncate(escape(overflow_note), MAX_CONTEXT_TEXT))],
    }
    return head + kept + [note] + chart + context + actions


def to_slack(
    message: Message, *, chart_url: str | None = None, overflow_note: str = OVERFLOW_NOTE
) -> dict[str, Any]:
    """The ``chat.postMessage`` body for ``message``: ``{"text": ..., "blocks": [...]}``.

    ``text`` is the plain fallback Slack shows in notifications (the message's summary, or
    all of it as plain text, up to 3,000 characters). The blocks are: a header with the
    title; per section its text (bold heading first), its facts as fields and its buttons;
    the chart as an image when ``chart_url`` points at its PNG (Slack cannot take inline
    image bytes) and always as a sparkline line; the footer lines; the message's buttons.
    ``overflow_note`` is shown instead of trailing sections that do not fit in 50 blocks.
    The result always passes :func:`slack_limit_problems`.
    """
    ids = _ActionIds()
    head: list[Block] = []
    if message.title.strip():
        head.append({"type": "header", "text": _plain(message.title, MAX_HEADER_TEXT)})
    sections = [_section(section, ids) for section in message.sections]
    chart = _chart(message.chart, chart_url) if message.chart is not None else []
    context = _context(message.context)
    actions = _actions(message.buttons, ids)
    blocks = _fit(head, sections, chart, context, actions, overflow_note)
    return {"text": _fallback(message), "blocks": blocks}


# --- checking -------------------------------------------------------------------------


def _text_of(value: Any) -> str | None:
    """The string inside a text object, or None when it is not one."""
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return str(value["text"])
    return None


def _check_length(
    problems: list[str], where: str, text: str | None, limit: int, *, data: bool = False
) -> None:
    """Present, not empty (for shown text: not blank) and at most ``limit`` characters."""
    if text is None:
        problems.append(f"{where}: missing")
        return
    if not (text if data else text.strip()):
        problems.append(f"{where}: empty")
    elif len(text) > limit:
        problems.append(f"{where}: {len(text):,} characters; the limit is {limit:,}")


def _check_section(problems: list[str], where: str, block: Block) -> None:
    text = block.get("text")
    fields = block.get("fields")
    if text is None and not fields:
        problems.append(f"{where}: needs text or fields")
    if text is not None:
        _check_length(problems, f"{where} text", _text_of(text), MAX_SECTION_TEXT)
    if fields is not None:
        if not isinstance(fields, list) or not fields:
            problems.append(f"{where}: fields must be a non-empty list")
            return
        if len(fields) > MAX_FIELDS:
            problems.append(f"{where}: {len(fields)} fields; the limit is {MAX_FIELDS}")
        for number, field in enumerate(fields, 1):
            _check_length(problems, f"{where} field {number}", _text_of(field), MAX_FIELD_TEXT)


def _check_button(
    problems: list[str], where: str, element: Any, action_ids: dict[str, str]
) -> None:
    if not isinstance(element, dict):
        problems.append(f"{where}: not an object")
        return
    _check_length(problems, f"{where} text", _text_of(element.get("text")), MAX_BUTTON_TEXT)
    value = element.get("value")
    if value is not None:
        _check_length(problems, f"{where} value", value, MAX_BUTTON_VALUE, data=True)
    style = element.get("style")
    if style is not None and style not in ("primary", "danger"):
        problems.append(f"{where}: style {style!r} is not 'primary' or 'danger'")
    action_id = element.get("action_id")
    if action_id is not None:
        _check_length(problems, f"{where} action_id", action_id, MAX_ACTION_ID, data=True)
        if action_id in action_ids:
            problems.append(
                f"{where}: action_id {action_id!r} is also used by {action_ids[action_id]}"
            )
        action_ids.setdefault(action_id, where)


def _check_block(problems: list[str], where: str, block: Any, action_ids: dict[str, str]) -> None:
    if not isinstance(block, dict):
        problems.append(f"{where}: not an object")
        return
    kind = block.get("type")
    where = f"{where} ({kind})"
    if kind == "header":
        _check_length(problems, f"{where} text", _text_of(block.get("text")), MAX_HEADER_TEXT)
    elif kind == "section":
        _check_section(problems, where, block)
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"{where}: elements must be a non-empty list")
            return
        if len(elements) > MAX_ACTION_ELEMENTS:
            problems.append(
                f"{where}: {len(elements)} elements; the limit is {MAX_ACTION_ELEMENTS}"
            )
        for number, element in enumerate(elements, 1):
            _check_button(problems, f"{where} button {number}", element, action_ids)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"{where}: elements must be a non-empty list")
            return
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            problems.append(
                f"{where}: {len(elements)} elements; the limit is {MAX_CONTEXT_ELEMENTS}"
            )
        for number, element in enumerate(elements, 1):
            if isinstance(element, dict) and element.get("type") == "image":
                continue
            _check_length(
                problems, f"{where} element {number}", _text_of(element), MAX_CONTEXT_TEXT
            )
    elif kind == "image":
        _check_length(
            problems, f"{where} image_url", block.get("image_url"), MAX_IMAGE_URL, data=True
        )
        _check_length(problems, f"{where} alt_text", block.get("alt_text"), MAX_ALT_TEXT)
        if "title" in block:
            _check_length(problems, f"{where} title", _text_of(block["title"]), MAX_IMAGE_TITLE)
    else:
        problems.append(f"{where}: a block type this checker does not know")


def slack_limit_problems(payload: dict[str, Any]) -> list[str]:
    """Every way ``payload`` breaks Slack's documented Block Kit limits; [] when valid.

    Checks the fallback text, at most 50 blocks, header text (150), section text (3,000),
    fields (10 per block, 2,000 each), actions (25 elements; button text 75, value 2,000,
    ``action_id`` 255 and unique in the message, style primary or danger), context (10
    elements), image ``alt_text`` (2,000), and that no text is empty. Each problem names
    the block, e.g. ``"block 3 (section) text: 3,012 characters; the limit is 3,000"``.
    """
    problems: list[str] = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: the fallback text for notifications is missing")
    blocks = payload.get("blocks")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks: not a list"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"blocks: {len(blocks)} blocks; the limit is {MAX_BLOCKS}")
    action_ids: dict[str, str] = {}
    for number, block in enumerate(blocks, 1):
        _check_block(problems, f"block {number}", block, action_ids)
    return problems
