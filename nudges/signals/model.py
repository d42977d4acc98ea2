"""The learned parts of the signals, fitted on labelled chat: one logistic model per theme,
a linear valence model for messages in which the rules find no feeling
(:class:`ValenceModel`), and a second reading that turns some positive readings of work
talk into irony and some negative ones into plain work talk, and corrects how strongly the
rules read a feeling (:class:`RereadModel`).

The theme rules (``themes.py``, ``lexicons/themes.jsonl``) name the phrases that clearly
mean a theme. People say the same things in many more ways ("two people short", "still no
access to the repo", "ate lunch at my desk alone again"), and some cue words mislead in
context. The model reads a message's words, word pairs (adjacent, or one word apart) and
stems, which themes the rules found, and whether the message reads as positive or negative,
and weighs them with what it learned from labelled messages:

    score[theme] = bias[theme] + sum of weights[feature][theme]
    theme reported  <=>  score > 0, or the rules found it and score > keep[theme]

so the model adds themes said in other words and drops a rule's find where the rest of the
message says it means something else ("the deadline for feedback" is not workload).

``themes_model.json`` in ``lexicons/`` holds the numbers (``valence_model.json`` and
``reread_model.json`` those of the other two); ``python -m nudges.signals.training`` fits
them (scikit-learn) on the labelled training sets in ``tests/data/workplace_train/`` and the
development set, never on the held-out set. The theme model costs one dictionary look-up per
word, per pair and per rule theme; the valence and reread models read a batch of messages
with a few array operations (:class:`FeatureTable`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import chain

import numpy as np
from numpy.typing import NDArray
from spacy.lang.en.stop_words import STOP_WORDS

from nudges.signals.evaluation import HUMAN_THRESHOLD, SCORE_THRESHOLD
from nudges.signals.sentiment import squash

START = "<s>"
"""Stands before the first word, so "<s> finally" (an opening word) is its own pair."""
NUMBER = "<num>"
"""Every token that starts with a digit reads as this: "3rd", "10:15" and "2x" are one."""


STEM = 5
"""A word longer than this also reads as its first letters ("overwhelmed", "overworked" ->
"~overw"; "meetings" -> "~meeti"): a word form no training message used still shares what
its family taught. Five letters is the usual length of such prefix stems."""


def _words_and_pairs(lowers: Sequence[str]) -> tuple[list[str], list[str]]:
    """The words (numbers as :data:`NUMBER`) and adjacent pairs (the first word also with
    :data:`START`) that :func:`grams` and :func:`chat_features` share."""
    words = [NUMBER if word[:1].isdigit() else word for word in lowers]
    return words, [f"{a} {b}" for a, b in zip([START, *words], words, strict=False)]


def grams(lowers: Sequence[str]) -> set[str]:
    """A message's lower-case words, adjacent word pairs, pairs with one word between them
    ("no _ from": "no reply from", "no answer from") and stems of long words."""
    words, pairs = _words_and_pairs(lowers)
    gapped = [f"{a} _ {b}" for a, b in zip(words, words[2:], strict=False)]
    stems = [f"~{word[:STEM]}" for word in words if len(word) > STEM]
    return {*words, *pairs, *gapped, *stems}


THEMES_FILE = "themes_model.json"
POSITIVE = "<valence+>"
NEGATIVE = "<valence->"


def rule_feature(theme: str) -> str:
    """The feature that says the theme rules (themes.py) found ``theme``."""
    return f"<rule:{theme}>"


def theme_features(lowers: Sequence[str], rule_themes: Iterable[str], valence: float) -> set[str]:
    """What the theme model reads: the words and pairs, the rules' themes, the valence sign."""
    features = grams(lowers)
    features.update(rule_feature(theme) for theme in rule_themes)
    if valence >= 0.05:
        features.add(POSITIVE)
    elif valence <= -0.05:
        features.add(NEGATIVE)
    return features


