"""High-precision detection of acute distress or self-harm language in one message.

The flag is only ever used to offer the author, privately, the support resources HR
configured; it is never aggregated, stored or shown to anyone else. Precision comes
first: ordinary workplace hyperbole ("this bug is killing me", "kill the job", "I'm dead
lol", "dying to see it") must never be flagged, so the rules are phrases that name
self-harm or despair outright, and even those are set aside when the message is plainly
joking (laughter, 💀, "jk") or, for the weaker phrases, when the words are about a work
object ("can't go on like this with the flaky e2e suite"). A phrase inside a ``topic``
phrase is the subject of a document or a report ("the suicide exclusion in the policy",
"the statement references self-harm"), not the author speaking of themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from nudges.signals.resources import MatchRule
from nudges.signals.tokenizer import key_word, lower_words

_JOKES = (
    "lol",
    "lmao",
    "lmfao",
    "rofl",
    "haha",
    "hahaha",
    "hehe",
    "jk",
    "j/k",
    "/s",
    "😂",
    "🤣",
    "💀",
    "😆",
    "😅",
    "🙃",
    "😜",
    "😝",
)
# Words that, right after a weaker phrase, point it at a thing rather than at oneself.
_OBJECT_MARKERS = ("with", "until", "because", "over", "about", "into", "on", "for")
_THINGS = (
    "the",
    "this",
    "that",
    "these",
    "those",
    "our",
    "a",
    "an",
    "it",
    "how",
    "what",
    "them",
    "him",
    "being",
    "having",
    "doing",
    "people",
    "everyone",
    "all",
)


class DistressDetector:
    """Decides whether a Doc contains acute distress language; read-only once built."""

    def __init__(
        self, vocab: Vocab, rules: Iterable[MatchRule], make_doc: Callable[[str], Doc]
    ) -> None:
        self._matcher = PhraseMatcher(vocab, attr="LOWER")
        grouped: dict[str, list[Doc]] = {}
        keys: set[str] = set()
        for rule in rules:
            if rule.label not in {"explicit", "strong", "weak", "topic"} or not rule.phrase:
                raise ValueError(f"distress.jsonl: unknown rule {rule.label!r}")
            phrase = make_doc(rule.phrase)
            grouped.setdefault(rule.label, []).append(phrase)
            if rule.label != "topic":  # a topic only matters where another phrase matched
                keys.add(key_word(lower_words(phrase)))
        self.keys = frozenset(keys)
        """One word of every phrase (:func:`~nudges.signals.tokenizer.key_word`): a message
        holding none of them cannot match, so about half of all chat is answered by one set
        test, not the matcher."""
        for label, docs in grouped.items():
            self._matcher.add(label, docs)
        add = vocab.strings.add
        self._explicit = add("explicit")
        self._weak = add("weak")
        self._topic = add("topic")
        self._if = add("if")
        self._than = add("than")
        self._jokes = frozenset(add(word) for word in _JOKES)
        self._object_markers = frozenset(add(word) for word in _OBJECT_MARKERS)
        self._things = frozenset(add(word) for word in _THINGS)

    def __call__(self, doc: Doc) -> bool:
        """Whether ``doc`` should lead to a private offer of support."""
        if self.keys.isdisjoint(lower_words(doc)):
            return False
        matches = self._matcher(doc)
        if not matches:
            return False
        if any(token.lower in self._jokes for token in doc):
            return False
        topics = [(start, end) for label, start, end in matches if label == self._topic]
        weak = 0
        for label, start, end in matches:
            if label == self._topic or any(
                t_start <= start and end <= t_end for t_start, t_end in topics
            ):
                continue  # "the suicide exclusion wording": the subject of a document
            if label == self._explicit:
                if not self._conditional(doc, end):
                    return True
            elif label == self._weak:
                weak += 1
            elif not self._about_a_thing(doc, end):
                return True
        return weak >= 2

    def _conditional(self, doc: Doc, end: int) -> bool:
        """ "I'll kill myself if this meeting runs over", "I'd rather jump off a bridge than
        sit through that": a hyperbolic threat or comparison, not intent."""
        if any(token.lower == self._if for token in doc[end : end + 2]):
            return True
        return any(token.lower == self._than for token in doc[end : end + 3])

    def _about_a_thing(self, doc: Doc, end: int) -> bool:
        """ "can't go on like this with the flaky suite": the phrase is about an object."""
        window = doc[end : end + 4]
        for index, token in enumerate(window):
            if token.is_punct:
                return False
            if token.lower in self._object_markers and index + 1 < len(window):
                return window[index + 1].lower in self._things
        return False
