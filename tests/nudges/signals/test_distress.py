"""Distress: flag acute distress, never ordinary workplace hyperbole.

Contrast pairs: each distress message is set against a message that uses similar words
lightly. Precision comes first, so the hyperbole list is the longer one.
"""

from __future__ import annotations

from typing import cast

import pytest

from nudges.signals import analyze, build_pipeline, score
from nudges.signals.components import DISTRESS_VALENCE, DistressComponent
from nudges.signals.tokenizer import lower_words


def flagged(text: str) -> bool:
    return analyze(text).distress


DISTRESS = [
    "i keep thinking everyone would be better off without me",
    "i don't see the point in going on",
    "i've been thinking about hurting myself",
    "some days i wish i just wouldn't wake up",
    "I'm really not okay. I keep thinking about ending it.",
    "honestly don't know how much longer i can keep going like this",
    "started giving my stuff away, it just feels easier that way",
    "can't stop thinking about stepping into traffic on the way home",
    "i feel like such a burden to everyone, here and at home",
    "i'm so tired of existing",
    "<p>I don't think I can hold it together much longer. I'm scared of what I might do.</p>",
    "if i disappeared tomorrow nobody would even notice",
    "i've started thinking about ending my life",
    "i don't want to be alive anymore",
    "i can't do this anymore, i just want to disappear",
    "everything feels pointless and i feel completely hopeless",
    # warning signs said indirectly (988 Lifeline / AFSP lists)
    "honestly the team would be happier if i just wasn't around anymore",
    "it'd be easier for my family without me",
    "sorry for being such a burden lately",
    "i'm just a weight on everybody, at work and at home",
    "i don't think i'm going to be around much longer",
    "what's the point of getting up tomorrow",
    "i really can't see a way out of any of this",
    "lately i think about not waking up and it doesn't scare me",
    "i've been running out of reasons to keep going",
    "i keep thinking about just driving off the bridge on my commute",
    "tired of everything. i don't just mean work",
    "some mornings i think it'd be easier if i just didn't wake up",
    "on the drive home i think about just not braking",
    "i don't think anyone would notice if i disappeared",
    "everyone here would manage fine without me",
    "i'm just a burden on this crew",
    "gave my plants away and wrote handover notes, just tying things up",
]

HYPERBOLE = [
    "this bug is killing me lol",
    "this flaky test is killing me",
    "kill the job and restart it",
    "can someone kill the old cron job on box-7?",
    "i'm dead 💀 that gif",
    "lol i'm dead",
    "i'm dying to see the demo!",
    "kill me now, the printer's jammed again",
    "ugh i want to die, i just replied-all to the whole company 💀",
    "i want to disappear into a cave until the release is out 😂",
    "can't go on like this with the flaky e2e suite, we need to quarantine it",
    "no point going on with this approach, let's try a queue instead",
    "this spreadsheet is going to be the death of me 😅",
    "hanging by a thread with this deadline lol",
    "i'm so done with this ticket, it keeps coming back",
    "Honestly I'm dead on my feet, the offsite ran until 10pm",
    "i'm done for today, see you all tomorrow :wave:",
    "the laptop battery is dead, joining from my phone",
    "we're going to end the legacy v1 api on june 30",
    "nobody would miss the old admin ui tbh",
    "i'll kill myself if this meeting runs over again",
    "the db can't cope with the load",
    "the codebase is in a really bad place",
    "that's really not ok, please don't talk to people like that",
    "thinking about dying my hair blue for the offsite",
    "ending it there for today, thanks all",
    "i just want to disappear after that demo lol",
    "we're falling apart as a team on process, let's fix the retro",
    "shoot me a message when you're back",
    "i could murder a coffee right now",
    "i'd rather jump off a bridge than sit through another expenses training",
    "the new approval step is a burden on the team, can we drop it?",
    "the standup would be shorter if i wasn't around for the infra updates",
    "don't see a way out of this contract before march, legal says",
    "cried in the car after the demo went well, happy tears",
    "i won't be around much longer today, leaving at 3 for the dentist",
    "can someone pull the suicide exclusion wording from the life policy?",
    "the witness statement references self-harm at para 41, please handle sensitively",
    "so tired of living in my inbox, 9 hours of email today",
    "the release will be easier if i just don't wake up the on-call for this",
]


@pytest.mark.parametrize("text", DISTRESS)
def test_distress_is_flagged(text: str) -> None:
    assert flagged(text) is True


@pytest.mark.parametrize("text", HYPERBOLE)
def test_hyperbole_is_not_flagged(text: str) -> None:
    assert flagged(text) is False


def test_distress_reads_as_negative() -> None:
    scores = [analyze(text).sentiment for text in DISTRESS]

    assert max(scores) <= DISTRESS_VALENCE
    assert score("everyone would be happier if i just disappeared") <= DISTRESS_VALENCE


def test_the_quick_test_lets_every_distress_message_through() -> None:
    """A message with no key word of any phrase is answered without the matcher; each
    distress message above has one, and routine chat mostly has none."""
    nlp = build_pipeline()
    keys = cast(DistressComponent, nlp.get_pipe("nudges_distress")).detector.keys

    for text in DISTRESS:
        assert not keys.isdisjoint(lower_words(nlp.tokenizer(text))), text
    assert keys.isdisjoint(lower_words(nlp.tokenizer("build is green, shipping the release")))
    assert "suicide" in keys and "the" not in keys
