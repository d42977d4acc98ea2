"""Rule-based valence of one chat message, read the way a colleague would read it.

The base is the rule set of VADER (Hutto & Gilbert, ICWSM 2014) over its human-rated
lexicon, implemented here on spaCy tokens: a word's valence is raised or lowered by degree
adverbs ("very", "kind of"), emphasised when written in capitals among lower-case words,
flipped and dampened by a negator up to three words before it, weighted 0.5 before and 1.5
after "but", and the sum, plus emphasis from "!" and "?", is squashed into -1..+1 by
``x / sqrt(x^2 + 15)``.

On top of that (each rule is named where it is applied; the numbers are in
:class:`Tuning`):

* idioms are read as one unit with their own valence ("crushed it", "burned out",
  "drowning in"), some with a context test ("on fire" is praise for a person and an
  incident for a system; "kill the pod" is routine);
* negation stops at the end of its clause ("not sure, but great" keeps "great"), never
  turns an emoji or a laugh around, and a negated word is at most moderately strong;
* sarcasm: praise said of a bad situation ("great, prod is down again") or next to an irony
  marker (🙃) counts as its opposite;
* a short quote is a word mentioned, not used ("got 'looks good' both times"), and next to
  praise a scare quote ("great, another 'quick' call");
* laughter softens a complaint instead of turning it into praise;
* acknowledgements that open a message ("ok, will look") count for little;
* a question or a condition asserts less than a statement ("is it good?", "if it breaks");
* a stretched word counts as the word, a little emphasised ("sooo gooood");
* a neutral band: a message whose evidence is weaker than one mildly positive word reads
  as neutral, as people rate routine chat.

Where these rules find no feeling at all, the sentiment component (components.py) asks the
learned valence model (model.py) about the words the rules do not rate; see
:meth:`SentimentScorer.unrated`.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from nudges.signals.resources import Idiom, Resources
from nudges.signals.tokenizer import CAPITALS_KEY, key_word, lower_words

DESPAIR_KEY = "nudges.signals.despair"
"""``doc.user_data`` key: True when a despair idiom (idioms.tsv, kind ``despair``) was read
("tired of being alive"): the learned reread never softens such a message."""

NEGATION_SCALAR = -0.74
"""A negated word keeps 74% of its strength with the opposite sign (paper, sec. 3.2)."""
CAPS_INCREMENT = 0.733
"""ALL-CAPS emphasis among lower-case words adds this much intensity (paper)."""
NORMALISATION_ALPHA = 15.0
"""``x / sqrt(x^2 + alpha)``: alpha approximates the largest expected sum (paper)."""
EXCLAMATION_INCREMENT = 0.292
EXCLAMATION_MAX = 4
QUESTION_INCREMENT = 0.18
QUESTION_MAX = 0.96
CONTRAST_BEFORE = 0.5
CONTRAST_AFTER = 1.5

BOOSTER_INCREMENT = 0.293
"""What a degree adverb adds (paper); also what stretching a word ("gooood") adds."""

_STRETCH = re.compile(r"([a-z])\1{2,}")
_REPEAT = re.compile(r"([a-z])\1+")
_CACHE_LIMIT = 50_000
_QUOTES = frozenset(('"', "'", "“", "”", "‘", "’"))
_QUOTED_MAX = 4
"""A quote of at most this many words is a word mentioned, not used ("a 'quick' call")."""
_CLAUSE_PUNCTUATION = (",", ".", ";", ":", "!", "?", "...", "…", "—", "–", "(", ")")

# What a token can be, as bit flags in its table entry.
_BREAK = 1 << 0
_ACK = 1 << 1
_LAUGHTER = 1 << 2
_EXPRESSIVE = 1 << 3
_CONTRAST = 1 << 4
_CONCESSION = 1 << 5
_AMPLIFIER = 1 << 6
_NO = 1 << 7
_NEVER = 1 << 8
_LEAST = 1 << 9
_AT_VERY = 1 << 10
_SO_THIS = 1 << 11
_WITHOUT = 1 << 12
_DOUBT = 1 << 13
_OR_NOR = 1 << 14
_FIRE = 1 << 15
_LAUGHING = 1 << 16

_Entry = tuple[float | None, float, float, int]
"""A token's role: (valence or None, booster increment, negation factor, flags)."""
_PLAIN: _Entry = (None, 0.0, 0.0, 0)


