"""The public API: contracts, the spaCy pipeline behind it, threads and hostile input."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nudges.signals as signals
from nudges.signals import (
    MAX_CHARS,
    THEMES,
    MessageSignals,
    analyze,
    analyze_many,
    build_pipeline,
    score,
    score_many,
)
from nudges.signals.evaluation import load_workplace_set
from nudges.signals.tokenizer import LOWERS_KEY, PIECES, ChatTokenizer

DEV_SET = Path(__file__).parents[2] / "data" / "workplace_chat.jsonl"


def test_score_and_analyze_agree() -> None:
    text = "<@U1> absolutely crushed it on the migration, zero downtime :tada:"

    result = analyze(text)

    assert result == MessageSignals(
        sentiment=score(text), themes=frozenset({"recognition"}), distress=False
    )
    assert result.sentiment > 0.5


def test_many_keeps_order_and_length() -> None:
    texts = ["great work", "", "prod is down again", "standup at 10"] * 200

    scores = score_many(texts)
    results = analyze_many(iter(texts))

    assert len(scores) == len(texts)
    assert scores == [result.sentiment for result in results]
    assert scores[:4] == [score(text) for text in texts[:4]]


def test_empty_inputs() -> None:
    assert score_many([]) == []
    assert analyze_many([]) == []
    assert analyze("") == MessageSignals(sentiment=0.0, themes=frozenset(), distress=False)


def test_pipeline_is_made_of_registered_components() -> None:
    nlp = build_pipeline()

    doc = nlp("thanks for jumping on that escalation last night, you nailed it")

    assert nlp.pipe_names == ["nudges_distress", "nudges_sentiment", "nudges_themes"]
    assert nlp.config["nlp"]["tokenizer"] == {"@tokenizers": "nudges.ChatTokenizer.v1"}
    assert doc._.valence > 0.5
    assert doc._.themes == frozenset({"recognition", "after_hours"})
    assert doc._.distress is False


def test_the_tokenizer_keeps_emoticons_shortcodes_and_contractions_whole() -> None:
    nlp = build_pipeline()

    doc = nlp.make_doc("I don't like it :( but :party_blob: #awful <@U1>'s stress-free fix🔥")

    assert [token.text for token in doc] == [
        "I",
        "don't",
        "like",
        "it",
        ":(",
        "but",
        ":party_blob:",
        "#",
        "awful",
        "@user's",
        "stress-free",
        "fix",
        "🔥",
    ]


def test_the_pipeline_is_rebuilt_when_its_vocabulary_grows_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = score("great work")
    first = signals._current()
    monkeypatch.setattr(signals, "VOCABULARY_LIMIT", 1)

    after = score("great work")

    assert signals._current() is not first
    assert after == before


def test_scoring_from_several_threads_matches_one_thread() -> None:
    texts = [row.text for row in load_workplace_set(DEV_SET)]
    expected = analyze_many(texts)
    results: dict[int, list[MessageSignals]] = {}

    def work(number: int) -> None:
        shifted = texts[number * 37 :] + texts[: number * 37]
        outcome = analyze_many(shifted)
        results[number] = outcome[len(texts) - number * 37 :] + outcome[: len(texts) - number * 37]

    threads = [threading.Thread(target=work, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == list(range(6))
    assert all(outcome == expected for outcome in results.values())


def test_score_many_from_several_threads_matches_one_thread() -> None:
    texts = [row.text for row in load_workplace_set(DEV_SET)] * 2
    expected = score_many(texts)
    results: list[list[float]] = []

    threads = [threading.Thread(target=lambda: results.append(score_many(texts))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [expected] * 4


def _nested(depth: int) -> str:
    return "<blockquote><p><b>" * depth + "great" + "</b></p></blockquote>" * depth


HOSTILE = st.one_of(
    st.text(max_size=400),
    st.binary(max_size=400).map(lambda raw: raw.decode("utf-8", errors="surrogateescape")),
    st.binary(max_size=400).map(lambda raw: raw.decode("latin-1")),
    st.text(alphabet="<>@#!|:`*_~&;/\\\"' \n\u200b\u200d\u202e\u2066\ufeffab😂🔥", max_size=400),
    st.integers(min_value=0, max_value=3000).map(_nested),
    st.sampled_from(
        [
            "<" * 5000,
            "```" * 3000 + "x",
            ":" * 10_000,
            "\u200b" * 10_000,
            "\u202e" + "dlrow olleh" * 500,
            "<@U1|" * 3000,
            "&#x" * 5000,
            "\x00" * 1000,
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=HOSTILE)
def test_hostile_input_returns_a_number_and_never_raises(text: str) -> None:
    value = score(text)
    result = analyze(text)

    assert isinstance(value, float)
    assert -1.0 <= value <= 1.0
    assert result.sentiment == value
    assert result.themes <= THEMES
    assert isinstance(result.distress, bool)


def _reference_split(tokenizer: ChatTokenizer, clean: str) -> list[str]:
    """The tokenizer's rule written plainly, chunk by chunk (see tokenizer.py)."""
    words: list[str] = []
    for chunk in clean.split():
        stem = chunk.rstrip(",.!?;:")
        if tokenizer._whole(chunk):
            words.append(chunk)
        elif stem != chunk and stem in tokenizer.emoticons:
            words.extend([stem, *chunk[len(stem) :]])
        else:
            words.extend(PIECES.findall(chunk))
    return words


_CHUNKS = st.sampled_from(
    ["great", "ship", "it", "D:", "D:,", ":-/", ":-/.", "o.O", "v.v", ":)", ":)):", "<3",
     "10:15", "12:30pm", "4.8/5", "a@b.com", "prod,", "(fyi)", ":party_blob:", ":party_blob:.",
     "xD", "well...", "re-org'd", "don't", "#win", "@user", "🎉", ":/", "=)", "👍🏽!"]
)  # fmt: skip
CHAT_LIKE = st.text(
    alphabet="ab I'-:;()/.,!?@#_+=<>DPpO0129 😂🔥\u00a0\u2028\t\n", max_size=80
) | st.lists(_CHUNKS, min_size=1, max_size=8).map(" ".join)


@functools.cache
def _tokenizer() -> ChatTokenizer:
    tokenizer = build_pipeline().tokenizer
    assert isinstance(tokenizer, ChatTokenizer)
    return tokenizer


@settings(max_examples=300, deadline=None)
@given(text=CHAT_LIKE)
def test_the_tokenizer_splits_by_its_rule_and_single_spaces_only(text: str) -> None:
    tokenizer = _tokenizer()
    clean = tokenizer.cleaner(text)

    doc = tokenizer.split(clean)

    assert clean == " ".join(clean.split())
    assert [token.text for token in doc] == _reference_split(tokenizer, clean)
    assert doc.text == clean
    assert doc.user_data[LOWERS_KEY] == [token.lower_ for token in doc]


def test_huge_input_is_read_up_to_the_limit() -> None:
    text = "this is great. " * 20_000  # 300 kB

    value = score(text)

    assert len(text) > MAX_CHARS
    assert 0.5 < value <= 1.0  # read as clearly positive, not cut to nothing


def test_non_text_input_is_tolerated() -> None:
    assert score(None) == 0.0  # type: ignore[arg-type]
    assert score(b"great work") == score("great work")  # type: ignore[arg-type]
