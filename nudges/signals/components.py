"""The registered spaCy components of the signals pipeline and their ``Doc._`` results.

==================  =========================  ==========================================
factory             sets                       what
==================  =========================  ==========================================
nudges_distress     ``doc._.distress``         bool, acute distress language (distress.py)
nudges_sentiment    ``doc._.valence``          float in -1..+1 (sentiment.py)
nudges_themes       ``doc._.themes``           frozenset of theme ids (themes.py)
==================  =========================  ==========================================

Distress comes first because the sentiment component reads it: a message that says its
author does not want to be alive is very negative, whatever words it uses ("everyone would
be happier if I just disappeared" has only a positive word in it).

The tokenizer (``nudges.ChatTokenizer.v1``, tokenizer.py) cleans Slack and Teams markup
and splits words the way VADER reads them, so every component sees what a reader sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import cast

from spacy.language import Language
from spacy.tokens import Doc

from nudges.signals.distress import DistressDetector
from nudges.signals.model import (
    implicit_features,
    load_reread_model,
    load_theme_model,
    load_valence_model,
    theme_features,
)
from nudges.signals.resources import load
from nudges.signals.sentiment import DESPAIR_KEY, SentimentScorer
from nudges.signals.themes import ThemeTagger
from nudges.signals.tokenizer import lower_words

for _name, _default in (("valence", 0.0), ("themes", frozenset()), ("distress", False)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def store(doc: Doc, name: str, value: object) -> None:
    """``doc._.<name> = value``, without building an ``Underscore`` object per call.

    spaCy keeps extension values in ``doc.user_data`` under this key; writing it directly
    saves a few microseconds per message on the hot path. A test checks that
    ``doc._.<name>`` reads back what was stored, so a change in spaCy cannot go unseen.
    """
    cast(dict[object, object], doc.user_data)[("._.", name, None, None)] = value


def stored(doc: Doc, name: str, default: object) -> object:
    """What ``doc._.<name>`` returns (see :func:`store`)."""
    return cast(dict[object, object], doc.user_data).get(("._.", name, None, None), default)


DISTRESS_VALENCE = -0.8
"""The most a message with distress language can score: how people rate such messages
(-2.5 to -3 on the -3..+3 scale of tests/data/ANNOTATION.md)."""


class SentimentComponent:
    """Pipeline component: ``doc._.valence``, the message's valence in -1..+1.

    It reads ``doc._.distress`` when ``nudges_distress`` ran before it (see the table
    above); the flag itself stays the distress component's and is never aggregated.
    """

    def __init__(self, nlp: Language) -> None:
        self.scorer = SentimentScorer(nlp.vocab, load(), nlp.make_doc)
        self.model = load_valence_model()
        self.reread = load_reread_model()
        self.scorer.bad_news = self.bad_news

    def valence(self, doc: Doc) -> float:
        """:meth:`valences` of one Doc."""
        return self.valences([doc])[0]

    def valences(self, docs: Sequence[Doc]) -> list[float]:
        """:meth:`reading` of each Doc, then the reread model's second reading (model.py;
        each model only if shipped), each model read for the whole batch at once."""
        values = [self.rules_valence(doc) for doc in docs]
        silent = [i for i, value in enumerate(values) if value == 0.0]
        if silent and self.model is not None:
            implicit = self.implicits([docs[i] for i in silent])
            for i, value in zip(silent, implicit, strict=True):
                values[i] = value
        if self.reread is None:
            return values
        reread = [i for i, doc in enumerate(docs) if not self.kept(doc)]
        if reread:
            second = self.reread.valence_many(
                [lower_words(docs[i]) for i in reread], [values[i] for i in reread]
            )
            for i, value in zip(reread, second, strict=True):
                values[i] = value
        return values

    def reading(self, doc: Doc) -> float:
        """:meth:`rules_valence`; when the rules find no feeling, the learned valence
        model's reading."""
        value = self.rules_valence(doc)
        if value == 0.0 and self.model is not None:
            value = self.implicit(doc)
        return value

    @staticmethod
    def kept(doc: Doc) -> bool:
        """Whether the reread model must leave the rules' reading as it is: the message has
        distress language, or a despair idiom (sentiment.py), which a model fitted on
        everyday chat would soften."""
        return stored(doc, "distress", False) is True or doc.user_data.get(DESPAIR_KEY) is True

    def rules_valence(self, doc: Doc) -> float:
        """The rules' valence, no higher than :data:`DISTRESS_VALENCE` for distress."""
        value = self.scorer(doc)
        if stored(doc, "distress", False) is True:
            return min(value, DISTRESS_VALENCE)
        return value

    def implicit(self, doc: Doc) -> float:
        """:meth:`implicits` of one Doc."""
        return self.implicits([doc])[0]

    def implicits(self, docs: Sequence[Doc]) -> list[float]:
        """What the valence model makes of the words the rules do not rate, read for the
        whole batch at once (0 without a model, and below the model's band)."""
        if self.model is None:
            return [0.0] * len(docs)
        model = self.model
        unrated = self.scorer.unrated
        totals = model.totals_many([unrated(lower_words(doc)) for doc in docs])
        return [model.valence(total) for total in totals]

    def bad_news(self, words: Sequence[str | None]) -> bool:
        """Whether the valence model reads ``words`` (None: a word the rules rate) as
        clearly bad: what makes praise said of them sarcastic (sentiment.py)."""
        if self.model is None:
            return False
        return self.model.total(implicit_features(words)) <= -self.model.band

    def __call__(self, doc: Doc) -> Doc:
        """Score ``doc`` in place."""
        store(doc, "valence", self.valence(doc))
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        """Score a stream of Docs (what ``nlp.pipe`` calls), ``batch_size`` at a time."""
        stream = iter(docs)
        while batch := list(islice(stream, batch_size)):
            for doc, value in zip(batch, self.valences(batch), strict=True):
                store(doc, "valence", value)
                yield doc


