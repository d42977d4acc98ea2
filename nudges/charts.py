"""Trends drawn two ways: a one-line Unicode sparkline and a small PNG line chart.

The sparkline goes everywhere text goes (Slack context lines, Teams, the console, the
plain-text fallback); the PNG is an extra for surfaces that show images. Both mark a week
that is not shown (too few people, see ``nudges.privacy``) as a gap, never as zero.

The PNG is drawn with matplotlib's object API on an Agg canvas: no pyplot, no global state,
so charts can be drawn from several threads at once. It is then reduced to a 16-colour
palette, which keeps it around 4 KB — Teams inlines the image as base64 in a card that must
stay under about 28 KB — and written without metadata, so the same input gives the same
bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

SPARK_LEVELS = "▁▂▃▄▅▆▇█"
SPARK_GAP = "·"
# "▄" is the lower half block: the middle of the eight levels, for a series that does not move.
_SPARK_MIDDLE = SPARK_LEVELS[3]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_WIDTH_IN, _HEIGHT_IN, _DPI = 5.6, 2.2, 100  # 560 x 220 pixels
_PALETTE_COLOURS = 16
_LINE = "#3b5bdb"
_TEXT = "#343a40"
_MUTED = "#6c757d"
_RULE = "#ced4da"
_ZERO = "#dee2e6"
_MAX_TITLE = 80
_TICK_FONT = 8
# Roughly how many pixels one character of an 8 pt tick label takes, plus the room the
# axes leave for the y labels; used to decide how many week labels fit side by side.
_CHAR_PX = 5.5
_PLOT_PX = 470


def sparkline(
    values: Sequence[float | None], *, low: float | None = None, high: float | None = None
) -> str:
    """One block character per value, from "▁" (at ``low``) to "█" (at ``high``).

    ``low`` and ``high`` default to the smallest and largest value present; pass them to
    draw several series on one scale (a mood score always between -1 and 1, say). Values
    outside the range are clamped to it. ``None`` — a week not shown for privacy — and any
    non-finite number render as "·", so a missing week never looks like a low one. A series
    that does not move renders at mid height.
    """
    if low is not None and high is not None and low > high:
        raise ValueError(f"low ({low}) must not be greater than high ({high})")
    present = [value for value in values if value is not None and math.isfinite(value)]
    if not present:
        return SPARK_GAP * len(values)
    bottom = min(present) if low is None else low
    top = max(present) if high is None else high
    span = top - bottom
    top_level = len(SPARK_LEVELS) - 1
    characters = []
    for value in values:
        if value is None or not math.isfinite(value):
            characters.append(SPARK_GAP)
        elif span <= 0:
            characters.append(_SPARK_MIDDLE)
        else:
            position = (min(max(value, bottom), top) - bottom) / span
            characters.append(SPARK_LEVELS[min(top_level, int(position * top_level + 0.5))])
    return "".join(characters)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label_step(labels: Sequence[str]) -> int:
    """Show every n-th week label so that neighbouring labels never overlap."""
    if not labels:
        return 1
    widest = max(len(label) for label in labels) + 2
    fits = max(2, int(_PLOT_PX / (widest * _CHAR_PX)))
    return max(1, math.ceil(len(labels) / fits))


def _y_limits(present: Sequence[float], y_range: tuple[float, float] | None) -> tuple[float, float]:
    if y_range is not None:
        return y_range
    if not present:
        return (0.0, 1.0)
    low, high = min(present), max(present)
    pad = (high - low) * 0.15 if high > low else abs(high) * 0.2 or 0.5
    return (low - pad, high + pad)


def trend_png(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    y_label: str,
    y_range: tuple[float, float] | None = None,
) -> bytes:
    """A 560 x 220 PNG line chart of one weekly trend, small enough to inline in a card.

    ``labels`` name the weeks under the x axis (thinned out when they would overlap) and
    line up with ``values``. ``None`` (or a non-finite number) leaves a gap in the line;
    a week between two gaps still shows as a dot. ``y_range`` fixes the y axis (for a
    score with known bounds); by default it fits the values. A light rule marks zero when
    the axis spans it. A series with no values at all still renders its axes and labels.

    The result is deterministic: the same input always gives the same bytes.
    """
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values: they must line up")
    if y_range is not None and not y_range[0] < y_range[1]:
        raise ValueError(f"y_range {y_range} must run from a lower to a higher number")

    figure = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), dpi=_DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_facecolor("white")

    positions = list(range(len(values)))
    ys = [value if value is not None and math.isfinite(value) else math.nan for value in values]
    present = [y for y in ys if not math.isnan(y)]
    bottom, top = _y_limits(present, y_range)
    axes.set_ylim(bottom, top)
    axes.set_xlim(-0.5, max(len(values), 1) - 0.5)
    if bottom < 0 < top:
        axes.axhline(0.0, color=_ZERO, linewidth=1.0, zorder=1)
    if present:
        axes.plot(
            positions,
            ys,
            color=_LINE,
            linewidth=2.0,
            marker="o",
            markersize=4,
            solid_capstyle="round",
            zorder=2,
        )

    step = _label_step(labels)
    shown = sorted({*range(len(labels) - 1, -1, -step)})  # always keep the newest week
    axes.set_xticks(
        shown,
        [labels[index] for index in shown],
        fontsize=_TICK_FONT,
        color=_MUTED,
        parse_math=False,
    )
    if present or y_range is not None:
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    else:
        axes.set_yticks([])  # no values and no given scale: numbers on the axis would mean nothing
    axes.tick_params(axis="both", length=0, labelsize=_TICK_FONT, labelcolor=_MUTED, pad=4)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(_RULE)
    axes.set_title(
        _shorten(title, _MAX_TITLE),
        loc="left",
        fontsize=10,
        fontweight="bold",
        color=_TEXT,
        parse_math=False,
    )
    axes.set_ylabel(_shorten(y_label, 40), fontsize=_TICK_FONT, color=_MUTED, parse_math=False)
    figure.tight_layout(pad=0.8)

    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", dpi=_DPI)
    rgba = Image.frombytes("RGBA", canvas.get_width_height(), raw.getvalue())
    palette = rgba.convert("RGB").quantize(colors=_PALETTE_COLOURS)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
