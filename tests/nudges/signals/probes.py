"""What the signals tests share about their hand-written probe messages."""

from __future__ import annotations

import pytest

NEAR_NEUTRAL = pytest.mark.xfail(
    strict=True,
    reason=(
        "the learned reread (model.py) reads this mild feeling as just inside the neutral"
        " zone (|score| < 0.05); cross-validated it gains more than it loses (see"
        " nudges/signals/lexicons/README.md)"
    ),
)
"""A probe the learned reread misreads by a hair; strict, so a fix shows."""
