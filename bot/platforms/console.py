"""A messenger that keeps a transcript (and can print it): for the demo and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.panel import Panel

from bot.platforms.base import Receipt, Recipient
from nudges.message import Message


@dataclass
class Sent:
    recipient: Recipient
    message: Message


@dataclass
class ConsoleMessenger:
    """Records every message it is given; prints them when a console is attached."""

    console: Console | None = None
    platform: str = "console"
    transcript: list[Sent] = field(default_factory=list)

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.transcript.append(Sent(recipient, message))
        if self.console is not None:
            self.console.print(render(recipient, message))
        return Receipt(self.platform, f"console-{len(self.transcript)}")


def render(recipient: Recipient, message: Message) -> Panel:
    """A message as a terminal panel, readable without any chat app."""
    lines: list[str] = []
    for section in message.sections:
        if section.heading:
            lines.append(f"[bold]{_escape(section.heading)}[/bold]")
        lines.append(_escape(section.text))
        lines.extend(f"  {_escape(f.label)}: {_escape(f.value)}" for f in section.facts)
        if section.buttons:
            lines.append(
                "  "
                + "  ".join(f"[reverse] {_escape(b.label)} [/reverse]" for b in section.buttons)
            )
        lines.append("")
    if message.chart is not None:
        lines.append(f"{_escape(message.chart.title)}:  {message.chart.sparkline}")
    lines.extend(f"[dim]{_escape(line)}[/dim]" for line in message.context)
    return Panel(
        "\n".join(lines).strip(),
        title=f"[bold]{_escape(message.title)}[/bold]",
        subtitle=f"to {_escape(recipient.display_name)}",
        expand=True,
    )


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