class ThemesComponent:
    """Pipeline component: ``doc._.themes``, the wellbeing themes the message touches."""

    def __init__(self, nlp: Language) -> None:
        self.tagger = ThemeTagger(nlp.vocab, load().themes, nlp.make_doc)
        self.model = load_theme_model()

    def themes(self, doc: Doc) -> frozenset[str]:
        """The rules' themes; with a shipped model (model.py), those it confirms and those
        it finds said in other words."""
        stored_valence = stored(doc, "valence", 0.0)
        valence = float(stored_valence) if isinstance(stored_valence, float | int) else 0.0
        found = self.tagger(doc, valence=valence)
        if self.model is None:
            return found
        return self.model.themes(theme_features(lower_words(doc), found, valence), found)

    def __call__(self, doc: Doc) -> Doc:
        """Tag ``doc`` in place (after the sentiment component, which it reads)."""
        store(doc, "themes", self.themes(doc))
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        """Tag a stream of Docs (what ``nlp.pipe`` calls)."""
        for doc in docs:
            yield self(doc)


class DistressComponent:
    """Pipeline component: ``doc._.distress``, whether to offer support privately."""

    def __init__(self, nlp: Language) -> None:
        self.detector = DistressDetector(nlp.vocab, load().distress, nlp.make_doc)

    def __call__(self, doc: Doc) -> Doc:
        """Check ``doc`` in place."""
        store(doc, "distress", self.detector(doc))
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        """Check a stream of Docs (what ``nlp.pipe`` calls)."""
        detector = self.detector
        for doc in docs:
            store(doc, "distress", detector(doc))
            yield doc


@Language.factory("nudges_sentiment", assigns=["doc._.valence"])
def make_sentiment(nlp: Language, name: str) -> SentimentComponent:
    """Factory for ``nlp.add_pipe("nudges_sentiment")``."""
    return SentimentComponent(nlp)


@Language.factory("nudges_themes", requires=["doc._.valence"], assigns=["doc._.themes"])
def make_themes(nlp: Language, name: str) -> ThemesComponent:
    """Factory for ``nlp.add_pipe("nudges_themes")`` (after ``nudges_sentiment``)."""
    return ThemesComponent(nlp)


@Language.factory("nudges_distress", assigns=["doc._.distress"])
def make_distress(nlp: Language, name: str) -> DistressComponent:
    """Factory for ``nlp.add_pipe("nudges_distress")`` (before ``nudges_sentiment``)."""
    return DistressComponent(nlp)
