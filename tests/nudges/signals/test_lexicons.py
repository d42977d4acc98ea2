"""The lexicon data files load, are documented, and match the tokenizer that reads text."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from spacy.language import Language

from nudges.signals import build_pipeline
from nudges.signals.resources import expand, load, vader_lexicon

LEXICONS = Path(resources.files("nudges.signals").joinpath("lexicons").__fspath__())


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


def test_expand_grammar() -> None:
    assert expand("{kill|killed} [the|a] pod") == [
        "kill a pod",
        "kill pod",
        "kill the pod",
        "killed a pod",
        "killed pod",
        "killed the pod",
    ]
    assert expand("lgtm") == ["lgtm"]


def test_everything_loads() -> None:
    lexicons = load()

    assert len(lexicons.words) > 8000
    assert lexicons.words["swamped"] == -1.4
    assert lexicons.words["great"] == 3.1  # VADER's, read from the installed package
    assert lexicons.shortcodes["tada"] == "🎉"
    assert lexicons.shortcodes["skin-tone-3"] == ""
    assert {rule.label for rule in lexicons.distress} == {"explicit", "strong", "weak", "topic"}
    assert {rule.label.removeprefix("-") for rule in lexicons.themes} == {
        "workload",
        "fatigue",
        "recognition",
        "conflict",
        "uncertainty",
        "isolation",
        "blocked",
        "growth",
        "after_hours",
    }


def test_vader_data_is_read_from_its_package_not_copied() -> None:
    assert len(vader_lexicon()) > 7000
    assert not any("vader" in path.name for path in LEXICONS.iterdir())


def test_the_readme_describes_every_data_file() -> None:
    readme = (LEXICONS / "README.md").read_text("utf-8")
    data_files = sorted(path.name for path in LEXICONS.iterdir() if path.name != "README.md")

    assert data_files == [
        "distress.jsonl",
        "emoji.tsv",
        "idiom_patterns.jsonl",
        "idioms.tsv",
        "modifiers.tsv",
        "reread_model.json",
        "sarcasm.jsonl",
        "shortcodes.tsv",
        "themes.jsonl",
        "themes_model.json",
        "valence_model.json",
        "words.tsv",
    ]
    assert [name for name in data_files if f"`{name}`" not in readme] == []


def _tokens(nlp: Language, text: str) -> list[str]:
    return [token.lower_ for token in nlp.make_doc(text)]


def test_phrases_tokenize_as_they_would_inside_a_message(nlp: Language) -> None:
    # A phrase only matches when the tokenizer splits it the same way in running text.
    lexicons = load()
    phrases = {idiom.phrase for idiom in lexicons.idioms if idiom.phrase}
    phrases |= {rule.phrase for rule in (*lexicons.themes, *lexicons.sarcasm, *lexicons.distress)}
    phrases.discard("")

    broken = [
        phrase
        for phrase in sorted(phrases)
        if _tokens(nlp, f"so {phrase} then")[1:-1] != _tokens(nlp, phrase)
    ]

    assert broken == []


def test_every_emoji_entry_is_one_token(nlp: Language) -> None:
    emoji = [
        line.split("\t")[0]
        for line in (LEXICONS / "emoji.tsv").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]

    assert len(emoji) > 400
    assert [item for item in emoji if len(_tokens(nlp, item)) != 1] == []


def test_every_shortcode_becomes_one_emoji_token(nlp: Language) -> None:
    shortcodes = {name: emoji for name, emoji in load().shortcodes.items() if emoji}

    assert [
        name for name in shortcodes if _tokens(nlp, f"x :{name}: y") != ["x", shortcodes[name], "y"]
    ] == []
