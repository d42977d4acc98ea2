"""Slack mrkdwn and Teams HTML become the text a reader sees; nothing raises."""

from __future__ import annotations

import pytest

from nudges.signals.cleaning import CHANNEL, MAX_CHARS, MENTION, Cleaner, coerce
from nudges.signals.resources import load


@pytest.fixture(scope="module")
def clean() -> Cleaner:
    return Cleaner(load().shortcodes)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<@U02ABCD1234> nice work", f"{MENTION} nice work"),
        ("<@U02ABCD1234|dana> nice work", f"{MENTION} nice work"),
        ("<@U03XYZ9876>'s review", f"{MENTION}'s review"),
        ("updates in <#C0123ABCD|deploys>", f"updates in {CHANNEL}"),
        ("<!here> standup moved", f"{MENTION} standup moved"),
        ("PR: <https://git.example.com/pull/482|#482>", "PR: #482"),
        ("runbook <https://wiki.example.com/oncall|on-call runbook>", "runbook on-call runbook"),
        ("see <https://example.com/a?b=1>", "see"),
        ("mail <mailto:a@example.com|Ann>", "mail Ann"),
    ],
)
def test_slack_entities(clean: Cleaner, raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("deploying `billing-api` v2.1 now", "deploying v2.1 now"),
        ("```\nkubectl rollout status deploy/web\n```\nrollout running", "rollout running"),
        ("```python\nraise Exception('bad')``` all good", "all good"),
        ("```unclosed fence with `code`", "unclosed fence with"),
    ],
)
def test_code_is_dropped(clean: Cleaner, raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("&gt; can we drop node 16?\nyes, after the release", "yes, after the release"),
        ("> quoted line\nmy reply", "my reply"),
        ("&gt;&gt;&gt; everything quoted", ""),
        (">:( angry face stays", ">:( angry face stays"),
        ("<blockquote>their words</blockquote>my words", "my words"),
    ],
)
def test_quotes_are_dropped(clean: Cleaner, raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>Hi <at>Grace Liu</at>, thanks!</p>", f"Hi {MENTION}, thanks!"),
        ('<at id="0">Joy Hope</at> great job', f"{MENTION} great job"),
        ("<p><b>Kudos</b> to the team &amp; more</p><p>next</p>", "Kudos to the team & more next"),
        ("Agenda:<br>1. metrics<br/>2. hiring", "Agenda: 1. metrics 2. hiring"),
        ('ok <emoji id="smile" alt="🙂" title="Smile"></emoji>', "ok 🙂"),
        ('<img itemtype="http://schema.skype.com/Emoji" alt="😂" src="x">', "😂"),
        ("i &lt;3 this", "i <3 this"),
    ],
)
def test_teams_html(clean: Cleaner, raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ship it :tada:", "ship it 🎉"),
        ("nailed it :+1::skin-tone-3:", "nailed it 👍"),
        (":sob::heart:", "😭 ❤"),
        ("this is :fire:", "this is 🔥"),
        ("party :party_blob: time", "party :party_blob: time"),
        ("at 10:15:30 sharp", "at 10:15:30 sharp"),
        ("path a:this:b stays", "path a:this:b stays"),
        ("👍🏽 and ❤️", "👍 and ❤"),
    ],
)
def test_shortcodes_and_emoji_are_kept(clean: Cleaner, raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gr\u200beat job", "great job"),
        ("\u202egreat\u202c \u2066job\u2069", "great job"),
        ("\ufeffhello\u00adthere", "hellothere"),
        ("it\u2019s fine", "it's fine"),
        ("a\u00a0b\tc\n\nd", "a b c d"),
        ("nul\x00byte and \x07bell", "nul byte and bell"),
        ("lone \ud800 surrogate", "lone surrogate"),
        ("so many meetings \U0001f635\u200d\U0001f4ab", "so many meetings \U0001f635"),
        ("\U0001f9d1\u200d\U0001f4bb\u200d\u2764\ufe0f dev", "\U0001f9d1 dev"),
        ("\u0915\u094d\u200d\u0937", "\u0915\u094d\u0937"),
        ("_really_ *good* ~bad~ snake_case", "really good bad snake_case"),
    ],
)
def test_invisible_and_control_characters(clean: Cleaner, raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_coerce_accepts_anything() -> None:
    assert coerce(None) == ""
    assert coerce(b"caf\xc3\xa9 \xff") == "café \ufffd"
    assert coerce(42) == "42"
    assert len(coerce("x" * (MAX_CHARS + 10))) == MAX_CHARS


@pytest.mark.parametrize(
    "raw",
    [
        "*" * 100_000,
        "a" + "_" * 100_000,
        "<" * 100_000,
        "<@" * 50_000,
        "<blockquote>" * 10_000,
        "```" * 30_000,
        "<b>" * 30_000,
        ":a" * 50_000,
        "&" * 100_000,
        "`" + "a" * 100_000,
        "<div>" * 10_000 + "x" + "</div>" * 10_000,
        "<at>" * 20_000,
        "\u200b" * 100_000,
    ],
    ids=lambda raw: f"{raw[:6]!r}x{len(raw)}",
)
def test_hostile_markup_cleans_quickly_to_bounded_text(clean: Cleaner, raw: str) -> None:
    # Every step is linear; a quadratic one would make this test run for minutes.
    cleaned = clean(raw)

    assert len(cleaned) <= MAX_CHARS
