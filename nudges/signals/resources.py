"""Load the lexicons the signals pipeline reads: VADER's, shipped inside its package, and
ours, the data files in ``nudges/signals/lexicons/`` (see the README there for the source
and rationale of every group of entries).

Our files are tab-separated, one entry per line, ``#`` starts a comment line. Phrases may
use a small grammar that is expanded when loaded: ``{a|b}`` picks one alternative and
``[x|y]`` makes ``x`` (or ``y``) optional, so ``{kill|killed} [the] pod`` stands for four phrases.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

VADER_PACKAGE = "vaderSentiment"
LEXICON_PACKAGE = "nudges.signals"

IdiomKind = Literal["valence", "despair", "booster", "negator", "rule"]
_IDIOM_KINDS: frozenset[str] = frozenset({"valence", "despair", "booster", "negator", "rule"})
_MODIFIER_KINDS: frozenset[str] = frozenset(
    {
        "booster",
        "negator",
        "contrast",
        "ack",
        "person",
        "laughter",
        "tech_noun",
        "illness_cue",
        "slang_cue",
        "concession",
        "amplifier",
    }
)


class LexiconError(ValueError):
    """A lexicon data file has an entry the loader cannot read (names file and line)."""


@dataclass(frozen=True, slots=True)
class Idiom:
    """A multi-word expression read as one unit (``crushed it``, ``kind of``)."""

    phrase: str
    kind: IdiomKind
    value: float
    rule: str = ""
    alternative: float = 0.0
    pattern: tuple[Mapping[str, Any], ...] = ()
    """A spaCy Matcher token pattern, for idioms with gaps ("nobody on the team knows")."""


@dataclass(frozen=True, slots=True)
class MatchRule:
    """A phrase (PhraseMatcher) or token pattern (Matcher) that tags a label."""

    label: str
    phrase: str = ""
    pattern: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Resources:
    """Everything the pipeline reads from data files, loaded once per process."""

    words: Mapping[str, float]
    """Single-token valences on VADER's -4..+4 scale, lowercase keys: VADER's lexicon,
    our workplace words (which win), emoji and shortcode tokens."""
    shortcodes: Mapping[str, str]
    """Slack shortcode name (no colons) -> the Unicode emoji it stands for ("" = drop)."""
    modifiers: Mapping[str, Mapping[str, float]]
    """Kind ("booster", "negator", "person", ...) -> word -> weight; a word may have several
    kinds ("so" is a booster and precedes slang praise)."""
    idioms: tuple[Idiom, ...]
    sarcasm: tuple[MatchRule, ...]
    themes: tuple[MatchRule, ...]
    distress: tuple[MatchRule, ...]


def _lines(name: str) -> Iterator[tuple[int, list[str]]]:
    text = resources.files(LEXICON_PACKAGE).joinpath("lexicons").joinpath(name).read_text("utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield number, [field.strip() for field in line.split("\t")]


def _number(name: str, line: int, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise LexiconError(f"{name}, line {line}: {value!r} is not a number") from None


_ALTERNATIVES = re.compile(r"\{([^{}]*)\}|\[([^\[\]]*)\]")


def expand(phrase: str) -> list[str]:
    """Every phrase the grammar ``{a|b}`` (one of) and ``[x]`` (optional) stands for."""
    parts: list[list[str]] = []
    position = 0
    for match in _ALTERNATIVES.finditer(phrase):
        parts.append([phrase[position : match.start()]])
        if match.group(1) is not None:
            parts.append(match.group(1).split("|"))
        else:
            parts.append([*match.group(2).split("|"), ""])
        position = match.end()
    parts.append([phrase[position:]])
    phrases = {" ".join("".join(choice).split()) for choice in itertools.product(*parts)}
    return sorted(phrase for phrase in phrases if phrase)


def vader_lexicon() -> dict[str, float]:
    """VADER's human-rated lexicon (word -> mean valence, -4..+4) from its package."""
    text = resources.files(VADER_PACKAGE).joinpath("vader_lexicon.txt").read_text("utf-8")
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            try:
                lexicon[fields[0].strip().lower()] = float(fields[1])
            except ValueError:
                continue
    return lexicon


def vader_emoticons() -> list[str]:
    """VADER's emoticons and initialisms with punctuation (``:-/``, ``D:``, ``j/k``), as written.

    spaCy's tokenizer would split most of them; the pipeline keeps each as one token.
    """
    text = resources.files(VADER_PACKAGE).joinpath("vader_lexicon.txt").read_text("utf-8")
    emoticons: list[str] = []
    for line in text.splitlines():
        term = line.split("\t", 1)[0].strip()
        if term and not term.isalnum() and " " not in term and len(term) <= 8:
            emoticons.append(term)
    return emoticons


def vader_emoji_descriptions() -> dict[str, str]:
    """VADER's emoji table: Unicode emoji -> its English description."""
    text = resources.files(VADER_PACKAGE).joinpath("emoji_utf8_lexicon.txt").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            table[strip_emoji_modifiers(fields[0].strip())] = fields[1].strip()
    return table


_EMOJI_MODIFIERS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def strip_emoji_modifiers(emoji: str) -> str:
    """An emoji without variation selectors, skin tones or joiners (as cleaning leaves it)."""
    return _EMOJI_MODIFIERS.sub("", emoji)


def _word_table(name: str) -> dict[str, float]:
    table: dict[str, float] = {}
    for line, fields in _lines(name):
        if len(fields) < 2:
            raise LexiconError(f"{name}, line {line}: expected term<TAB>valence")
        value = _number(name, line, fields[1])
        if not -4.0 <= value <= 4.0:
            raise LexiconError(f"{name}, line {line}: valence {value} is outside -4..+4")
        for term in expand(fields[0]):
            table[strip_emoji_modifiers(term.lower())] = value
    return table


