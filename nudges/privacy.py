"""Privacy arithmetic shared by every part of the product.

The rules (see ARCHITECTURE.md, "Privacy model"):

* a team figure is shown only when at least ``min_group_size`` distinct people contributed
  to it; the size is configurable but never below :data:`MIN_GROUP_SIZE_FLOOR`;
* figures derived from message text need at least :data:`TEXT_DERIVED_FLOOR` people,
  whatever the configured size;
* stored check-in answers are keyed by a pseudonym, never by a user id.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_GROUP_SIZE_FLOOR = 3
"""No configuration may show numbers drawn from fewer people than this."""

DEFAULT_MIN_GROUP_SIZE = 5

TEXT_DERIVED_FLOOR = 5
"""Text-derived views (sentiment, themes) need at least this many contributors."""


def effective_group_size(configured: int, *, text_derived: bool) -> int:
    """The smallest group whose figures may be shown for this kind of view."""
    size = max(configured, MIN_GROUP_SIZE_FLOOR)
    return max(size, TEXT_DERIVED_FLOOR) if text_derived else size


def may_show(contributors: int, configured: int, *, text_derived: bool) -> bool:
    """Whether a figure built from ``contributors`` distinct people may be shown."""
    return contributors >= effective_group_size(configured, text_derived=text_derived)


def pseudonym(key: bytes, subject: str) -> str:
    """A stable, keyed, one-way name for ``subject`` (hex HMAC-SHA256).

    Without ``key`` the pseudonym cannot be linked back to the subject; with a different
    ``subject`` scope (for example ``"week:2026-W48:person:7"``) the same person gets
    unrelated pseudonyms, which is how weekly contributor sets stay unlinkable.
    """
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()


def complement_is_safe(total: int, part: int, configured: int) -> bool:
    """Whether showing ``part`` next to ``total`` keeps ``total - part`` hidden or large.

    A roll-up shown beside one of its parts lets anyone subtract; the difference must be
    empty or itself at least the minimum group (the differencing guard).
    """
    rest = total - part
    return rest == 0 or rest >= effective_group_size(configured, text_derived=False)


def participation_may_show(respondents: int, members: int, configured: int) -> bool:
    """Whether a share of the team that took part may be shown.

    Both sides must be at least the minimum group: a share of 100% (or of all but one)
    would tell a manager about each individual.
    """
    size = effective_group_size(configured, text_derived=False)
    return respondents >= size and members - respondents >= size
