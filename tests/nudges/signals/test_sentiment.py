"""Valence reads workplace chat the way a colleague would.

Each case names the reading a person gives the message: positive, neutral or negative, with
VADER's thresholds (+0.05 / -0.05). The messages are written for these tests; the labelled
development set is checked as a whole in test_devset.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from nudges.signals import build_pipeline, score, score_many
from nudges.signals.components import SentimentComponent
from nudges.signals.evaluation import load_workplace_set as load
from nudges.signals.evaluation import score_class
from tests.nudges.signals.probes import NEAR_NEUTRAL

DATA = Path(__file__).resolve().parents[2] / "data"

READING = {1: "positive", 0: "neutral", -1: "negative"}


def reading(text: str) -> str:
    return READING[score_class(score(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("absolutely crushed it on the migration", "positive"),
        ("you nailed it, thank you", "positive"),
        ("we killed it at the demo", "positive"),
        ("this is :fire: ship it", "positive"),
        ("that demo was fire 🔥", "positive"),
        ("you're on fire today, 5 PRs merged", "positive"),
        ("prod is on fire, all hands in the incident channel", "negative"),
        ("🔥 prod is on fire, all hands please", "negative"),
        ("LGTM, great cleanup", "positive"),
        ("smooth sailing on the cutover", "positive"),
        ("out of the woods, error rate back to baseline", "positive"),
        ("honestly feeling pretty burned out", "negative"),
        ("completely swamped this week", "negative"),
        ("slammed with tickets since 8am", "negative"),
        ("i'm underwater on reviews, sorry for the delay", "negative"),
        ("drowning in jira tickets rn", "negative"),
        ("drowning in compliments on the new ui", "positive"),
        ("running on fumes, third night of pages", "negative"),
        ("the migration is dead in the water until legal signs off", "negative"),
        ("the launch went sideways", "negative"),
        ("a sick demo today", "positive"),
        ("i feel sick, logging off", "negative"),
        ("this meeting could've been an email", "negative"),
    ],
)
def test_workplace_idioms(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can someone kill the old cron job on box-7?", "neutral"),
        ("just kill the pod and let k8s reschedule it", "neutral"),
        ("killing the staging cluster tonight", "neutral"),
        ("terraform plan: 3 to add, 1 to destroy", "neutral"),
        ("deleted 4k lines of dead code", "neutral"),
        ("the error budget report goes out every monday", "neutral"),
        ("running the stress test now", "neutral"),
        ("the test suite died halfway, rerunning", "neutral"),
        ("i'll take the support rotation next week", "neutral"),
        ("rebased on main, merge conflicts resolved", "neutral"),
        ("blocking out 2-4pm for focus time", "neutral"),
        ("please submit expense reports by the 28th", "neutral"),
        ("can someone share the link to the roadmap doc?", "neutral"),
        ("the engagement survey is open until the 15th", "neutral"),
        ("ok, will look after lunch", "neutral"),
        ("ty, merged", "neutral"),
        ("lgtm", "neutral"),
        ("", "neutral"),
    ],
)
def test_routine_work_talk_is_neutral(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not bad at all for a first attempt", "positive"),
        ("can't complain, pretty quiet week", "positive"),
        ("no complaints, the handover docs were perfect", "positive"),
        ("not great, the rollback failed too", "negative"),
        ("i'm not happy with how this went", "negative"),
        ("never had a smoother deploy", "positive"),
        ("can't thank you enough", "positive"),
        ("no longer swamped now that the new hire ramped up", "positive"),
        ("not out of the woods yet, error rate is still spiking", "negative"),
        ("not sure, but the new flow is great", "positive"),
        ("what a week! shipped 3 features and nobody got paged 😄", "positive"),
    ],
)
def test_negation(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i love this team but i'm running on empty", "negative"),
        ("hard week but we got it done :muscle:", "positive"),
        ("the pay's fine but i haven't learned anything new in a year", "negative"),
        ("we were underwater in march, but the backlog is finally under control", "positive"),
        ("the offsite was great but i'm completely exhausted", "negative"),
    ],
)
def test_contrast(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("great, prod is down again", "negative"),
        ("love that the build broke for the 4th time today", "negative"),
        ("awesome, another reorg :upside_down_face:", "negative"),
        ("fantastic, the deadline moved up a week", "negative"),
        ("thrilled to be working my third weekend in a row 🎉", "negative"),
        ("nailed it, deployed to the wrong region 🙃", "negative"),
        ("oh wonderful, the staging db got wiped overnight", "negative"),
        ("perfect timing, the vpn dies right before the deadline", "negative"),
        ("so nice of the client to change the requirements the day before launch", "negative"),
        ("wow, only 47 unread threads after lunch, living the dream", "negative"),
        # sincere praise that mentions trouble stays praise
        ("great, the outage is fixed", "positive"),
        ("great job everyone, we shipped on time", "positive"),
        ("love that the new build is so fast", "positive"),
        ("Yay! Another good phone interview!", "positive"),
        # irony marked by a set phrase, a clown or an "oh" opener
        ("the vendor pushed the date again. love that for us", "negative"),
        ("so the sprint got cut by three days. cool cool cool", "negative"),
        ("i get to redo the deck from scratch 🤡", "negative"),
        ("ah yes, the classic friday afternoon hotfix", "negative"),
        ("oh good, the wiki is down and the runbook lives on the wiki", "negative"),
        ("love that for you, congrats on the promo!", "positive"),
        ("watching the release go out, so good!!", "positive"),
    ],
)
def test_sarcasm(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a short quote is a word mentioned, not used: its valence is somebody else's
        ('asked for feedback twice and got "looks good" both times', "neutral"),
        ("the 'quick' migration has been running since noon", "neutral"),
        # and, next to praise, a scare quote
        ('great, another "urgent" ticket from sales', "negative"),
        ("awesome, another 'quick sync' at 6pm", "negative"),
        # a longer quote is speech, read as usual
        ('she said "this is the best onboarding i have ever had", made my week', "positive"),
        # apostrophes inside words are not quotes
        ("we're done and it's great", "positive"),
    ],
)
def test_quoted_words(text: str, expected: str) -> None:
    # The rules' reading: where they find nothing, the learned valence model may still read
    # a complaint ("...got 'looks good' both times" is one), which test_valence_model covers.
    nlp = build_pipeline()
    doc = nlp(text)
    rules = cast(SentimentComponent, nlp.get_pipe("nudges_sentiment")).rules_valence(doc)
    assert READING[score_class(rules)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":tada:", "positive"),
        (":+1::skin-tone-3:", "positive"),
        (":sob: the tests are failing again", "negative"),
        (":face_palm: wrong environment", "negative"),
        ("🙌 great work everyone", "positive"),
        ("😩 this week won't end", "negative"),
        ("🎉🎉", "positive"),
        (":eyes: looking", "neutral"),
        ("lol i'm dead 💀 that gif", "positive"),
        ("the server died again :skull:", "negative"),
        ("<p>Congrats to <at>Aisha Khan</at> on 5 years with us! 🎉</p>", "positive"),
    ],
)
def test_shortcodes_and_emoji(text: str, expected: str) -> None:
    assert reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this bug is killing me lol", "negative"),
        ("i want to disappear into a cave until the release is out 😂", "negative"),
        ("i'm dying to see the demo!", "positive"),
        ("the laptop battery is dead, joining from my phone", "neutral"),
    ],
)
def test_hyperbole_and_laughter(text: str, expected: str) -> None:
    assert reading(text) == expected


def test_intensifiers_caps_and_exclamations_raise_intensity() -> None:
    plain, boosted, caps, shouted = score_many(
        ["the demo was good", "the demo was very good", "the demo was GOOD", "the demo was good!!!"]
    )

    assert plain < boosted
    assert plain < caps
    assert plain < shouted


def test_hedges_and_questions_lower_intensity() -> None:
    plain, hedged, asked = score_many(
        ["the release was good", "the release was kind of good", "was the release good?"]
    )

    assert hedged < plain
    assert asked < plain


def test_scores_are_in_range() -> None:
    """Extremes stay in -1..+1 and read as very strong (0.8 is a rating of 3.2 of 4). The
    learned reread (model.py) pulls the rules' readings towards people's ratings, so a
    repeated word no longer saturates at 1."""
    scores = score_many(["GREAT!!! " * 50, "terrible awful horrible " * 50, "ok"])

    assert all(-1.0 <= value <= 1.0 for value in scores)
    assert scores[0] > 0.8
    assert scores[1] < -0.8


def test_stretched_words_read_as_the_word_emphasised() -> None:
    plain, stretched = score_many(["that was good", "that was gooood"])

    assert 0 < plain < stretched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "would have been nice to know about the migration before it happened",
            "negative",
            marks=NEAR_NEUTRAL,
        ),
        ("nice catch, would've been nasty in prod", "positive"),
        ("happy to help but this is the fifth request today", "negative"),
        ("good luck getting anyone from infra to respond before friday", "negative"),
        ("pr has been open for 12 days with zero comments", "negative"),
        ("the job failed with exit code 137, looks like oom", "neutral"),
        ("my manager backed me up in the meeting today, meant a lot", "positive"),
    ],
)
def test_kind_words_in_complaints_and_harsh_words_in_reports(text: str, expected: str) -> None:
    assert reading(text) == expected


def test_the_sarcasm_quick_test_only_skips_work() -> None:
    """Without a key word of a marker or event, a negative or negated word or a quote, the
    sarcasm matcher is not run: every workplace message scores the same as with it run."""
    nlp = build_pipeline()
    scorer = cast(SentimentComponent, nlp.get_pipe("nudges_sentiment")).scorer
    texts = [row.text for path in sorted(DATA.rglob("workplace_*.jsonl")) for row in load(path)]
    texts += [
        row.text
        for path in sorted((DATA / "workplace_train").glob("*.jsonl"))
        for row in load(path)
    ]
    docs = [nlp.tokenizer(text) for text in texts]
    quick = [scorer(doc) for doc in docs]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scorer, "_may_be_sarcastic", lambda *_: True)
        always = [scorer(doc) for doc in docs]

    assert len(texts) > 3000
    assert quick == always
    assert "the" not in scorer._sarcasm_cues


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i literally died at the ending 😂", "positive"),
        ("dying at my desk, third migration this week", "negative"),
        ("the new dashboard is killer", "positive"),
        ("no cap", "neutral"),
        ("no cap this is the best dataset i've seen", "positive"),
        ("got a handwritten thank-you card from the cfo", "positive"),
        ("<@U03PLM991> crushed the variance commentary", "positive"),
        ("the 3am syncs are wrecking me", "negative"),
        ("haven't slept properly in two weeks", "negative"),
        ("paged 4 times last night, barely functional today", "negative"),
        ("we're two people short and can't keep up", "negative"),
        ("slept 9 hours and feel like a human again", "positive"),
        ("we're through the worst of it", "positive"),
        ("my calendar is a solid wall of meetings until thursday 😵‍💫", "negative"),
        ("i'd appreciate being included next time", "neutral"),
        ("with respect, i wasn't consulted, and i'd appreciate being included", "negative"),
        ("passed the cert exam, all those early mornings paid off", "positive"),
        ("i like this plan", "positive"),
        ("it's like a maze in here", "neutral"),
        ("oh good, the vendor spelled our name wrong on 5000 flyers. fantastic", "negative"),
        ("great job on the audit, it was brutal and you nailed it", "positive"),
        ("honestly the vibes on this team are immaculate rn", "positive"),
        ("the transport manager said it was spot on. buzzing", "positive"),
        ("no way, you fixed the flaky suite?? owe you a coffee", "positive"),
        ("first ever 5 star review that named me personally", "positive"),
        ("no notes, this is exactly what i wanted!", "positive"),
        pytest.param(
            "the year-end wasn't nearly as bad as i feared", "positive", marks=NEAR_NEUTRAL
        ),
        ("can't wait for this launch to be over", "negative"),
        ("worked through my break again, unpaid. so done with this", "negative"),
        ("14 recs due friday and online since 6:30am. absolutely cooked", "negative"),
        ("everyone went silent. felt completely on my own", "negative"),
        ("nobody replies to me in this channel", "negative"),
        ("i was spoken to very disrespectfully today. i'd like this raised formally.", "negative"),
        ("haven't had a proper night's sleep since launch prep started", "negative"),
        ("it's 1am and i'm still answering tickets", "negative"),
        ("abort the mass email, resending in 10", "neutral"),
    ],
)
def test_chat_slang_plain_strain_and_framing_irony(text: str, expected: str) -> None:
    assert reading(text) == expected


def test_praise_of_plain_bad_news_is_sarcasm_when_the_valence_model_reads_it() -> None:
    text = "love how the cms logs me out every single time i hit publish"
    nlp = build_pipeline()
    component = cast(SentimentComponent, nlp.get_pipe("nudges_sentiment"))
    doc = nlp.tokenizer(text)

    assert component.scorer(doc) < 0
    component.scorer.bad_news = None  # the rules alone have no bad word to go on
    assert component.scorer(doc) > 0