@dataclass(frozen=True, slots=True)
class Tuning:
    """The numeric choices of our rules on top of VADER's (see the module docstring)."""

    neutral_band: float = 0.35
    """A sum weaker than this (on the -4..+4 word scale) reads as neutral: a lone "ok" or
    routine word is not an expressed feeling. VADER's own threshold sits at 0.19."""
    negated_max: float = 1.5
    """A negated word is at most this strong: "not great" is mildly bad, not terrible."""
    laughter_softening: float = 0.7
    """A complaint with "lol" keeps this share of its negativity; the laugh adds nothing."""
    sarcasm_scalar: float = NEGATION_SCALAR
    """Irony inverts a positive word the way a negator does."""
    concession_weight: float = 0.5
    """Words after "though"/"although" in their clause count half."""
    question_weight: float = 0.5
    """Words in a clause that ends with "?" count half: a question asks, it does not say."""
    condition_weight: float = 0.5
    """Words after "if"/"unless" in their clause count this much: a condition, not a fact."""
    clause_bounded_negation: bool = True
    """Negation stops at the end of its clause (VADER lets it run over commas)."""


class _EntryCache(dict[str, "_Entry | None"]):
    """Table entries by lower-case token: the table's, and what unseen words turned out
    to be (``entry(word)``), at most :data:`_CACHE_LIMIT` of those before it starts afresh.

    A dict whose ``__missing__`` fills it lets a message's tokens be looked up in one
    ``map`` over the dict's own ``__getitem__``.
    """

    def __init__(self, table: Mapping[str, _Entry], entry: Callable[[str], _Entry | None]):
        super().__init__(table)
        self._table = table
        self._compute = entry

    def __missing__(self, word: str) -> _Entry | None:
        if len(self) > len(self._table) + _CACHE_LIMIT:
            self.clear()
            self.update(self._table)
        entry = self[word] = self._compute(word)
        return entry


