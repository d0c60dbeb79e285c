"""Market: bars (open, high, low), calendar timestamps, step lengths and funding marks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

import smartlev as sl
from smartlev import scenarios
from smartlev.market import Market

CLOSE = [100.0, 110.0, 99.0, 100.0]
OPEN = [1.0, 101.0, 108.0, 99.0]  # column 0 is ignored
HIGH = [1.0, 112.0, 110.5, 101.0]
LOW = [1.0, 100.0, 97.0, 98.0]


# ------------------------------------------------------------------------------ bars
def test_full_bars_are_kept_and_column_zero_is_the_start():
    m = Market.from_prices(CLOSE, open=OPEN, high=HIGH, low=LOW)
    assert m.has_bars and not m.is_lazy
    assert_array_equal(m.open, [[100.0, 101.0, 108.0, 99.0]])
    assert_array_equal(m.high, [[100.0, 112.0, 110.5, 101.0]])
    assert_array_equal(m.low, [[100.0, 100.0, 97.0, 98.0]])
    assert m.open.shape == m.prices.shape == (1, 4)


def test_market_constructor_takes_the_same_keywords():
    a = Market(CLOSE, steps_per_day=2, name="x", open=OPEN, high=HIGH, low=LOW)
    b = Market.from_prices(CLOSE, 2, "x", open=OPEN, high=HIGH, low=LOW)
    for x, y in zip(a.bar_range(0, 1), b.bar_range(0, 1), strict=True):
        assert_array_equal(x, y)


def test_high_and_low_only_open_at_the_previous_close():
    m = Market.from_prices(CLOSE, high=HIGH, low=LOW)
    assert_array_equal(m.open, [[100.0, 100.0, 110.0, 99.0]])


def test_open_only_gives_straight_bars():
    m = Market.from_prices(CLOSE, open=OPEN)
    o, c = np.array(OPEN[1:]), np.array(CLOSE[1:])
    assert_array_equal(m.high[0, 1:], np.maximum(o, c))
    assert_array_equal(m.low[0, 1:], np.minimum(o, c))


def test_closes_only_market_has_no_bars():
    m = Market.from_prices(CLOSE)
    assert not m.has_bars
    assert m.open is None and m.high is None and m.low is None
    close, o, h, lo = m.bar_range(0, 1)
    assert_array_equal(close, [CLOSE]) and o is None and h is None and lo is None


def test_bars_from_pandas_one_column_per_path():
    close = pd.DataFrame({"a": CLOSE, "b": CLOSE})
    high = pd.DataFrame({"a": HIGH, "b": HIGH})
    m = Market.from_prices(close, high=high, low=pd.DataFrame({"a": LOW, "b": LOW}))
    assert m.paths == 2 and m.high.shape == (2, 4)
    s = Market.from_prices(pd.Series(CLOSE), open=pd.Series(OPEN))
    assert s.open[0, 1] == 101.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"high": [100.0, 109.0, 109.0, 101.0]},
            "high must be >= max(open, close) in every bar, "
            "got high=109.0 < max(open=100.0, close=110.0) at path 0, step 1",
        ),
        (
            {"low": [100.0, 100.0, 99.5, 98.0]},
            "low must be <= min(open, close) in every bar, "
            "got low=99.5 > min(open=110.0, close=99.0) at path 0, step 2",
        ),
        (
            {"open": [100.0, 101.0, np.nan, 99.0]},
            "open must be finite and > 0, got nan at path 0, point 2",
        ),
        ({"high": [100.0, 120.0, -1.0, 101.0]}, "high must be finite and > 0, got -1.0"),
        ({"low": [100.0, 100.0, 97.0]}, "low must have the shape of prices (1, 4)"),
        ({"open": "abc"}, "open must be an array"),
    ],
)
def test_bad_bars_name_the_parameter_the_bar_and_the_rule(kwargs, message):
    with pytest.raises((ValueError, TypeError)) as err:
        Market.from_prices(CLOSE, **kwargs)
    assert message in str(err.value)


def test_lazy_markets_take_bars_from_their_generator_only():
    with pytest.raises(ValueError, match="generator"):
        Market(_block_fn=lambda b, n: np.ones((n, 3)), _paths=1, _steps=2, high=[[1, 1, 1]])


def test_bar_range_of_a_materialised_market_slices_paths():
    close = np.array([CLOSE, [100.0, 90.0, 95.0, 96.0]])
    m = Market.from_prices(close, high=close * 1.2, low=close * 0.8)
    c, o, h, lo = m.bar_range(1, 2)
    assert_array_equal(c, close[1:]) and h[0, 2] == 95.0 * 1.2
    with pytest.raises(ValueError, match="0 <= start < stop <= 2"):
        m.bar_range(1, 3)


def test_lazy_bar_range_is_the_same_in_chunks_and_whole():
    m = scenarios.gbm(days=2, steps_per_day=24, paths=1100, seed=2)
    whole = m.bar_range(0, 1100)
    for start, stop in ((0, 1), (1000, 1100), (1023, 1025)):
        part = m.bar_range(start, stop)
        for w, p in zip(whole, part, strict=True):
            assert_array_equal(w[start:stop], p)
    assert_array_equal(whole[0], m.path_range(0, 1100))


def test_lazy_bar_properties_materialise_consistent_arrays():
    m = scenarios.garch(days=20, paths=5, seed=1)
    assert m.has_bars and m.is_lazy
    assert_array_equal(m.high, m.bar_range(0, 5)[2])
    assert_array_equal(m.prices, m.bar_range(0, 5)[0])
    assert not m.is_lazy


def test_subset_keeps_bars_and_timestamps():
    ts = pd.date_range("2024-01-01", periods=4, freq="D")
    m = Market.from_prices(np.array([CLOSE, CLOSE]), high=np.array([HIGH, HIGH]), timestamps=ts)
    s = m.subset(1)
    assert s.paths == 1 and s.has_bars
    assert_array_equal(s.high, m.high[:1])
    assert_array_equal(s.timestamps, m.timestamps)
    lazy = scenarios.gbm(days=3, paths=10, seed=0).subset(2)
    assert lazy.has_bars and lazy.open.shape == (2, 73)


def test_repr_says_bars():
    assert "bars" in repr(Market.from_prices(CLOSE, open=OPEN))
    assert "bars" not in repr(Market.from_prices(CLOSE))


# ------------------------------------------------------------------------ timestamps
@pytest.mark.parametrize(
    "ts",
    [
        np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"], dtype="datetime64[D]"),
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"],
        pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"]),
        pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"])),
        pd.DatetimeIndex(
            ["2024-01-01 01:00", "2024-01-02 01:00", "2024-01-03 01:00", "2024-01-05 01:00"]
        ).tz_localize("Europe/Paris"),  # UTC+1 in winter: midnight UTC
    ],
)
def test_timestamps_are_normalised_to_utc_nanoseconds(ts):
    m = Market.from_prices(CLOSE, timestamps=ts)
    assert m.timestamps.dtype == np.dtype("datetime64[ns]")
    assert m.timestamps[0] == np.datetime64("2024-01-01T00:00", "ns")
    assert_array_equal(m.step_days, [1.0, 1.0, 2.0])


@pytest.mark.parametrize(
    "ts, error, message",
    [
        (
            ["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03"],
            ValueError,
            "strictly increasing, got 2024-01-02 00:00:00 at position 2 after 2024-01-02 00:00:00",
        ),
        (["2024-01-03", "2024-01-02", "2024-01-04", "2024-01-05"], ValueError, "at position 1"),
        (["2024-01-01", "2024-01-02"], ValueError, "one entry per price column (4)"),
        (["2024-01-01", "soon", "2024-01-03", "2024-01-04"], ValueError, "date strings"),
        ("2024-01-01", TypeError, "single string"),
        (
            np.array(["2024-01-01", "NaT", "2024-01-03", "2024-01-04"], dtype="datetime64[ns]"),
            ValueError,
            "NaT) at position 1",
        ),
    ],
)
def test_bad_timestamps_are_refused(ts, error, message):
    with pytest.raises(error) as err:
        Market.from_prices(CLOSE, timestamps=ts)
    assert message in str(err.value)


def test_epoch_numbers_are_not_guessed():
    with pytest.raises(TypeError, match="got numbers of dtype int64; convert epoch numbers"):
        Market.from_prices(CLOSE, timestamps=np.arange(4) * 86_400_000)
    with pytest.raises(TypeError, match="got numbers"):
        Market.from_prices(CLOSE, timestamps=[1.0, 2.0, 3.0, 4.0])


def test_step_days_without_timestamps_follow_the_clock():
    assert_array_equal(Market.from_prices([1, 2, 3], steps_per_day=24).step_days, [1 / 24] * 2)
    hours = pd.date_range("2024-01-01", periods=4, freq="h")
    assert_array_equal(Market.from_prices(CLOSE, timestamps=hours).step_days, [1 / 24] * 3)


# ----------------------------------------------------------------------- funding marks
@pytest.mark.parametrize("spd", [1, 2, 3, 4, 6, 8, 24, 1440])
def test_funding_marks_without_timestamps_are_the_engine_rule(spd):
    m = scenarios.gbm(days=3, steps_per_day=spd, paths=1, seed=0)
    marks = m.funding_marks()
    assert marks.dtype.kind == "i" and marks.shape == (m.steps,)
    # 00, 08 and 16 UTC on a regular clock starting at midnight
    assert_array_equal(marks, np.diff((np.arange(m.steps + 1) * 3) // spd))
    assert marks.sum() == 9


def test_funding_marks_with_hourly_timestamps_fall_at_0_8_16_utc():
    ts = pd.date_range("2024-01-01 00:00", periods=25, freq="h")
    marks = Market.from_prices(np.ones(25), steps_per_day=24, timestamps=ts).funding_marks()
    assert_array_equal(np.flatnonzero(marks) + 1, [8, 16, 24])  # the steps ending then


def test_funding_marks_count_the_calendar():
    days = pd.DatetimeIndex(["1969-12-30", "1969-12-31", "1970-01-01", "1970-01-04"])
    assert_array_equal(Market.from_prices(CLOSE, timestamps=days).funding_marks(), [3, 3, 9])
    odd = ["2024-01-01 07:59", "2024-01-01 08:00", "2024-01-01 08:01", "2024-01-01 16:00"]
    assert_array_equal(Market.from_prices(CLOSE, timestamps=odd).funding_marks(), [1, 0, 1])


def test_market_is_reachable_from_the_package():
    assert sl.Market is Market
