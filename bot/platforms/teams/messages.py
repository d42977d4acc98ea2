"""What the bot says only on Teams, as neutral messages: welcomes and short notices.

Everything else comes from the services, the same on every platform.
"""

from __future__ import annotations

from nudges.message import Button, ButtonStyle, Message, Section

COMMAND_ACTION = "teams_command"
"""A button that runs a verb (its value) as if the person had typed it."""

_PRIVACY = (
    "• Nothing about you is read until you opt in, and you can opt out at any moment.\n"
    "• Your words are never stored: a message becomes a mood number and a few theme tags, "
    "added to weekly team totals.\n"
    "• Managers only ever see team figures from enough people, never yours."
)


def welcome_message() -> Message:
    """The card sent when someone installs the app for themselves."""
    return Message(
        title="Welcome to Empathy Nudge Bot",
        summary="Welcome to Empathy Nudge Bot",
        sections=(
            Section(
                text="I help managers lead with empathy: once a week each manager gets one "
                "suggestion, chosen for what their team is going through. Everyone else "
                "answers a short check-in now and then, if they want to.",
            ),
            Section(heading="Your privacy", text=_PRIVACY),
            Section(
                text="Type a word here to get going: *optin*, *status*, *privacy*, *checkin* "
                "or *help*.",
                buttons=(
                    Button("Opt in", COMMAND_ACTION, "optin", ButtonStyle.PRIMARY),
                    Button("What is stored about me", COMMAND_ACTION, "privacy"),
                    Button("Help", COMMAND_ACTION, "help"),
                ),
            ),
        ),
    )


def team_welcome_message(prefix: str) -> Message:
    """The card posted in a team (or group chat) when the app is added there."""
    return Message(
        title="Thanks for adding Empathy Nudge Bot",
        summary="Thanks for adding Empathy Nudge Bot",
        sections=(
            Section(
                text="Nothing in this conversation is read yet. HR or the team's manager "
                f"can switch listening on with *{prefix} listen on*; I then post here what "
                "is and is not collected.",
            ),
            Section(heading="Privacy", text=_PRIVACY),
            Section(
                text=f"Questions about your own data go to our personal chat: open "
                f"Empathy under Apps, or write *{prefix} help* here.",
            ),
        ),
    )


def answered_privately(delivered: bool) -> Message:
    """The channel's answer to a command whose reply is for the person alone."""
    text = (
        "I answered you in our personal chat."
        if delivered
        else "I only answer that in our personal chat. Open Empathy under Apps (or install "
        "it for yourself) and type *help* there."
    )
    return Message(title="", summary=text, sections=(Section(text=text),))


def something_went_wrong() -> Message:
    """What a person sees when a turn fails on the bot's side."""
    text = "Sorry, something went wrong on my side. Please try again in a moment."
    return Message(title="", summary=text, sections=(Section(text=text),))
