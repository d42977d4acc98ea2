"""Distress: flag acute distress, never ordinary workplace hyperbole.

Contrast pairs: each distress message is set against a message that uses similar words
lightly. Precision comes first, so the hyperbole list is the longer one.
"""

from __future__ import annotations

import pytest

from nudges.signals import analyze


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
]


@pytest.mark.parametrize("text", DISTRESS)
def test_distress_is_flagged(text: str) -> None:
    assert flagged(text) is True


@pytest.mark.parametrize("text", HYPERBOLE)
def test_hyperbole_is_not_flagged(text: str) -> None:
    assert flagged(text) is False


def test_distress_reads_as_negative() -> None:
    scores = [analyze(text).sentiment for text in DISTRESS]

    assert max(scores) < -0.05
    assert sum(scores) / len(scores) < -0.6