@dataclass(frozen=True, slots=True)
class ThemeModel:
    """One logistic model per theme over :func:`theme_features`, fitted on labelled chat.

    A theme is reported when ``score = bias[theme] + sum of weights[feature][theme]`` is
    above 0, or when the rules found it and the score is above ``keep[theme]`` (where
    that is below 0, a rule's find needs less evidence than the model alone; above 0, the
    model decides alone and the rules count only as its features). Each bias already holds the
    threshold training chose for that theme, so precision comes before recall the way the
    training report says. A theme without a ``keep`` is always reported when the rules
    find it.
    """

    bias: Mapping[str, float]
    weights: Mapping[str, Mapping[str, float]]
    """feature -> theme -> weight (one look-up per feature for all themes)."""
    keep: Mapping[str, float] = field(default_factory=dict)
    """theme -> the least score at which a theme the rules found is still reported."""

    def themes(self, features: Iterable[str], found: Iterable[str] = ()) -> frozenset[str]:
        """The themes above their threshold, and those of ``found`` (the rules' themes)
        above their ``keep``."""
        totals = dict(self.bias)
        weights = self.weights
        for feature in features:
            row = weights.get(feature)
            if row is not None:
                for theme, weight in row.items():
                    totals[theme] += weight
        keep = self.keep
        kept = {theme for theme in found if totals.get(theme, 0.0) > keep.get(theme, -math.inf)}
        return frozenset(theme for theme, total in totals.items() if total > 0).union(kept)

    def to_json(self, *, trained_on: Mapping[str, object]) -> str:
        """The model file's text: one feature per line, sorted, four decimals."""
        return _model_json(
            "nudges.signals theme model; fitted by nudges.signals.training",
            trained_on,
            {
                "bias": {t: round(b, 4) for t, b in self.bias.items()},
                "keep": {t: round(k, 4) for t, k in self.keep.items()},
            },
            {f: {t: round(w, 4) for t, w in row.items()} for f, row in self.weights.items()},
        )

    @classmethod
    def from_json(cls, text: str) -> ThemeModel:
        """Read a model file (raises ``ValueError`` naming what is wrong)."""
        body = json.loads(text)
        try:
            bias = {str(theme): float(value) for theme, value in body["bias"].items()}
            keep = {str(theme): float(value) for theme, value in body.get("keep", {}).items()}
            weights = {
                str(feature): {str(theme): float(value) for theme, value in row.items()}
                for feature, row in body["weights"].items()
            }
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise ValueError(f"{THEMES_FILE} is not a theme model: {error!r}") from None
        unknown = ({theme for row in weights.values() for theme in row} | set(keep)) - set(bias)
        if unknown:
            raise ValueError(f"{THEMES_FILE} weighs themes without a bias: {sorted(unknown)}")
        return cls(bias=bias, weights=weights, keep=keep)