class SentimentScorer:
    """Scores spaCy Docs; built once per pipeline.

    The rules work on token positions. Every token that can matter (a rated word, a
    modifier, a clause break, ...) has an entry in one table keyed by its lower-case
    string id, so reading a message costs one dictionary look-up per token; the rules
    then only visit the few tokens that have an entry. The tables are read-only once
    built; a bounded cache remembers what unseen words turned out to be, so calls must
    not overlap (the public API serialises them).
    """

    def __init__(
        self,
        vocab: Vocab,
        resources: Resources,
        make_doc: Callable[[str], Doc],
        *,
        tuning: Tuning | None = None,
    ) -> None:
        self.tuning = tuning or Tuning()
        self.bad_news: Callable[[Sequence[str | None]], bool] | None = None
        """Whether words the rules do not rate say something bad (the learned valence
        model's reading, set by the pipeline component); ``None``: the rules alone."""
        add = vocab.strings.add
        kinds = resources.modifiers
        table: dict[str, list[float | int | None]] = {}

        def row(term: str) -> list[float | int | None]:
            return table.setdefault(term, [None, 0.0, 0.0, 0])

        # A word rated 0 has no sentiment and must not stop the rules' windows.
        for word, value in resources.words.items():
            if value:
                row(word)[0] = value
                if not word.isascii():
                    row(word)[3] = int(row(word)[3] or 0) | _EXPRESSIVE
        for term, weight in kinds.get("booster", {}).items():
            row(term)[1] = weight
        for term, weight in kinds.get("negator", {}).items():
            row(term)[2] = weight
        flags = {
            "ack": _ACK,
            "laughter": _LAUGHTER | _LAUGHING | _EXPRESSIVE,
            "contrast": _CONTRAST,
            "concession": _CONCESSION,
            "amplifier": _AMPLIFIER,
        }
        for kind, flag in flags.items():
            for term in kinds.get(kind, {}):
                row(term)[3] = int(row(term)[3] or 0) | flag
        words_with_flags = {
            _NO: ("no",),
            _NEVER: ("never",),
            _LEAST: ("least",),
            _AT_VERY: ("at", "very"),
            _SO_THIS: ("so", "this"),
            _WITHOUT: ("without",),
            _DOUBT: ("doubt",),
            _OR_NOR: ("or", "nor"),
            _FIRE: ("🔥",),
            _LAUGHING: ("💀",),
            _BREAK: _CLAUSE_PUNCTUATION,
        }
        for flag, terms in words_with_flags.items():
            for term in terms:
                row(term)[3] = int(row(term)[3] or 0) | flag
        self._table: dict[str, _Entry] = {
            key: (
                None if entry[0] is None else float(entry[0]),
                float(entry[1] or 0.0),
                float(entry[2] or 0.0),
                int(entry[3] or 0),
            )
            for key, entry in table.items()
        }
        self._cache = _EntryCache(self._table, self._entry)

        def keys_of(kind: str) -> frozenset[str]:
            return frozenset(kinds.get(kind, {}))

        self._acks = dict(kinds.get("ack", {}))
        self._amplifiers = dict(kinds.get("amplifier", {}))
        self._persons = keys_of("person")
        self._tech = keys_of("tech_noun")
        self._illness = keys_of("illness_cue")
        self._slang = keys_of("slang_cue")
        self._words_by_text = {word: value for word, value in resources.words.items() if value}
        self._exclamation = "!"
        self._question = "?"
        self._conditionals = frozenset(("if", "unless", "whether"))

        self._idioms: dict[int, Idiom] = {}
        self._idiom_matcher = PhraseMatcher(vocab, attr="LOWER")
        self._pattern_matcher = Matcher(vocab)
        for index, idiom in enumerate(resources.idioms):
            key = f"idiom-{index}"
            self._idioms[add(key)] = idiom
            if idiom.pattern:
                self._pattern_matcher.add(key, [[dict(token) for token in idiom.pattern]])
            else:
                self._idiom_matcher.add(key, [make_doc(idiom.phrase)])
        # The token Matcher is far slower than the PhraseMatcher: run it only on messages
        # holding a word one of its patterns starts with.
        self._pattern_triggers = frozenset(
            word
            for idiom in resources.idioms
            if idiom.pattern
            for word in _first_words(idiom.pattern[0])
        )

        self._sarcasm_matcher = PhraseMatcher(vocab, attr="LOWER")
        phrases: dict[str, list[Doc]] = {}
        for rule in resources.sarcasm:
            phrases.setdefault(rule.label, []).append(make_doc(rule.phrase))
        for label, docs in phrases.items():
            self._sarcasm_matcher.add(label, docs)
        # A key word of every marker and event: without one of them (or a negative word,
        # a negated one or a scare quote) a message cannot be sarcastic, and the matcher
        # need not run. A repeat ("again") only counts where something is negative.
        self._sarcasm_cues = frozenset(
            key_word(lower_words(doc))
            for label in ("marker", "event")
            for doc in phrases.get(label, [])
        )
        # With a reader of bad news (below), praise framing plain words can be sarcastic
        # too, so a key word of a frame or an opener also lets the matcher run.
        self._praise_cues = frozenset(
            key_word(lower_words(doc))
            for label in ("frame", "opener")
            for doc in phrases.get(label, [])
        )
        # Irony needs a marker, or praise framing a situation: a message holding no key
        # word of either cannot be sarcastic, whatever else it holds.
        self._irony_cues = frozenset(
            key_word(lower_words(doc))
            for label in ("marker", "frame", "opener")
            for doc in phrases.get(label, [])
        )
        self._clause_marks = frozenset(
            term for kind in ("contrast", "concession") for term in kinds.get(kind, {})
        )
        self._amplifier_keys = frozenset(self._amplifiers)
        self._marker, self._frame, self._opener, self._event, self._repeat, self._resolution = (
            add(label) for label in ("marker", "frame", "opener", "event", "repeat", "resolution")
        )

    # -- reading the tokens ------------------------------------------------------------

    def _entry(self, text: str) -> _Entry | None:
        """The table entry of an unknown lower-case token: a contracted negation
        ("shouldn't've"), a stretched word ("gooood") or nothing."""
        if text.endswith("n't"):
            return (None, 0.0, NEGATION_SCALAR, 0)
        if len(text) > 3 and text.isalpha() and _STRETCH.search(text):
            for form in (_STRETCH.sub(r"\1\1", text), _REPEAT.sub(r"\1", text)):
                found = self._words_by_text.get(form)
                if found:
                    boost = BOOSTER_INCREMENT if found > 0 else -BOOSTER_INCREMENT
                    return (found + boost, 0.0, 0.0, 0)
        return None

    def unrated(self, lowers: Sequence[str]) -> list[str | None]:
        """Each token, or None where the rules have an entry for it (a rated word, a
        modifier, a clause break): what the valence model (model.py) may read."""
        cache = self._cache
        return [None if cache[lower] is not None else lower for lower in lowers]

    def _read(self, doc: Doc) -> tuple[list[str], dict[int, _Entry], list[tuple[int, int, Idiom]]]:
        """Lower-case tokens, the entries of the tokens that matter, and the rule idioms."""
        lowers = lower_words(doc)
        entries = enumerate(map(self._cache.__getitem__, lowers))
        found = {position: entry for position, entry in entries if entry is not None}
        rules: list[tuple[int, int, Idiom]] = []
        for start, end, idiom in self._idiom_spans(doc, lowers):
            for position in range(start + 1, end):
                found.pop(position, None)
            kind = idiom.kind
            if kind == "rule":
                rules.append((start, end, idiom))
                found[start] = _PLAIN
            elif kind == "valence" or kind == "despair":
                found[start] = (idiom.value or None, 0.0, 0.0, 0)
                if kind == "despair":
                    doc.user_data[DESPAIR_KEY] = True
            elif kind == "booster":
                found[start] = (None, idiom.value, 0.0, 0)
            else:
                found[start] = (None, 0.0, idiom.value, 0)
        return lowers, found, rules

    def _idiom_spans(self, doc: Doc, lowers: Sequence[str]) -> list[tuple[int, int, Idiom]]:
        matches = self._idiom_matcher(doc)
        if not self._pattern_triggers.isdisjoint(lowers):
            matches.extend(self._pattern_matcher(doc))
        if not matches:
            return []
        # Longest first, then leftmost; an idiom never overlaps another one.
        matches.sort(key=lambda match: (match[1] - match[2], match[1]))
        taken: set[int] = set()
        spans: list[tuple[int, int, Idiom]] = []
        for match_id, start, end in matches:
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                spans.append((start, end, self._idioms[match_id]))
        return spans

    # -- context rules -----------------------------------------------------------------

    @staticmethod
    def _before(found: Mapping[int, _Entry], position: int, window: int) -> range:
        start = position
        while (
            start > 0 and position - start < window and not found.get(start - 1, _PLAIN)[3] & _BREAK
        ):
            start -= 1
        return range(start, position)

    @staticmethod
    def _after(found: Mapping[int, _Entry], end: int, count: int, window: int) -> range:
        stop = end
        while stop < count and stop - end < window and not found.get(stop, _PLAIN)[3] & _BREAK:
            stop += 1
        return range(end, stop)

    def _resolve_rules(
        self,
        lowers: Sequence[str],
        found: dict[int, _Entry],
        rules: Sequence[tuple[int, int, Idiom]],
    ) -> None:
        """Give each context-dependent idiom its value (rule names: see idioms.tsv)."""
        count = len(lowers)
        for start, end, idiom in rules:
            name = idiom.rule
            before = self._before(found, start, 3)
            if name == "person_subject":
                holds = any(lowers[j] in self._persons for j in before)
            elif name == "tech_object":
                holds = any(lowers[j] in self._tech for j in self._after(found, end, count, 4))
            elif name == "tech_subject":
                holds = any(lowers[j] in self._tech for j in before)
            elif name == "positive_object":
                holds = any(
                    (found.get(j, _PLAIN)[0] or 0.0) > 0 and not found.get(j, _PLAIN)[3] & _LAUGHING
                    for j in self._after(found, end, count, 3)
                )
            elif name == "slang":
                near = [*self._before(found, start, 2)]
                ill = any(lowers[j] in self._persons or lowers[j] in self._illness for j in near)
                after = self._after(found, end, count, 2)
                ill = ill or any(lowers[j] in self._illness for j in after)
                opens = start == 0 or not near or lowers[start - 1] in self._slang
                holds = opens and not ill
            elif name == "laughing":
                holds = any(entry[3] & _LAUGHING for entry in found.values())
            else:
                holds = False
            value = idiom.value if holds else idiom.alternative
            found[start] = (value or None, 0.0, 0.0, 0)
            if name == "person_subject" and not holds:
                # "🔥 prod is on fire": the emoji means the incident, not praise
                for position, entry in list(found.items()):
                    if entry[3] & _FIRE and entry[0]:
                        found[position] = (-abs(entry[0]), *entry[1:])

    def _negated(self, found: Mapping[int, _Entry], position: int) -> bool:
        return any(
            found.get(j, _PLAIN)[2] or found.get(j, _PLAIN)[3] & _NO
            for j in self._before(found, position, 3)
        )

    def _may_be_sarcastic(
        self,
        lowers: Sequence[str],
        found: Mapping[int, _Entry],
        valued: Sequence[int],
        quoted: Sequence[int],
    ) -> bool:
        """Cheap test before the matcher: praise plus something that could turn it."""
        if self._irony_cues.isdisjoint(lowers):
            return False
        values = [found[position][0] or 0.0 for position in valued]
        if not any(value > 0 for value in values):
            return False
        return (
            any(value < 0 for value in values)
            or bool(quoted)
            or not self._sarcasm_cues.isdisjoint(lowers)
            or (self.bad_news is not None and not self._praise_cues.isdisjoint(lowers))
            or any(entry[2] or entry[3] & _NO for entry in found.values())
        )

    def _is_sarcastic(
        self, doc: Doc, lowers: Sequence[str], found: dict[int, _Entry], quoted: Sequence[int]
    ) -> bool:
        """Praise said of a bad situation ("great, prod is down again"), or irony marked.

        The praise is a frame ("love that ...", "thrilled to be ...") or an evaluation
        that opens the message ("great, ...") or closes it alone ("..., amazing"). The
        situation is what the praise is about: the rest of a frame's clause (or the next
        clause), what follows an opening, what precedes a closing. It is bad when nothing
        good is said of it and its words add up to something clearly negative, or to
        nothing good while it names a work annoyance (another approval, a reorg, "in a
        row"), or to something negative while it names a recurrence ("again").
        """
        matches = self._sarcasm_matcher(doc)
        if not matches:
            return False
        spans: dict[int, list[tuple[int, int]]] = {}
        for label, start, end in matches:
            spans.setdefault(label, []).append((start, end))
        if self._marker in spans:
            return True
        if self._resolution in spans:
            return False
        count = len(lowers)
        breaks = sorted(position for position, entry in found.items() if entry[3] & _BREAK)
        while breaks and all(p in breaks for p in range(breaks[-1], count)):
            count = breaks.pop()  # trailing punctuation does not open a clause

        def clause(position: int) -> int:
            return bisect_right(breaks, position)

        def clause_range(index: int) -> range:
            start = breaks[index - 1] + 1 if index > 0 else 0
            end = breaks[index] if index < len(breaks) else count
            return range(start, end)

        last = clause(count - 1)
        praise = {
            position
            for label in (self._frame, self._opener)
            for start, end in spans.get(label, [])
            for position in range(start, end)
        }
        situations: list[range] = []
        for start, end in spans.get(self._frame, []):
            home = clause(start)
            own = clause_range(home)
            stop = (
                own.stop if end < own.stop or home >= len(breaks) else clause_range(home + 1).stop
            )
            # "Butler won! I love it when Florida loses": sincere joy said elsewhere
            elsewhere = sum(
                entry[0]
                for position, entry in found.items()
                if entry[0] is not None
                and entry[0] > 0
                and clause(position) != home
                and position not in praise
                and not entry[3] & _EXPRESSIVE
            )
            if elsewhere < 1.0:
                situations.append(range(end, stop))
        # Praise alone in the first or last clause frames the rest; when both ends have
        # it, each is part of the irony, not of the situation ("oh good, ... fantastic").
        framing: set[int] = set()
        for start, end in spans.get(self._opener, []):
            home = clause(start)
            own = clause_range(home)
            if start == 0 and last > home and len(own) <= max(4, end - start + 1):
                situations.append(range(own.stop, count))
                framing.update(range(start, end))
            elif home == last > 0 and len(own) <= end - start + 1:
                situations.append(range(0, own.start))
                framing.update(range(start, end))
        events = [start for start, _ in spans.get(self._event, [])]
        events.extend(quoted)  # "another 'quick' call": a scare quote
        repeats = [start for start, _ in spans.get(self._repeat, [])]
        return any(
            self._bad_situation(found, situation, events, repeats, framing)
            or self._bad_news(lowers, found, situation, framing)
            for situation in situations
        )

    def _bad_news(
        self,
        lowers: Sequence[str],
        found: Mapping[int, _Entry],
        situation: range,
        framing: Set[int],
    ) -> bool:
        """Whether a situation with no good word in it is bad news in plain words, as the
        learned valence model reads them ("love how the cms logs me out every time")."""
        if self.bad_news is None:
            return False
        if any((found.get(p, _PLAIN)[0] or 0.0) > 0 for p in situation if p not in framing):
            return False
        return self.bad_news([None if p in found else lowers[p] for p in situation])

    def _bad_situation(
        self,
        found: Mapping[int, _Entry],
        situation: range,
        events: Sequence[int],
        repeats: Sequence[int],
        framing: Set[int],
    ) -> bool:
        """Whether the words of ``situation`` say something bad; the ``framing`` praise
        at the other end is no part of it ("oh good, they spelled it wrong. fantastic")."""
        total = 0.0
        good = 0.0
        for position in situation:
            if position in framing:
                continue
            value, _boost, _negator, flags = found.get(position, _PLAIN)
            if value is None or flags & _EXPRESSIVE:
                continue
            if self._negated(found, position):
                value = -value
            total += value
            if value > 0:
                good += value
        if good >= 1.0 or total > 0:
            return False
        if total <= -1.0 or any(position in situation for position in events):
            return True
        return total < 0 and any(position in situation for position in repeats)

    # -- scoring -----------------------------------------------------------------------

    def raw(self, doc: Doc) -> float:
        """The unsquashed sum of valences (VADER's -4..+4 word scale), before the band."""
        return self._score(doc)[0]

    def _score(self, doc: Doc) -> tuple[float, list[str]]:
        lowers, found, rules = self._read(doc)
        if rules:
            self._resolve_rules(lowers, found, rules)
        quoted = _quoted(lowers) if not _QUOTES.isdisjoint(lowers) else []
        for position in quoted:
            found.pop(position, None)
        valued = sorted([position for position, entry in found.items() if entry[0] is not None])
        if not valued:
            return 0.0, lowers
        tuning = self.tuning
        if self._may_be_sarcastic(lowers, found, valued, quoted) and self._is_sarcastic(
            doc, lowers, found, quoted
        ):
            for position in valued:
                value, boost, negator, flags = found[position]
                if value is not None and value > 0 and not flags & _LAUGHING:
                    found[position] = (value * tuning.sarcasm_scalar, boost, negator, flags)
        first = found.get(0)
        alone = len(lowers) == 1 or found.get(1, _PLAIN)[3] & _BREAK
        if first and first[3] & _ACK and first[0] is not None and alone:
            # "ok, will look": a turn in the conversation, not a feeling
            found[0] = (first[0] * self._acks[lowers[0]], *first[1:])
        capitals = self._capitals(doc, found, valued)
        sentiments: list[float] = []
        positions: list[int] = []
        bounded = tuning.clause_bounded_negation
        for i in valued:
            value, boost, _negator, flags = found[i]
            if value is None:
                continue
            following = found.get(i + 1)
            if boost and following is not None and following[0] is not None:
                continue  # "super clean": a degree word here, not a feeling of its own
            if flags & _NO and following is not None and following[0] is not None:
                continue  # "no" as a determiner ("no problems"): the next word carries it
            expressive = flags & _EXPRESSIVE
            if capitals and i in capitals:
                value += CAPS_INCREMENT if value > 0 else -CAPS_INCREMENT
            for distance in (1, 2, 3):
                j = i - distance
                if j < 0:
                    break
                entry = found.get(j)
                if entry is None:
                    continue
                j_value, scalar, negator, j_flags = entry
                if j_flags & _BREAK:
                    if bounded:
                        break
                    continue
                if (
                    j_flags & _NO
                    and not expressive
                    and (distance < 3 or found.get(i - 1, _PLAIN)[3] & _OR_NOR)
                ):
                    value = self._negate(value, NEGATION_SCALAR)  # "no good", "no ... or ..."
                    continue
                if j_value is not None and not scalar:
                    continue
                if scalar:
                    if value < 0:
                        scalar = -scalar
                    if capitals and j in capitals:
                        scalar += CAPS_INCREMENT if value > 0 else -CAPS_INCREMENT
                    if distance == 2:
                        scalar *= 0.95
                    elif distance == 3:
                        scalar *= 0.9
                    value += scalar
                if negator and not expressive:
                    value = self._negate(value, self._negation_factor(found, i, j, negator))
            if (
                i > 0
                and found.get(i - 1, _PLAIN)[3] & _LEAST
                and (i == 1 or not found.get(i - 2, _PLAIN)[3] & _AT_VERY)
            ):
                value = self._negate(value, NEGATION_SCALAR)  # "least favourite"
            sentiments.append(value)
            positions.append(i)
        if not sentiments:
            return 0.0, lowers
        if not self._clause_marks.isdisjoint(lowers):
            self._weigh_clauses(found, len(lowers), sentiments, positions)
        if self._question in lowers or not self._conditionals.isdisjoint(lowers):
            self._weigh_moods(lowers, found, sentiments, positions)
        laughs = others = 0.0
        for value, position in zip(sentiments, positions, strict=True):
            if found[position][3] & _LAUGHTER:
                laughs += value
            else:
                others += value
        # "this bug is killing me lol": laughter softens a complaint, it adds no praise
        total = others * tuning.laughter_softening if others < 0 < laughs else others + laughs
        if total and not self._amplifier_keys.isdisjoint(lowers):
            for position, entry in found.items():
                if entry[3] & _AMPLIFIER:  # "down again": recurrence, like "!"
                    weight = self._amplifiers.get(lowers[position], 0.0)
                    total += weight if total > 0 else -weight
                    break
        return total, lowers

    @staticmethod
    def _capitals(doc: Doc, found: Mapping[int, _Entry], valued: Sequence[int]) -> set[int]:
        """Positions in ALL CAPS, when some but not all words are (VADER's emphasis)."""
        if not doc.user_data.get(CAPITALS_KEY, True):
            return set()
        if not any(doc[position].is_upper for position in valued):
            boosters = [p for p, entry in found.items() if entry[1]]
            if not any(doc[position].is_upper for position in boosters):
                return set()
        rows = doc.to_array(["IS_UPPER", "IS_PUNCT"]).tolist()
        words = [index for index, (_upper, punct) in enumerate(rows) if not punct]
        upper = {index for index in words if rows[index][0]}
        return upper if 0 < len(upper) < len(words) else set()

    def _negate(self, value: float, factor: float) -> float:
        negated = value * factor
        if factor < 0:
            limit = self.tuning.negated_max
            negated = max(-limit, min(limit, negated))
        return negated

    @staticmethod
    def _negation_factor(found: Mapping[int, _Entry], i: int, j: int, negator: float) -> float:
        flags = found.get(j, _PLAIN)[3]
        between = [found.get(k, _PLAIN)[3] for k in range(j + 1, i)]
        if flags & _NEVER and any(flag & _SO_THIS for flag in between):
            return 1.25  # "never so good": emphasis, not negation
        if flags & _WITHOUT and any(flag & _DOUBT for flag in between):
            return 1.0  # "without a doubt"
        return negator

    def _weigh_moods(
        self,
        lowers: Sequence[str],
        found: Mapping[int, _Entry],
        sentiments: list[float],
        positions: list[int],
    ) -> None:
        """Questions and conditions assert less: "is it good?", "if it breaks again"."""
        count = len(lowers)
        tuning = self.tuning
        for n, position in enumerate(positions):
            start = end = position
            while end + 1 < count and not found.get(end + 1, _PLAIN)[3] & _BREAK:
                end += 1
            while start > 0 and not found.get(start - 1, _PLAIN)[3] & _BREAK:
                start -= 1
            if end + 1 < count and lowers[end + 1] == self._question:
                sentiments[n] *= tuning.question_weight
            if any(lowers[j] in self._conditionals for j in range(start, position)):
                sentiments[n] *= tuning.condition_weight

    def _weigh_clauses(
        self, found: Mapping[int, _Entry], count: int, sentiments: list[float], positions: list[int]
    ) -> None:
        """ "X but Y": X counts half, Y one and a half; "though Z": Z counts less."""
        marks = sorted(
            (p, entry[3]) for p, entry in found.items() if entry[3] & (_CONTRAST | _CONCESSION)
        )
        contrast = next((p for p, flags in marks if flags & _CONTRAST), -1)
        if contrast >= 0:
            for n, position in enumerate(positions):
                if position < contrast:
                    sentiments[n] *= CONTRAST_BEFORE
                elif position > contrast:
                    sentiments[n] *= CONTRAST_AFTER
        for mark, flags in marks:
            if not flags & _CONCESSION or found.get(mark + 1, _PLAIN)[3] & _BREAK:
                continue
            end = mark + 1
            while end < count and not found.get(end, _PLAIN)[3] & _BREAK:
                end += 1
            for n, position in enumerate(positions):
                if mark < position < end:
                    sentiments[n] *= self.tuning.concession_weight

    def __call__(self, doc: Doc) -> float:
        """The valence of ``doc`` in -1..+1."""
        total, lowers = self._score(doc)
        if abs(total) < self.tuning.neutral_band:
            return 0.0
        emphasis = min(lowers.count(self._exclamation), EXCLAMATION_MAX) * EXCLAMATION_INCREMENT
        questions = lowers.count(self._question)
        if questions > 1:
            emphasis += QUESTION_INCREMENT * questions if questions <= 3 else QUESTION_MAX
        total += emphasis if total > 0 else -emphasis
        return squash(total)