def _shortcodes() -> dict[str, str]:
    table: dict[str, str] = {}
    for line, fields in _lines("shortcodes.tsv"):
        if not fields[0] or fields[0].startswith(":"):
            raise LexiconError(f"shortcodes.tsv, line {line}: write the name without colons")
        emoji = strip_emoji_modifiers(fields[1]) if len(fields) > 1 else ""
        for alias in fields[0].split(","):
            table[alias.strip().lower()] = emoji
    return table


def _modifiers() -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {kind: {} for kind in sorted(_MODIFIER_KINDS)}
    for line, fields in _lines("modifiers.tsv"):
        if len(fields) < 3 or fields[1] not in _MODIFIER_KINDS:
            raise LexiconError(f"modifiers.tsv, line {line}: expected term<TAB>kind<TAB>weight")
        weight = _number("modifiers.tsv", line, fields[2])
        for term in expand(fields[0]):
            table[fields[1]][strip_emoji_modifiers(term.lower())] = weight
    return table


def _idioms() -> tuple[Idiom, ...]:
    idioms: list[Idiom] = []
    for line, fields in _lines("idioms.tsv"):
        if len(fields) < 3 or fields[1] not in _IDIOM_KINDS:
            raise LexiconError(f"idioms.tsv, line {line}: expected phrase<TAB>kind<TAB>value")
        kind: IdiomKind = fields[1]  # type: ignore[assignment]
        rule, alternative = "", 0.0
        if kind == "rule":
            # value is "rule_name:first:second", e.g. "person_subject:2.2:-2.0"
            rule_fields = fields[2].split(":")
            if len(rule_fields) != 3:
                raise LexiconError(f"idioms.tsv, line {line}: expected name:value:alternative")
            rule = rule_fields[0]
            value = _number("idioms.tsv", line, rule_fields[1])
            alternative = _number("idioms.tsv", line, rule_fields[2])
        else:
            value = _number("idioms.tsv", line, fields[2])
        for phrase in expand(fields[0]):
            idioms.append(Idiom(phrase.lower(), kind, value, rule, alternative))
    return tuple(idioms)


def _idiom_patterns() -> tuple[Idiom, ...]:
    """Idioms written as token patterns: {"pattern": [...], "kind": ..., "value": ...}."""
    idioms: list[Idiom] = []
    name = "idiom_patterns.jsonl"
    text = resources.files(LEXICON_PACKAGE).joinpath("lexicons").joinpath(name).read_text("utf-8")
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(("//", "#")):
            continue
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError as error:
            raise LexiconError(f"{name}, line {line}: {error.msg}") from None
        kind = entry.get("kind")
        pattern = entry.get("pattern")
        value = entry.get("value")
        if kind not in _IDIOM_KINDS or kind == "rule" or not isinstance(pattern, list):
            raise LexiconError(f"{name}, line {line}: needs a pattern, a kind and a value")
        if not isinstance(value, int | float):
            raise LexiconError(f"{name}, line {line}: value must be a number")
        idioms.append(Idiom("", kind, float(value), pattern=tuple(pattern)))
    return tuple(idioms)


def _match_rules(name: str) -> tuple[MatchRule, ...]:
    """Rules from a JSON-lines file: {"label": ..., "phrase": ...} or {"label", "pattern"}."""
    rules: list[MatchRule] = []
    text = resources.files(LEXICON_PACKAGE).joinpath("lexicons").joinpath(name).read_text("utf-8")
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(("//", "#")):
            continue
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError as error:
            raise LexiconError(f"{name}, line {line}: {error.msg}") from None
        label = entry.get("label")
        if not isinstance(label, str) or not label:
            raise LexiconError(f"{name}, line {line}: every entry needs a label")
        if "phrase" in entry:
            for phrase in expand(str(entry["phrase"])):
                rules.append(MatchRule(label=label, phrase=phrase.lower()))
        elif isinstance(entry.get("pattern"), list) and entry["pattern"]:
            rules.append(MatchRule(label=label, pattern=tuple(entry["pattern"])))
        else:
            raise LexiconError(f"{name}, line {line}: needs a phrase or a token pattern")
    return tuple(rules)


def _emoji_from_descriptions(lexicon: Mapping[str, float]) -> dict[str, float]:
    """A valence for every emoji VADER knows: the sum of its description's word valences.

    This is how VADER itself reads emoji (it swaps each emoji for its description); our
    emoji table, measured on real use, overrides it wherever it has an entry.
    """
    table: dict[str, float] = {}
    for emoji, description in vader_emoji_descriptions().items():
        words = description.lower().replace("-", " ").split()
        value = sum(lexicon.get(word, 0.0) for word in words)
        if value:
            table[emoji] = max(-4.0, min(4.0, value))
    return table


@functools.cache
def load() -> Resources:
    """All lexicons, read once per process (raises :class:`LexiconError` on a bad file)."""
    words = vader_lexicon()
    words.update(_emoji_from_descriptions(words))
    words.update(_word_table("emoji.tsv"))
    words.update(_word_table("words.tsv"))
    return Resources(
        words=words,
        shortcodes=_shortcodes(),
        modifiers=_modifiers(),
        idioms=_idioms() + _idiom_patterns(),
        sarcasm=_match_rules("sarcasm.jsonl"),
        themes=_match_rules("themes.jsonl"),
        distress=_match_rules("distress.jsonl"),
    )
