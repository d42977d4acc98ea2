"""What the Slack and Teams renderer tests share: a typical digest and odd messages."""

from __future__ import annotations

from hypothesis import strategies as st

from nudges.message import Button, ButtonStyle, Chart, Fact, Message, Section

DIGEST = Message(
    title="Your team nudge for the week of 2 November: Platform",
    summary="Empathy prompt: Ask how the release week felt",
    sections=(
        Section(
            heading="Empathy prompt: Ask how the release week felt",
            text="The team wrote more about *deadlines* than usual.\nTry one open question.",
            facts=(Fact("Team mood", "steady"), Fact("People", "7")),
            buttons=(
                Button("Helpful", "digest.feedback", "helpful", ButtonStyle.PRIMARY),
                Button("Not for us", "digest.feedback", "not-helpful"),
            ),
        ),
        Section(heading="Why you are seeing this", text="• Workload came up in 4 of 7 chats."),
    ),
    chart=Chart(
        title="Team mood",
        labels=("W44", "W45", "W46"),
        values=(0.1, None, 0.3),
        sparkline="▁·█",
        alt_text="Mood rose over three weeks; one week was hidden.",
    ),
    context=("Team figures appear only when at least 5 people took part.",),
    buttons=(Button("Snooze for 2 weeks", "digest.snooze", "delivery-42", ButtonStyle.DANGER),),
)

ODD_PIECES = (
    "<script>&",
    "a & b < c > d",
    "*bold* and *more bold*",
    "**",
    "&amp; &lt;",
    "<!here> <@U123> <https://example.com|link>",
    "🙂👍🏽 👩‍👩‍👧",
    "Ünïcödé — “quotes”",
    "\n\n",
    "   ",
    "",
    "line one\nline two",
    "First sentence. Second one! Third?",
)


def _repeated(piece: str, times: int) -> str:
    return piece * times


odd_text = st.one_of(
    st.sampled_from(ODD_PIECES),
    st.text(max_size=40),
    # Long texts, cheaply: a short piece repeated up to a few thousand characters.
    st.builds(
        _repeated,
        st.sampled_from(ODD_PIECES) | st.text(min_size=1, max_size=8),
        st.integers(1, 1200),
    ),
    st.builds(_repeated, st.just("Words flow on and on. "), st.integers(100, 600)),
    st.builds(_repeated, st.just("x"), st.integers(2990, 7000)),
)

buttons = st.builds(
    Button,
    label=odd_text,
    action_id=st.sampled_from(["digest.feedback", "digest.snooze", ""]) | odd_text,
    value=odd_text,
    style=st.sampled_from(ButtonStyle),
)

facts = st.builds(Fact, label=odd_text, value=odd_text)

sections = st.builds(
    Section,
    text=odd_text,
    heading=st.none() | odd_text,
    facts=st.lists(facts, max_size=14).map(tuple),
    buttons=st.lists(buttons, max_size=30).map(tuple),
)

charts = st.builds(
    Chart,
    title=odd_text,
    labels=st.just(("W1", "W2", "W3")),
    values=st.just((0.1, None, 0.3)),
    sparkline=st.text(alphabet="▁▂▃▄▅▆▇█·", max_size=30),
    png=st.none(),
    alt_text=odd_text,
)

messages = st.builds(
    Message,
    title=odd_text,
    sections=st.lists(sections, max_size=60).map(tuple),
    summary=odd_text,
    chart=st.none() | charts,
    context=st.lists(odd_text, max_size=25).map(tuple),
    buttons=st.lists(buttons, max_size=30).map(tuple),
)
