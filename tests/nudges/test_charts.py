"""Sparklines scale and mark gaps; trend PNGs are small, valid and the same every time."""

from __future__ import annotations

import io
import struct
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from nudges.charts import PNG_SIGNATURE, SPARK_GAP, SPARK_LEVELS, sparkline, trend_png

WEEKS = tuple(f"W{number}" for number in range(40, 52))
MOOD = (0.2, 0.25, None, 0.1, -0.05, -0.1, 0.0, 0.15, None, None, 0.3, 0.32)
PNG_BUDGET = 12 * 1024


def _chart(
    values: tuple[float | None, ...] = MOOD, *, y_range: tuple[float, float] | None = None
) -> bytes:
    return trend_png(
        WEEKS[: len(values)], values, title="Team mood", y_label="mood", y_range=y_range
    )


def _chunk_types(png: bytes) -> list[str]:
    types, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        types.append(png[offset + 4 : offset + 8].decode("ascii"))
        offset += 12 + length
    return types


# --- sparkline ----------------------------------------------------------------------------


def test_sparkline_uses_every_level_from_min_to_max() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == SPARK_LEVELS


def test_sparkline_scales_between_the_smallest_and_largest_value() -> None:
    assert sparkline([10, 20, 15]) == "▁█▅"
    assert sparkline([-1.0, 0.0, 1.0]) == "▁▅█"


def test_sparkline_marks_hidden_weeks_as_gaps_not_lows() -> None:
    assert sparkline([0.1, None, 0.3, None]) == f"▁{SPARK_GAP}█{SPARK_GAP}"


def test_sparkline_of_a_constant_series_is_mid_height() -> None:
    assert sparkline([0.4, 0.4, None, 0.4]) == f"▄▄{SPARK_GAP}▄"
    assert sparkline([7.0]) == "▄"


def test_sparkline_of_nothing_is_empty() -> None:
    assert sparkline([]) == ""


def test_sparkline_with_no_values_shown_is_all_gaps() -> None:
    assert sparkline([None, None, None]) == SPARK_GAP * 3


def test_sparkline_treats_nan_and_infinity_as_gaps() -> None:
    assert sparkline([0.0, float("nan"), 1.0, float("inf")]) == f"▁{SPARK_GAP}█{SPARK_GAP}"


def test_sparkline_on_an_explicit_scale() -> None:
    assert sparkline([-1.0, 0.0, 0.5, 1.0], low=-1.0, high=1.0) == "▁▅▆█"
    # A calm week on a fixed scale stays mid-height instead of swinging top to bottom.
    assert sparkline([0.1, 0.2], low=-1.0, high=1.0) == "▅▅"


def test_sparkline_clamps_values_outside_an_explicit_scale() -> None:
    assert sparkline([-5.0, 5.0], low=0.0, high=1.0) == "▁█"


def test_sparkline_with_only_one_bound_uses_the_data_for_the_other() -> None:
    assert sparkline([2.0, 4.0], low=0.0) == "▅█"
    assert sparkline([2.0, 4.0], high=10.0) == "▁▃"


def test_sparkline_with_equal_bounds_is_mid_height() -> None:
    assert sparkline([1.0, 3.0], low=2.0, high=2.0) == "▄▄"


def test_sparkline_refuses_an_upside_down_scale() -> None:
    with pytest.raises(ValueError, match="low"):
        sparkline([1.0], low=2.0, high=1.0)


# --- trend_png ----------------------------------------------------------------------------


def test_png_is_a_560_by_220_png() -> None:
    png = _chart()

    image = Image.open(io.BytesIO(png))

    assert png[:8] == PNG_SIGNATURE
    assert (image.format, image.size) == ("PNG", (560, 220))


def test_png_is_the_same_for_the_same_input() -> None:
    assert _chart() == _chart()


def test_png_is_the_same_when_drawn_from_several_threads() -> None:
    expected = _chart()

    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(lambda _: _chart(), range(8)))

    assert drawn == [expected] * 8


def test_png_differs_when_the_values_differ() -> None:
    assert _chart((0.1, 0.2, 0.3)) != _chart((0.3, 0.2, 0.1))


def test_png_carries_no_metadata() -> None:
    assert _chunk_types(_chart()) == ["IHDR", "PLTE", "IDAT", "IEND"]


def test_png_uses_few_colours() -> None:
    image = Image.open(io.BytesIO(_chart()))

    assert image.mode == "P"
    assert len(image.getcolors() or []) <= 16


@pytest.mark.parametrize(
    "values",
    [
        MOOD,
        (None,) * 12,
        (0.5,) * 12,
        tuple(float(week % 5) for week in range(12)),
        (None, 0.2, None, -0.4, None, 0.6, None, -0.8, None, 1.0, None, 0.0),
    ],
    ids=["mood", "all-hidden", "constant", "jagged", "isolated-weeks"],
)
def test_png_stays_within_the_size_budget(values: tuple[float | None, ...]) -> None:
    assert len(_chart(values)) <= PNG_BUDGET


def test_half_a_year_of_long_labels_stays_within_the_size_budget() -> None:
    labels = [f"2026-W{week:02d}" for week in range(1, 27)]
    values = [((week * 37) % 11 - 5) / 5 if week % 7 else None for week in range(1, 27)]

    png = trend_png(labels, values, title="Team mood, half a year", y_label="mood")

    assert png[:8] == PNG_SIGNATURE
    assert len(png) <= PNG_BUDGET


def test_an_all_hidden_series_still_renders() -> None:
    png = _chart((None,) * 6)

    assert Image.open(io.BytesIO(png)).size == (560, 220)


def test_an_empty_series_still_renders() -> None:
    png = trend_png([], [], title="No weeks yet", y_label="mood")

    assert Image.open(io.BytesIO(png)).size == (560, 220)


def test_a_fixed_range_is_drawn() -> None:
    assert _chart((0.1, 0.2, 0.3), y_range=(-1.0, 1.0)) != _chart((0.1, 0.2, 0.3))


def test_dollar_signs_in_text_are_not_read_as_maths() -> None:
    png = trend_png(["$1", "$2"], [1.0, 2.0], title="Cost $5 to $10", y_label="$")

    assert png[:8] == PNG_SIGNATURE


def test_labels_and_values_must_line_up() -> None:
    with pytest.raises(ValueError, match="line up"):
        trend_png(["W1", "W2"], [1.0], title="t", y_label="y")


def test_an_empty_range_is_refused() -> None:
    with pytest.raises(ValueError, match="y_range"):
        trend_png(["W1"], [1.0], title="t", y_label="y", y_range=(1.0, 1.0))
