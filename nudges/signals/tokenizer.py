"""The pipeline's tokenizer: clean the chat markup, then split it the way VADER reads words.

Registered as ``nudges.ChatTokenizer.v1`` so the pipeline is described by config alone:
``spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "nudges.ChatTokenizer.v1"}}})``.

A token is a word as written, contractions and hyphenated compounds included ("don't",
"i'm", "stress-free", "re-org"), a number ("4.8", "10:15"), a link, a mention ("@user"),
one punctuation mark, or one emoji. A chunk between spaces that is an emoticon from VADER's
lexicon (":-/", "D:") or a Slack shortcode (":party_blob:") stays whole, as in VADER's own
whitespace split; "[pic]:" is not an emoticon. A hashtag is split from its word, so
"#awful" still reads as "awful".

The split is spaCy's own :class:`~spacy.tokenizer.Tokenizer` with chat rules instead of
English ones: English rules would split contractions and compounds into pieces the rules
would have to glue back. A chunk between spaces is one token when it is an emoticon or a
shortcode (``token_match``); marks after an emoticon come off one by one
(``suffix_search``); any other chunk is cut where one piece of :data:`PIECES` ends and the
next begins (``infix_finditer``, with empty matches: cut points, not tokens). spaCy keeps
the pieces of the chunks it has split (up to :data:`CACHE_SIZE` of them), so a word seen
before costs one hash look-up and no Python at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from nudges.signals.cleaning import Cleaner
from nudges.signals.resources import load, vader_emoticons

_SHORTCODE = re.compile(r":[a-z0-9_+'\-]+:")
PIECES = re.compile(
    r"https?://\S+|www\.\S+"  # a link
    r"|\d+(?:[.,:/]\d+)+"  # a number with separators: 4.8, 10:15, 1,204, 10/10
    r"|@?\w+(?:'\w+)*(?:-\w+(?:'\w+)*)*"  # a word, contraction, compound or mention
    r"|[^\w\s]"  # one punctuation mark or emoji
)
"""The pieces of a chunk between spaces that is not kept whole: every character of it is
in exactly one piece."""
_TRAILING = ",.!?;:"
_LAST = re.compile(r".\Z", re.DOTALL)
_CUT = re.compile("")
CACHE_SIZE = 100_000
"""Distinct chunks whose split spaCy keeps (spaCy's default is 10,000): the words of a
team's chat, and far below the vocabulary's own bound (``VOCABULARY_LIMIT``)."""
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
        self._splitter = Tokenizer(
            vocab,
            suffix_search=self._trailing_mark,
            infix_finditer=self._cuts,
            token_match=self._whole,
            max_cache_size=CACHE_SIZE,
        )
        self._chunk_lowers: dict[str, tuple[str, ...]] = {}
        """Chunk between spaces -> the lower-case forms of its tokens (see :meth:`_lowers`)."""

    def __call__(self, text: str) -> Doc:
        """Tokenize the readable text of one Slack or Teams message."""
        return self._split(self.cleaner(text), clean=True)

    def split(self, text: str) -> Doc:
        """Tokenize text without cleaning it (text with other whitespace than single spaces
        between chunks is read token by token)."""
        return self._split(text, clean=text.split() == text.split(" "))

    def _split(self, text: str, *, clean: bool) -> Doc:
        """Tokenize ``text``; ``clean``: it is chunks between single spaces and has no
        other whitespace (what the cleaner returns), so its chunks are spaCy's."""
        doc: Doc = self._splitter(text)
        lowers = self._lowers(text) if clean else [token.lower_ for token in doc]
        if len(lowers) != len(doc):  # cannot happen; the components would misread words
            lowers = [token.lower_ for token in doc]
        doc.user_data[LOWERS_KEY] = lowers
        doc.user_data[CAPITALS_KEY] = _CAPITALS.search(text) is not None
        return doc

    def _lowers(self, text: str) -> list[str]:
        """The lower-case form of every token of ``text``, chunk by chunk from
        :attr:`_chunk_lowers` (a ``Token`` object per word costs more than the look-up);
        a chunk not seen before is split by spaCy alone, as it is within the text."""
        cache = self._chunk_lowers
        chunks = text.split(" ")
        try:
            return [lower for chunk in chunks for lower in cache[chunk]]
        except KeyError:
            if len(cache) > CACHE_SIZE:
                cache.clear()
            for chunk in chunks:
                if chunk not in cache:
                    cache[chunk] = tuple(token.lower_ for token in self._splitter(chunk))
            return [lower for chunk in chunks for lower in cache[chunk]]

    def _whole(self, chunk: str) -> bool:
        """An emoticon or a shortcode stays one token."""
        return chunk in self.emoticons or (
            chunk[:1] == ":" and _SHORTCODE.fullmatch(chunk) is not None
        )

    def _trailing_mark(self, chunk: str) -> re.Match[str] | None:
        """The last mark of an emoticon followed by marks (":-/," is ":-/" and ",")."""
        if chunk[-1] in _TRAILING and chunk.rstrip(_TRAILING) in self.emoticons:
            return _LAST.search(chunk)
        return None

    @staticmethod
    def _cuts(chunk: str) -> list[re.Match[str]]:
        """Empty matches where one piece of the chunk ends and the next begins."""
        ends = [piece.end() for piece in PIECES.finditer(chunk)]
        return [cut for end in ends[:-1] if (cut := _CUT.match(chunk, end)) is not None]


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
