"""The pipeline's tokenizer: clean the chat markup, then split it the way VADER reads words.

Registered as ``nudges.ChatTokenizer.v1`` so the pipeline is described by config alone:
``spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "nudges.ChatTokenizer.v1"}}})``.

A token is a word as written, contractions and hyphenated compounds included ("don't",
"i'm", "stress-free", "re-org"), a number ("4.8", "10:15"), a link, a mention ("@user"),
one punctuation mark, or one emoji. A chunk between spaces that is an emoticon from VADER's
lexicon (":-/", "D:") or a Slack shortcode (":party_blob:") stays whole, as in VADER's own
whitespace split; "[pic]:" is not an emoticon. A hashtag is split from its word, so
"#awful" still reads as "awful".

spaCy's rule-based English tokenizer would split contractions and compounds into pieces
the rules would have to glue back, and it costs as much per message as all of VADER; one
regular expression and a ``Doc`` built from the word list cost a third of that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from nudges.signals.cleaning import Cleaner
from nudges.signals.resources import load, vader_emoticons

_SHORTCODE = re.compile(r":[a-z0-9_+'\-]+:")
_PIECES = re.compile(
    r"https?://\S+|www\.\S+"  # a link
    r"|\d+(?:[.,:/]\d+)+"  # a number with separators: 4.8, 10:15, 1,204, 10/10
    r"|@?\w+(?:'\w+)*(?:-\w+(?:'\w+)*)*"  # a word, contraction, compound or mention
    r"|[^\w\s]"  # one punctuation mark or emoji
)
_PIECES_WITH_SPACE = re.compile(f"({_PIECES.pattern})( ?)")
_TRAILING = ",.!?;:"
_COMMON_MARKS = ",.'?!-@#"
_CAPITALS = re.compile(r"[A-Z][A-Z]")
CAPITALS_KEY = "nudges.signals.capitals"
"""``doc.user_data`` key: whether the text has two capitals in a row (else no word is in
ALL CAPS, and the sentiment component can skip VADER's capitals rule)."""
LOWERS_KEY = "nudges.signals.lowers"
"""``doc.user_data`` key: the lower-case form of every token, as strings. The components
read these instead of iterating the Doc: a ``Token`` object per word costs more than the
rules that read it."""


def lower_words(doc: Doc) -> list[str]:
    """``[token.lower_ for token in doc]``, as the tokenizer recorded it when it can."""
    lowers = doc.user_data.get(LOWERS_KEY)
    if isinstance(lowers, list) and len(lowers) == len(doc):
        return lowers
    return [token.lower_ for token in doc]


def key_word(words: Sequence[str]) -> str:
    """The word of a phrase least likely to be in any message: the longest word that is
    not a stop word (spaCy's English list) or a contraction.

    A matcher needs every word of a phrase, so a message holding none of its phrases' key
    words cannot match, and a set test can stand in for running the matcher.
    """
    rare = [word for word in words if word not in STOP_WORDS and "'" not in word]
    return max(rare or words, key=len)


class ChatTokenizer:
    """Callable ``text -> Doc``: :class:`~nudges.signals.cleaning.Cleaner`, then the split."""

    def __init__(self, vocab: Vocab, cleaner: Cleaner, emoticons: frozenset[str]) -> None:
        self.vocab = vocab
        self.cleaner = cleaner
        self.emoticons = emoticons
        self._maybe_whole = _maybe_whole(emoticons)

    def __call__(self, text: str) -> Doc:
        """Tokenize the readable text of one Slack or Teams message."""
        return self.split(self.cleaner(text))

    def split(self, text: str) -> Doc:
        """Tokenize text that is already clean (one space between chunks)."""
        doc = self._split(text)
        doc.user_data[CAPITALS_KEY] = _CAPITALS.search(text) is not None
        return doc

    def _doc(self, words: list[str], spaces: list[bool]) -> Doc:
        doc = Doc(self.vocab, words=words, spaces=spaces)
        doc.user_data[LOWERS_KEY] = [word.lower() for word in words]
        return doc

    def _split(self, text: str) -> Doc:
        if self._maybe_whole.search(text) is None:
            # No chunk to keep whole: one pass of the expression over the whole text.
            pairs = _PIECES_WITH_SPACE.findall(text)
            return self._doc([word for word, _ in pairs], [bool(space) for _, space in pairs])
        chunks = text.split(" ")
        emoticons = self.emoticons
        if (
            emoticons.isdisjoint(chunks)
            and emoticons.isdisjoint([chunk.rstrip(_TRAILING) for chunk in chunks])
            and _SHORTCODE.search(text) is None
        ):
            # No chunk to keep whole: one pass of the expression over the whole text.
            pairs = _PIECES_WITH_SPACE.findall(text)
            return self._doc([word for word, _ in pairs], [bool(space) for _, space in pairs])
        return self._split_chunks(chunks)

    def _split_chunks(self, chunks: list[str]) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        emoticons = self.emoticons
        for chunk in chunks:
            if not chunk:
                continue
            if chunk in emoticons or (chunk[0] == ":" and _SHORTCODE.fullmatch(chunk)):
                words.append(chunk)
            elif chunk[-1] in _TRAILING and chunk.rstrip(_TRAILING) in emoticons:
                stem = chunk.rstrip(_TRAILING)
                words.append(stem)
                words.extend(chunk[len(stem) :])
            else:
                words.extend(_PIECES.findall(chunk))
            spaces.extend([False] * (len(words) - len(spaces)))
            if spaces:
                spaces[-1] = True
        if spaces:
            spaces[-1] = False
        return self._doc(words, spaces)


def _maybe_whole(emoticons: frozenset[str]) -> re.Pattern[str]:
    """A quick test that finds every text holding a chunk to keep whole (and a few more).

    An emoticon the expression would split ("D:", ":-/") holds a mark that plain prose
    rarely uses (":", ";", "(", "=", ...), or is one of a few made of letters, dots and
    dashes only ("o.O", "v.v"); a shortcode holds ":". Texts without any of these, most of
    them, skip the chunk-by-chunk checks.
    """
    special = [emoticon for emoticon in emoticons if _PIECES.findall(emoticon) != [emoticon]]
    common = set(_COMMON_MARKS)
    rare = sorted({c for e in special for c in e if not c.isalnum() and c not in common} | {":"})
    plain = sorted({e for e in special if not any(c in rare for c in e)}, key=len, reverse=True)
    parts = ["[" + re.escape("".join(rare)) + "]", *(re.escape(e) for e in plain)]
    return re.compile("|".join(parts))


def create_chat_tokenizer() -> Callable[[Language], ChatTokenizer]:
    """Factory for the registry: builds the tokenizer for a given ``nlp``."""

    def make(nlp: Language) -> ChatTokenizer:
        emoticons = frozenset(
            form
            for emoticon in vader_emoticons()
            for form in (emoticon, emoticon.lower(), emoticon.upper())
        )
        return ChatTokenizer(nlp.vocab, Cleaner(load().shortcodes), emoticons)

    return make


registry.tokenizers.register("nudges.ChatTokenizer.v1", func=create_chat_tokenizer)
