"""Turn Slack mrkdwn and Teams HTML into the plain text a colleague would read.

What a reader skips is dropped (code blocks, inline code, quoted lines, link targets,
markup); what a reader feels is kept (words, link labels, emoji). People are replaced by
:data:`MENTION` and channels by :data:`CHANNEL`, so a name such as "Joy" or "Grace" never
counts as sentiment. Slack shortcodes (``:tada:``, ``:+1::skin-tone-3:``) become the
Unicode emoji they stand for; unknown shortcodes stay as one ``:name:`` token.

Every step is linear in the length of the input: regular expressions only use bounded,
negated character classes that stop at the next delimiter, and the constructs that could
nest or stay unclosed (code fences, block quotes) are found with ``str.find``. Nothing
here raises on any ``str``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

MAX_CHARS = 40_000
"""Longest input read (Slack's own message limit); the rest of a longer text is ignored."""

MENTION = "@user"
"""What a user mention (Slack ``<@U123>``, Teams ``<at>Name</at>``) becomes."""

CHANNEL = "#channel"
"""What a channel mention (``<#C123|name>``) becomes."""

# Characters that change nothing a reader sees but split or hide words: zero-width
# characters, bidirectional controls, variation selectors, emoji skin-tone modifiers,
# tag characters, the byte-order mark, unpaired surrogates and C0/C1 controls.
_INVISIBLE = re.compile(
    "["
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f\U000e0100-\U000e01ef"
    "\ud800-\udfff"
    "]+"
)
# The joined-on parts of an emoji ZWJ sequence ("😵‍💫" is 😵 + ZWJ + 💫, face with spiral
# eyes; "🧑‍💻" is 🧑 + ZWJ + 💻): the base emoji carries the feeling, and read apart the parts
# would add a feeling of their own (💫 is positive). A ZWJ between letters (Indic scripts)
# is not followed by an emoji and is left for the invisible-character step.
_EMOJI_JOIN = re.compile("(?:\u200d[\u2190-\u2bff\U0001f000-\U0001faff]\ufe0f?)+")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_INLINE_CODE = re.compile(r"`[^`\n]{0,4000}`")
_QUOTE_LINE = re.compile(r"(?m)^[ \t]*(?:&gt;|>(?![:;=]))[^\n]*")
_BLOCK_QUOTE = re.compile(r"(?m)^[ \t]*(?:&gt;|>){3}")
_TEAMS_MENTION = re.compile(r"<at\b[^<>]{0,300}>[^<]{0,300}</at>", re.IGNORECASE)
_TEAMS_EMOJI = re.compile(r"<(?:emoji|img)\b([^<>]{0,2000})>", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*["']([^"'<>]{1,40})["']""", re.IGNORECASE)
_SLACK_ENTITY = re.compile(
    r"<([@#!][^<>|\s]{0,300}|(?:https?|mailto|tel|ftp):[^<>|\s]{0,4000})"
    r"(?:\|([^<>]{0,1000}))?>",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]{0,20})\b[^<>]{0,2000}>")
_SHORTCODE = re.compile(r":([a-zA-Z0-9_+'\-]{1,64}):")
# Possessive runs that may only start at the first marker of a run keep this linear.
_EMPHASIS = re.compile(r"(?<![\w:*~])[_*~]++(?=\w)|(?<=[^\W_])[_*~]++(?![\w:])")
_FENCE = re.compile("```")
_BLOCKQUOTE_OPEN = re.compile("<blockquote", re.IGNORECASE)
_BLOCKQUOTE_CLOSE = re.compile("</blockquote>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SKIN_TONE = re.compile(r"skin-tone-\d")


def coerce(text: object) -> str:
    """Any input as a ``str`` of at most :data:`MAX_CHARS` characters; never raises."""
    if isinstance(text, str):
        value = text
    elif isinstance(text, bytes | bytearray | memoryview):
        value = bytes(text).decode("utf-8", errors="replace")
    elif text is None:
        value = ""
    else:
        try:
            value = str(text)
        except Exception:
            value = ""
    return value[:MAX_CHARS]


def _drop_delimited(text: str, opening: re.Pattern[str], closing: re.Pattern[str]) -> str:
    """Replace each ``opening ... closing`` stretch by a space, in one left-to-right pass.

    An opening without a closing is left for the later steps. Nested openings end at the
    first closing; what is left of the outer block is plain markup the tag step removes.
    """
    pieces: list[str] = []
    position = 0
    while True:
        start = opening.search(text, position)
        if start is None:
            break
        end = closing.search(text, start.end())
        if end is None:
            break
        pieces.append(text[position : start.start()])
        pieces.append(" ")
        position = end.end()
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def _drop_quotes(text: str) -> str:
    """Drop quoted lines ("> ..."), and everything after a ">>>" block quote marker."""
    block = _BLOCK_QUOTE.search(text)
    if block is not None:
        text = text[: block.start()]
    return _QUOTE_LINE.sub(" ", text)


def _slack_entity(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    first = target[0]
    if first == "@":
        return f" {MENTION}"
    if first == "#":
        return f" {CHANNEL}"
    if first == "!":
        # <!here>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback text>
        if target.startswith("!date") and label:
            return f" {label} "
        return f" {MENTION}"
    if label and "://" not in label:
        return f" {label} "
    return " "


def _teams_emoji(match: re.Match[str]) -> str:
    alt = _ALT.search(match.group(1))
    return f" {alt.group(1)} " if alt else " "


def _tag(match: re.Match[str]) -> str:
    return " " if match.group(1).lower() in _BLOCK_TAGS else ""


class Cleaner:
    """Cleans chat markup; built once with the shortcode table, then called per message."""

    def __init__(self, shortcodes: Mapping[str, str]) -> None:
        self._shortcodes = dict(shortcodes)
        self._replace_shortcode: Callable[[re.Match[str]], str] = self._shortcode

    def _shortcode(self, match: re.Match[str]) -> str:
        name = match.group(1).lower()
        start, end = match.span()
        text = match.string
        glued = (start > 0 and text[start - 1].isalnum()) or (
            end < len(text) and text[end].isalnum()
        )
        if glued:
            return match.group(0)  # a path such as a:this:b, not an emoji
        emoji = self._shortcodes.get(name)
        if emoji is not None:
            return f" {emoji} " if emoji else " "
        if _SKIN_TONE.fullmatch(name):
            return " "
        if not any(character.isalpha() for character in name):
            return match.group(0)  # a time such as 10:15:30
        return f" :{name}: "

    def __call__(self, text: str) -> str:
        """The readable text of one Slack or Teams message (see the module docstring)."""
        text = coerce(text)
        if not text:
            return ""
        if not text.isascii():
            if "\u200d" in text:
                text = _EMOJI_JOIN.sub("", text)
            text = _INVISIBLE.sub("", text)
            if "’" in text or "‘" in text:
                text = text.replace("’", "'").replace("‘", "'")  # curly apostrophes
            text = _SPACES.sub(" ", text)  # no-break and other Unicode spaces
        if not text.isprintable():
            text = _CONTROL.sub(" ", text)
        if "`" in text:
            text = _drop_delimited(text, _FENCE, _FENCE).replace("```", " ")
            text = _INLINE_CODE.sub(" ", text)
        if ">" in text or "&gt;" in text:
            text = _drop_quotes(text)
        if "<" in text:
            text = _drop_delimited(text, _BLOCKQUOTE_OPEN, _BLOCKQUOTE_CLOSE)
            text = _TEAMS_MENTION.sub(f" {MENTION}", text)
            text = _TEAMS_EMOJI.sub(_teams_emoji, text)
            text = _SLACK_ENTITY.sub(_slack_entity, text)
            text = _TAG.sub(_tag, text)
        if "&" in text:
            text = html.unescape(text)
            if not text.isascii():  # an entity may have named an invisible character
                text = _INVISIBLE.sub("", text)
        if ":" in text:
            text = _SHORTCODE.sub(self._replace_shortcode, text)
        if "_" in text or "*" in text or "~" in text:
            text = _EMPHASIS.sub("", text)
        return " ".join(text.split())  # single spaces only: what the tokenizer splits on