def _model_json(
    what: str,
    trained_on: Mapping[str, object],
    head: Mapping[str, object],
    rows: Mapping[str, object],
) -> str:
    """A model file: what it is, what it was fitted on, ``head``, then one weight row per
    line, sorted by feature, so a refit shows as a readable diff."""

    def line(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    fields = [f'"what": {line(what)}', f'"trained_on": {line(dict(trained_on))}']
    fields.extend(f"{line(key)}: {line(value)}" for key, value in head.items())
    weights = ",\n".join(f"{line(feature)}: {line(row)}" for feature, row in sorted(rows.items()))
    return "{\n" + ",\n".join(fields) + ',\n"weights": {\n' + weights + "\n}\n}\n"


def load_theme_model() -> ThemeModel | None:
    """The shipped theme model, or None when the file is absent (the rules then decide)."""
    text = _shipped(THEMES_FILE)
    return None if text is None else ThemeModel.from_json(text)


def _shipped(name: str) -> str | None:
    path = resources.files("nudges.signals").joinpath("lexicons").joinpath(name)
    return path.read_text("utf-8") if path.is_file() else None


VALENCE_FILE = "valence_model.json"
_STOPS = STOP_WORDS | {START}


def implicit_features(words: Sequence[str | None]) -> set[str]:
    """What the valence model reads: the words the rules have no entry for (``None`` stands
    for a word they rate, a modifier or a punctuation mark) and the pairs of such words,
    leaving out those made of stop words only ("the", "to it")."""
    features: set[str] = set()
    previous: str | None = START
    for word in words:
        if word is not None:
            word = NUMBER if word[:1].isdigit() else word
            if word not in STOP_WORDS:
                features.add(word)
            if previous is not None and not (previous in _STOPS and word in STOP_WORDS):
                features.add(f"{previous} {word}")
        previous = word
    return features


def _implicit_feature(feature: str) -> bool:
    """Whether :func:`implicit_features` can give ``feature``."""
    first, _, second = feature.partition(" ")
    if not second:
        return first not in STOP_WORDS
    return not (first in _STOPS and second in STOP_WORDS)


@dataclass(frozen=True, slots=True)
class ValenceModel:
    """A linear model of how people rate messages in which the rules find no feeling.

    Much of what workplace chat says is bad or good news in plain words ("pr has been open
    for 12 days with zero comments", "still no access to the billing panel"). When the
    rules read a message as neutral, the pipeline asks this model, fitted on labelled
    chat by ``python -m nudges.signals.training``: the sum of the weights of the message's
    :func:`implicit_features` is a valence on the rules' -4..+4 word scale, and counts only
    when it is at least ``band`` (training chose the band so that routine messages stay
    neutral).
    """

    band: float
    weights: Mapping[str, float]
    _table: FeatureTable = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Only features implicit_features can give: a stop word alone or a pair of them
        # never counts, whatever a file says.
        features = [feature for feature in self.weights if _implicit_feature(feature)]
        weights = [self.weights[feature] for feature in features]
        object.__setattr__(self, "_table", FeatureTable(VALENCE_FILE, features, weights, 1))

    def __reduce__(self) -> tuple[type[ValenceModel], tuple[object, ...]]:
        """Pickle the weights, not the table (see :class:`FeatureTable`)."""
        return (type(self), (self.band, dict(self.weights)))

    def total(self, features: Iterable[str]) -> float:
        """The sum of the features' weights (the rules' word scale)."""
        weights = self.weights
        return sum(weights.get(feature, 0.0) for feature in features)

    def valence(self, total: float) -> float:
        """The valence a :meth:`total` stands for: squashed like the rules' sum
        (sentiment.py) when it is at least :attr:`band` from 0, else 0."""
        return squash(total) if abs(total) >= self.band else 0.0

    def totals_many(self, messages: Sequence[Sequence[str | None]]) -> list[float]:
        """:meth:`total` of the :func:`implicit_features` of each message's words (None: a
        word the rules have an entry for), for a batch at once."""
        sums: list[float] = self._table.sums(messages)[:, 0].tolist()
        return sums

    def to_json(self, *, trained_on: Mapping[str, object]) -> str:
        """The model file's text: one feature per line, sorted, four decimals."""
        return _model_json(
            "nudges.signals valence model; fitted by nudges.signals.training",
            trained_on,
            {"band": self.band},
            {feature: round(weight, 4) for feature, weight in self.weights.items()},
        )

    @classmethod
    def from_json(cls, text: str) -> ValenceModel:
        """Read a model file (raises ``ValueError`` naming what is wrong)."""
        body = json.loads(text)
        try:
            band = float(body["band"])
            weights = {str(feature): float(value) for feature, value in body["weights"].items()}
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise ValueError(f"{VALENCE_FILE} is not a valence model: {error!r}") from None
        return cls(band=band, weights=weights)


def load_valence_model() -> ValenceModel | None:
    """The shipped valence model, or None when the file is absent (the rules then decide)."""
    text = _shipped(VALENCE_FILE)
    return None if text is None else ValenceModel.from_json(text)


REREAD_FILE = "reread_model.json"


def chat_features(lowers: Sequence[str]) -> set[str]:
    """What the reread model reads: a message's lower-case words and adjacent word pairs
    (numbers as :data:`NUMBER`, the first word also paired with :data:`START`)."""
    words, pairs = _words_and_pairs(lowers)
    return {*words, *pairs}


NEUTRAL_RATING = HUMAN_THRESHOLD / 3.0
"""A rating this close to 0 (on -1..+1, people's -3..+3 scale divided by 3) is neutral to
people."""


def calibrated(rating: float) -> float:
    """A predicted rating (-1..+1, people's scale divided by 3) as a score: what people
    would call neutral (up to :data:`NEUTRAL_RATING`) lands inside the scorer's neutral
    zone (below ``SCORE_THRESHOLD``), and the rest is stretched over what is left of
    -1..+1, order kept."""
    size = abs(rating)
    if size <= NEUTRAL_RATING:
        return rating * _INSIDE / NEUTRAL_RATING
    stretched = SCORE_THRESHOLD + (size - NEUTRAL_RATING) * (1.0 - SCORE_THRESHOLD) / (
        1.0 - NEUTRAL_RATING
    )
    return math.copysign(min(1.0, stretched), rating)


_INSIDE = math.nextafter(SCORE_THRESHOLD, 0.0)
"""The largest score the scorer still reads as neutral."""


def reading_terms(reading: float, weight: float, positive: float, negative: float) -> float:
    """The residual's terms for the pipeline's reading: ``weight`` times the reading, plus
    ``positive`` or ``negative`` by its sign."""
    terms = weight * reading
    if reading > 0.0:
        terms += positive
    elif reading < 0.0:
        terms += negative
    return terms


_PAIR = np.int64(-7046029254386353131)
"""Multiplier that makes a pair's key from its words' (the 64-bit golden ratio, signed)."""


def _hashes(words: Sequence[str]) -> NDArray[np.int64]:
    """Python's own hash of each word: cached on the string, the same within a process
    but not across processes, so the model computes its keys where it reads (a pickled
    model rebuilds them: :meth:`RereadModel.__reduce__`)."""
    return np.fromiter(map(hash, words), dtype=np.int64, count=len(words))


class _WordKeys(dict[str | None, int]):
    """A word's key as :class:`FeatureTable` reads it: the hash of the word, of
    :data:`NUMBER` for a number, :data:`_GAP` for None. Remembers up to
    :data:`_WORD_KEYS_LIMIT` words (then starts afresh), so a batch's keys come from one
    ``map`` over the dict's ``__getitem__``."""

    def __missing__(self, word: str | None) -> int:
        if len(self) > _WORD_KEYS_LIMIT:
            self.clear()
        key = _GAP if word is None else hash(NUMBER if word[:1].isdigit() else word)
        self[word] = key
        return key


_WORD_KEYS_LIMIT = 200_000
_WORD_KEYS = _WordKeys()
_GAP = hash("<no feature>")
"""The key of None, a word that is no feature (its pairs are left out too)."""


def _pair_keys(firsts: NDArray[np.int64], seconds: NDArray[np.int64]) -> NDArray[np.int64]:
    """A pair's key: first * :data:`_PAIR` + second (wrapping around, as int64 arithmetic on
    arrays does); a word's key is its hash. Two of the model's features sharing a key would
    make loading fail (odds of about one in 10^10 per process); a message's word or pair
    taking a feature's key by chance has odds of about one in 10^12 per message."""
    return firsts * _PAIR + seconds


class FeatureTable:
    """Weights of word and word-pair features, read for a batch of messages at once.

    Each feature is one 64-bit key (:func:`_pair_keys`), sorted, with its row of weights
    in the same order, so a batch is read with a few array operations instead of a
    dictionary look-up per word and pair. The keys are hashes of this process: a model that
    holds a table pickles its weights and rebuilds the table where it is unpickled.
    """

    __slots__ = ("keys", "rows")

    def __init__(
        self, name: str, features: Sequence[str], weights: Sequence[object], columns: int
    ) -> None:
        """``weights[i]``: the ``columns`` weights (or the weight) of ``features[i]``
        ("word" or "first second"); ``name`` names the model in errors."""
        rows = np.array(weights, dtype=np.float64).reshape(len(features), columns)
        firsts = _hashes([feature.partition(" ")[0] for feature in features])
        seconds = [feature.partition(" ")[2] for feature in features]
        paired = np.array([bool(second) for second in seconds], dtype=bool)
        keys = np.where(paired, _pair_keys(firsts, _hashes(seconds)), firsts)
        order = np.argsort(keys, kind="stable")
        self.keys: NDArray[np.int64] = keys[order]
        if len(keys) > 1 and bool((self.keys[1:] == self.keys[:-1]).any()):
            raise ValueError(f"{name}: two features share a key")
        if not bool(np.isfinite(rows).all()):
            raise ValueError(f"{name}: a feature weight is not a finite number")
        self.rows: NDArray[np.float64] = rows[order]

    def sums(self, messages: Sequence[Sequence[str | None]]) -> NDArray[np.float64]:
        """One row per message: the sum of the rows of its features, each counted once.

        A message's features are its words (numbers as :data:`NUMBER`) and adjacent pairs,
        the first word paired with :data:`START`; ``None`` stands for a word that is no
        feature and makes no pair with its neighbours. Words and pairs the table does not
        hold add nothing.
        """
        count = len(messages)
        lengths = np.fromiter(map(len, messages), dtype=np.intp, count=count)
        current = np.fromiter(
            map(_WORD_KEYS.__getitem__, chain.from_iterable(messages)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        previous = np.empty_like(current)
        previous[1:] = current[:-1]
        starts = np.cumsum(lengths) - lengths
        previous[starts[lengths > 0]] = _WORD_KEYS[START]
        owner = np.repeat(np.arange(count), lengths)
        # every word, then every pair; sorted, so the search walks the keys once
        wanted = np.concatenate([current, _pair_keys(previous, current)])
        owners = np.concatenate([owner, owner])
        gaps = current == _GAP
        if gaps.any():
            words = ~gaps
            kept = np.concatenate([words, words & (previous != _GAP)])
            wanted, owners = wanted[kept], owners[kept]
        order = np.argsort(wanted)
        wanted = wanted[order]
        keys = self.keys
        found = np.minimum(np.searchsorted(keys, wanted), max(0, len(keys) - 1))
        hit = keys[found] == wanted if len(keys) else np.zeros(len(wanted), bool)
        # a feature counts once per message: (feature, message) codes, sorted, then unique
        codes = found[hit] * count + owners[order[hit]]
        codes.sort()
        if len(codes) > 1:
            codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
        feature, message = np.divmod(codes, max(1, count))
        rows = self.rows[feature]
        columns = self.rows.shape[1]
        sums = np.empty((count, columns), dtype=np.float64)
        for column in range(columns):
            sums[:, column] = np.bincount(message, weights=rows[:, column], minlength=count)
        return sums


def with_residual(
    reading: float, residual: float, *, work: bool, work_share: float, general_share: float
) -> float:
    """A reading (turned already, for work talk) with its ``residual``: for work talk
    ``work_share`` of it, :func:`calibrated`; for other text ``general_share`` of it, and
    only when the reading is not neutral."""
    if work:
        return calibrated(reading + work_share * residual)
    if reading == 0.0:
        return reading
    return max(-1.0, min(1.0, reading + general_share * residual))


@dataclass(frozen=True, slots=True)
class RereadModel:
    """A second reading of work talk: four linear models over a message's
    :func:`chat_features`, fitted by ``python -m nudges.signals.training``.

    * ``work``: whether the message is workplace chat, fitted on labelled workplace chat
      against general text (review and editorial sentences from the public corpora in
      ``../shared/data``, and our own non-work chat in ``tests/data/general_chat/``). A fan
      who "can't wait" for the finale means it; a colleague who "can't wait" for the third
      reorg this year often does not: people rated a fifth of the messages our rules read
      as positive in the workplace sets negative, and one in a hundred in the tweets corpus;
    * ``irony``: whether people read a message the pipeline reads as positive as negative
      ("love finding out about the team offsite from someone else's calendar invite",
      "there are 3 of us doing the work of 8 and everyone keeps acting like that's fine");
    * ``plain``: whether people read a message the pipeline reads as negative as no
      complaint at all ("we need to kill the second concept", "the villain needs a better
      death scream"): work talk full of words that are bad news elsewhere;
    * ``residual``: how far people's rating of a work message lies from the pipeline's
      reading (a ridge regression on the rating divided by 3 minus the reading, with the
      reading and its sign as three more inputs): what the rules systematically over- or
      under-read in work talk ("the build is green again" is more relief than the words
      say; "per my last message" is colder). A feature's residual weight depends on the
      sign of the reading: "again" after praise is irony, after a complaint it is more of
      the same.

    Irony and plain are fitted on the workplace and general messages the pipeline reads
    that way; the residual on all of them. Work talk is a message whose work score is above
    0 (the bias holds the cut training chose). Its reading is turned when the reading's own
    score is above 0 too; the message then reads as people rated such messages on average
    (:attr:`irony_valence`, :attr:`plain_valence`). Then a share of the residual is added,
    and the sum (a predicted rating) becomes a score through :func:`calibrated`, as it does
    for a message a little below the cut (:attr:`work_margin`), which is not turned. Other
    text keeps its reading, plus a smaller share of the residual where the rules read a
    feeling. The rules' own sarcasm test (sentiment.py) reads cue words; this model reads
    what writers' whole messages taught it.
    """

    work_bias: float
    irony_bias: float
    plain_bias: float
    irony_valence: float
    plain_valence: float
    residual_bias: float
    residual_reading: float
    """Residual weight of the reading itself (-1..+1)."""
    residual_positive: float
    """Residual weight of a positive reading."""
    residual_negative: float
    """Residual weight of a negative reading."""
    work_share: float
    """The share of the residual added to work talk."""
    general_share: float
    """The share of the residual added to a feeling read in other text."""
    work_margin: float
    """How far below the work test's cut (0) a message's work score may lie and still get
    :attr:`work_share` of the residual, as work talk: a message just below the cut is
    mostly work talk too, but a turn needs the cut itself (training sets this looser cut
    where a larger share of general text passes)."""
    weights: Mapping[str, tuple[float, float, float, float, float, float]]
    """feature -> (work weight, irony weight, plain weight, residual weight when the reading
    is positive, when it is negative, when it is neutral)."""
    _table: FeatureTable = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        features = list(self.weights)
        weights = [self.weights[feature] for feature in features]
        object.__setattr__(self, "_table", FeatureTable(REREAD_FILE, features, weights, 6))

    def __reduce__(self) -> tuple[type[RereadModel], tuple[object, ...]]:
        """Pickle the weights, not the keys: the keys are hashes of this process, and the
        process that unpickles rebuilds its own (``nlp.pipe(n_process=...)`` pickles the
        pipeline)."""
        return (
            type(self),
            (
                self.work_bias,
                self.irony_bias,
                self.plain_bias,
                self.irony_valence,
                self.plain_valence,
                self.residual_bias,
                self.residual_reading,
                self.residual_positive,
                self.residual_negative,
                self.work_share,
                self.general_share,
                self.work_margin,
                dict(self.weights),
            ),
        )

    def totals_many(self, messages: Sequence[Sequence[str]]) -> NDArray[np.float64]:
        """The work, irony and plain sums of each message's :func:`chat_features` (its
        lower-case words) and its three residual sums (for a positive, negative and neutral
        reading), biases included, one row of six per message; the residual's reading terms
        are not (:meth:`residual`)."""
        sums = self._table.sums(messages)
        residual = self.residual_bias
        biases = (self.work_bias, self.irony_bias, self.plain_bias, residual, residual, residual)
        sums += np.array(biases, dtype=np.float64)
        return sums

    def totals(self, lowers: Sequence[str]) -> tuple[float, ...]:
        """:meth:`totals_many` of one message."""
        return tuple(self.totals_many([lowers])[0].tolist())

    def residual(self, reading: float, totals: Sequence[float]) -> float:
        """The residual of a message with these :meth:`totals` that the pipeline reads as
        ``reading``: the residual sum for the reading's sign, plus the reading terms."""
        total = totals[3] if reading > 0.0 else totals[4] if reading < 0.0 else totals[5]
        return total + reading_terms(
            reading, self.residual_reading, self.residual_positive, self.residual_negative
        )

    def valence(self, lowers: Sequence[str], value: float) -> float:
        """:meth:`valence_many` of one message."""
        return self.valence_many([lowers], [value])[0]

    def valence_many(
        self, messages: Sequence[Sequence[str]], values: Sequence[float]
    ) -> list[float]:
        """The valence of each message (its lower-case words) the pipeline reads as the
        matching ``value``. Work talk: the turned reading's (or ``value``) plus
        :attr:`work_share` of the residual, :func:`calibrated`; a message whose work score
        lies within :attr:`work_margin` below the cut is read the same way, but not turned.
        Other text: ``value`` plus :attr:`general_share` of the residual, or 0 when
        ``value`` is 0 (the residual weighs a feeling the rules read; it does not find one
        in text they read as neutral)."""
        found: list[float] = []
        for totals, value in zip(self.totals_many(messages).tolist(), values, strict=True):
            work, irony, plain = totals[:3]
            if work > 0.0:
                if value > 0.0 and irony > 0.0:
                    value = self.irony_valence
                elif value < 0.0 and plain > 0.0:
                    value = self.plain_valence
            found.append(
                with_residual(
                    value,
                    self.residual(value, totals),
                    work=work > -self.work_margin,
                    work_share=self.work_share,
                    general_share=self.general_share,
                )
            )
        return found

    def to_json(self, *, trained_on: Mapping[str, object]) -> str:
        """The model file's text: one feature per line, sorted, four decimals."""
        return _model_json(
            "nudges.signals reread model; fitted by nudges.signals.training",
            trained_on,
            {
                "work_bias": round(self.work_bias, 4),
                "irony_bias": round(self.irony_bias, 4),
                "plain_bias": round(self.plain_bias, 4),
                "irony_valence": round(self.irony_valence, 4),
                "plain_valence": round(self.plain_valence, 4),
                "residual_bias": round(self.residual_bias, 4),
                "residual_reading": round(self.residual_reading, 4),
                "residual_positive": round(self.residual_positive, 4),
                "residual_negative": round(self.residual_negative, 4),
                "work_share": self.work_share,
                "general_share": self.general_share,
                "work_margin": round(self.work_margin, 4),
            },
            {feature: [round(w, 4) for w in row] for feature, row in self.weights.items()},
        )

    @classmethod
    def from_json(cls, text: str) -> RereadModel:
        """Read a model file (raises ``ValueError`` naming what is wrong)."""
        body = json.loads(text)
        try:
            weights: dict[str, tuple[float, float, float, float, float, float]] = {}
            for feature, (work, irony, plain, positive, negative, neutral) in body[
                "weights"
            ].items():
                weights[str(feature)] = (
                    float(work),
                    float(irony),
                    float(plain),
                    float(positive),
                    float(negative),
                    float(neutral),
                )
            model = cls(
                work_bias=float(body["work_bias"]),
                irony_bias=float(body["irony_bias"]),
                plain_bias=float(body["plain_bias"]),
                irony_valence=float(body["irony_valence"]),
                plain_valence=float(body["plain_valence"]),
                residual_bias=float(body["residual_bias"]),
                residual_reading=float(body["residual_reading"]),
                residual_positive=float(body["residual_positive"]),
                residual_negative=float(body["residual_negative"]),
                work_share=float(body["work_share"]),
                general_share=float(body["general_share"]),
                work_margin=float(body["work_margin"]),
                weights=weights,
            )
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise ValueError(f"{REREAD_FILE} is not a reread model: {error!r}") from None
        numbers = (
            model.work_bias,
            model.irony_bias,
            model.plain_bias,
            model.residual_bias,
            model.residual_reading,
            model.residual_positive,
            model.residual_negative,
            model.work_margin,
        )
        if not all(math.isfinite(number) for number in numbers):
            raise ValueError(
                f"{REREAD_FILE}: a bias, reading weight or work margin is not a finite number"
            )
        if not -1.0 <= model.irony_valence <= 0.0 or not -0.5 <= model.plain_valence <= 1.0:
            raise ValueError(
                f"{REREAD_FILE}: an ironic message must score -1..0 and a plain one -0.5..1"
            )
        if not (0.0 <= model.work_share <= 1.0 and 0.0 <= model.general_share <= 1.0):
            raise ValueError(f"{REREAD_FILE}: a residual share must be 0..1")
        if model.work_margin < 0.0:
            raise ValueError(f"{REREAD_FILE}: the work margin must not be negative")
        return model


def load_reread_model() -> RereadModel | None:
    """The shipped reread model, or None when the file is absent (the rules then decide)."""
    text = _shipped(REREAD_FILE)
    return None if text is None else RereadModel.from_json(text)
