"""ISO week labels (``2026-W48``): the unit every aggregate and digest is keyed by."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def week_label(day: date | datetime) -> str:
    """The ISO week ``day`` falls in, as ``YYYY-Www``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> date:
    """The Monday of an ISO week label; ``ValueError`` for a malformed label."""
    try:
        year_text, week_text = label.split("-W")
        return date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError as exc:
        raise ValueError(f"not an ISO week label like 2026-W48: {label!r}") from exc


def weeks_between(earlier: str, later: str) -> int:
    """Whole weeks from ``earlier`` to ``later`` (negative when ``later`` is earlier)."""
    return (week_start(later) - week_start(earlier)).days // 7


def shift(label: str, weeks: int) -> str:
    """The week ``weeks`` after (or before, when negative) ``label``."""
    return week_label(week_start(label) + timedelta(weeks=weeks))


def previous_weeks(label: str, count: int) -> list[str]:
    """The ``count`` weeks before ``label``, oldest first."""
    return [shift(label, -offset) for offset in range(count, 0, -1)]