def _first_words(token: Mapping[str, object]) -> list[str]:
    """The lower-case words a Matcher token pattern can start with."""
    lower = token.get("LOWER")
    if isinstance(lower, str):
        return [lower]
    if isinstance(lower, Mapping) and isinstance(lower.get("IN"), list):
        return [str(word) for word in lower["IN"]]
    raise ValueError(f"an idiom pattern must start with a LOWER word or list: {token!r}")


def _quoted(lowers: Sequence[str]) -> list[int]:
    """Positions inside short quotes: ``"quick call"``, ``'urgent'``, “fine”.

    Quoted words are mentioned, not used: their valence is somebody else's ("got 'looks
    good' both times"), and in chat a short quote around a word is mostly a scare quote.
    Quotes pair up in order; an apostrophe inside a word is part of the word.
    """
    marks = [position for position, lower in enumerate(lowers) if lower in _QUOTES]
    inside: list[int] = []
    for opening, closing in zip(marks[::2], marks[1::2], strict=False):
        if 0 < closing - opening - 1 <= _QUOTED_MAX:
            inside.extend(range(opening + 1, closing))
    return inside


def squash(total: float) -> float:
    """``x / sqrt(x^2 + alpha)``, clipped to -1..+1 (Hutto & Gilbert 2014)."""
    value = total / math.sqrt(total * total + NORMALISATION_ALPHA)
    return max(-1.0, min(1.0, value))
