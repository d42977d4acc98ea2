"""Signals: what a chat message says about how its author is doing, read in memory.

``score(text)`` gives the message's valence in -1..+1; ``analyze(text)`` adds the
wellbeing themes it touches and whether it holds acute distress language. Both read the
message the way a colleague would (Slack and Teams markup, emoji and shortcodes, workplace
idioms, negation, contrast and sarcasm) through one spaCy pipeline on
``spacy.blank("en")``: nothing is downloaded, nothing is fetched at run time, and no text
is ever logged or kept.

The pipeline is built once per process, on first use, and is safe to call from several
threads (calls take turns on one lock; spaCy's vocabulary is not built for concurrent
writes). Its vocabulary grows with every new word it sees, so after
:data:`VOCABULARY_LIMIT` distinct strings it is rebuilt from scratch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nudges.signals import components as _components  # noqa: F401 - registers factories
from nudges.signals import tokenizer as _tokenizer  # noqa: F401 - registers the tokenizer
from nudges.signals.cleaning import MAX_CHARS, coerce
from nudges.signals.components import stored
from nudges.signals.themes import THEMES

__all__ = [
    "MAX_CHARS",
    "THEMES",
    "VOCABULARY_LIMIT",
    "MessageSignals",
    "analyze",
    "analyze_many",
    "build_pipeline",
    "score",
    "score_many",
]

VOCABULARY_LIMIT = 1_000_000
"""Distinct strings the pipeline may learn before it is rebuilt (bounds its memory)."""

_BATCH = 256
_LOCK = threading.Lock()
_pipeline: Language | None = None


@dataclass(frozen=True, slots=True)
class MessageSignals:
    """What one message says: never stored with the text, only aggregated by the bot.

    ``distress`` is for the author's eyes only: the check-in flow uses it to offer,
    privately, the support resources HR configured. It is never aggregated or shown.
    """

    sentiment: float
    """Valence in -1 (very negative) .. +1 (very positive); 0 is neutral."""
    themes: frozenset[str]
    """Theme ids from :data:`THEMES` the message touches."""
    distress: bool
    """Whether the message holds acute distress or self-harm language."""


def build_pipeline() -> Language:
    """A new signals pipeline: chat tokenizer, then distress, sentiment and themes."""
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "nudges.ChatTokenizer.v1"}}}
    )
    nlp.add_pipe("nudges_distress")
    nlp.add_pipe("nudges_sentiment")
    nlp.add_pipe("nudges_themes")
    return nlp


def _current() -> Language:
    """The process's pipeline; the caller holds ``_LOCK``."""
    global _pipeline
    if _pipeline is None or len(_pipeline.vocab.strings) > VOCABULARY_LIMIT:
        _pipeline = build_pipeline()
    return _pipeline


def _valence(doc: Doc) -> float:
    value = stored(doc, "valence", 0.0)
    return float(value) if isinstance(value, float | int) else 0.0


def _batches(texts: Iterable[object]) -> Iterator[list[str]]:
    iterator = iter(texts)
    while batch := [coerce(text) for text in islice(iterator, _BATCH)]:
        yield batch


def score(text: str) -> float:
    """The valence of one message in -1..+1 (0 when there is nothing to read)."""
    return score_many([text])[0]


def score_many(texts: Iterable[str]) -> list[float]:
    """The valence of each message, in order, batched through ``nlp.pipe``."""
    scores: list[float] = []
    for batch in _batches(texts):
        with _LOCK:
            nlp = _current()
            docs = nlp.pipe(batch, batch_size=_BATCH, disable=["nudges_themes"])
            scores.extend(_valence(doc) for doc in docs)
    return scores


def analyze(text: str) -> MessageSignals:
    """Valence, themes and the distress flag of one message."""
    return analyze_many([text])[0]


def analyze_many(texts: Iterable[str]) -> list[MessageSignals]:
    """:func:`analyze` for each message, in order, batched through ``nlp.pipe``."""
    results: list[MessageSignals] = []
    for batch in _batches(texts):
        with _LOCK:
            nlp = _current()
            for doc in nlp.pipe(batch, batch_size=_BATCH):
                themes = stored(doc, "themes", frozenset())
                results.append(
                    MessageSignals(
                        sentiment=_valence(doc),
                        themes=themes if isinstance(themes, frozenset) else frozenset(),
                        distress=stored(doc, "distress", False) is True,
                    )
                )
    return results
