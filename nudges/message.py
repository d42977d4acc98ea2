"""The neutral Message: what the bot says, before any platform's markup.

Services build a :class:`Message`; the Slack renderer turns it into Block Kit and the
Teams renderer into an Adaptive Card, each in one module. Text uses a tiny subset of
markup both platforms understand: ``*bold*`` around whole phrases and plain line breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A button. ``action_id`` says what it does; ``value`` carries what it acts on."""

    label: str
    action_id: str
    value: str
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Fact:
    """A label and a value shown side by side (for example "Team mood": "steady")."""

    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    """A trend: ``values`` line up with ``labels``; ``None`` marks a week not shown."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    sparkline: str
    png: bytes | None = None
    alt_text: str = ""


@dataclass(frozen=True)
class Section:
    """A block of text, optionally with a heading, facts and buttons under it."""

    text: str
    heading: str | None = None
    facts: tuple[Fact, ...] = ()
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Message:
    """One message to one person: title, sections, an optional chart, footer lines."""

    title: str
    sections: tuple[Section, ...]
    summary: str = ""
    chart: Chart | None = None
    context: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = field(default=())

    def all_buttons(self) -> list[Button]:
        """Every button in the message, in display order."""
        return [button for section in self.sections for button in section.buttons] + list(
            self.buttons
        )

    def plain_text(self) -> str:
        """The message as plain text (notifications, accessibility, the console)."""
        parts = [self.title]
        for section in self.sections:
            if section.heading:
                parts.append(section.heading)
            parts.append(section.text)
            parts.extend(f"{fact.label}: {fact.value}" for fact in section.facts)
        if self.chart is not None:
            parts.append(f"{self.chart.title}: {self.chart.sparkline}")
        parts.extend(self.context)
        return "\n".join(parts)
