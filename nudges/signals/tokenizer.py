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
from collections.abc import Callable

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
_CAPITALS = re.compile(r"[A-Z][A-Z]")
CAPITALS_KEY = "nudges.signals.capitals"
"""``doc.user_data`` key: whether the text has two capitals in a row (else no word is in
ALL CAPS, and the sentiment component can skip VADER's capitals rule)."""


class ChatTokenizer:
    """Callable ``text -> Doc``: :class:`~nudges.signals.cleaning.Cleaner`, then the split."""

    def __init__(self, vocab: Vocab, cleaner: Cleaner, emoticons: frozenset[str]) -> None:
        self.vocab = vocab
        self.cleaner = cleaner
        self.emoticons = emoticons

    def __call__(self, text: str) -> Doc:
        """Tokenize the readable text of one Slack or Teams message."""
        return self.split(self.cleaner(text))

    def split(self, text: str) -> Doc:
        """Tokenize text that is already clean (one space between chunks)."""
        doc = self._split(text)
        doc.user_data[CAPITALS_KEY] = _CAPITALS.search(text) is not None
        return doc

    def _split(self, text: str) -> Doc:
        chunks = text.split(" ")
        emoticons = self.emoticons
        if (
            emoticons.isdisjoint(chunks)
            and emoticons.isdisjoint([chunk.rstrip(_TRAILING) for chunk in chunks])
            and _SHORTCODE.search(text) is None
        ):
            # No chunk to keep whole: one pass of the expression over the whole text.
            pairs = _PIECES_WITH_SPACE.findall(text)
            return Doc(
                self.vocab,
                words=[word for word, _ in pairs],
                spaces=[bool(space) for _, space in pairs],
            )
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
        return Doc(self.vocab, words=words, spaces=spaces)


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
