"""Real price histories shipped with the package: listing, loading, markets, bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import smartlev as sl
from smartlev import data

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["btc-usd-daily", "eth-usd-daily", "btcusdt-1h", "qqq-letf-daily", "fed-funds-annual"]
COLUMNS = {
    "btc-usd-daily": ["open", "high", "low", "close", "adj_close", "volume"],
    "eth-usd-daily": ["open", "high", "low", "close", "adj_close", "volume"],
    "btcusdt-1h": ["open", "high", "low", "close", "volume"],
    "qqq-letf-daily": [
        "qqq_adj",
        "qqq_close",
        "qld_adj",
        "qld_close",
        "tqqq_adj",
        "tqqq_close",
        "sqqq_adj",
        "sqqq_close",
    ],
    "fed-funds-annual": ["year", "effective_fed_funds_pct", "rate"],
}
YAHOO_HOLES = ["2020-04-17", "2020-10-09", "2020-10-12", "2020-10-13"]


# --------------------------------------------------------------------------- listing
def test_datasets_lists_every_shipped_file():
    table = data.datasets()
    assert list(table.index) == NAMES
    assert list(table.columns) == ["what", "range", "rows", "origin"]
    assert table.loc["btc-usd-daily", "range"] == "2014-09-17 .. 2021-11-24"
    assert table.loc["eth-usd-daily", "range"] == "2015-08-07 .. 2021-11-24"
    assert table.loc["btcusdt-1h", "range"] == "2021-10-01 00:00 .. 2022-10-31 23:00"
    assert table.loc["qqq-letf-daily", "range"] == "2010-02-11 .. 2025-07-03"
    assert table.loc["fed-funds-annual", "range"] == "2009 .. 2025"
    assert table.loc["btcusdt-1h", "rows"] == 9504 and table.loc["fed-funds-annual", "rows"] == 17
    assert table.loc["qqq-letf-daily", "rows"] == 3872
    assert table.loc["btc-usd-daily", "rows"] == 2626  # every day of the range, holes included
    for origin in table["origin"]:
        assert origin


def test_files_are_package_data():
    folder = ROOT / "smartlev" / "datasets"
    for info in data._DATASETS.values():
        assert (folder / info["file"]).is_file()
    config = (ROOT / "pyproject.toml").read_text()
    assert '[tool.setuptools.package-data]\nsmartlev = ["datasets/*.csv.gz"' in config


# --------------------------------------------------------------------------- loading
@pytest.mark.parametrize("name", NAMES)
def test_load_gives_utc_indexed_frames_with_clear_columns(name):
    frame = data.load(name)
    assert list(frame.columns) == COLUMNS[name]
    assert isinstance(frame.index, pd.DatetimeIndex) and str(frame.index.tz) == "UTC"
    assert frame.index.name == "time" and frame.index.is_monotonic_increasing
    assert frame.index.is_unique


def test_load_returns_a_copy():
    frame = data.load("btc-usd-daily")
    frame["close"] = 0.0
    assert data.load("btc-usd-daily")["close"].iloc[0] > 0


def test_load_works_from_any_folder(tmp_path):
    code = "import smartlev as sl; print(len(sl.data.load('eth-usd-daily')))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "2302"  # one row per day, 2015-08-07 .. 2021-11-24


def test_the_btc_crash_day_loads_as_published():
    bar = data.load("btc-usd-daily").loc["2020-03-12"]
    assert_allclose(bar[["open", "low", "close"]].to_numpy(float), [7914, 4860, 4971], atol=1)
    prev = data.load("btc-usd-daily").loc["2020-03-11", "close"]
    assert round(bar["close"] / prev - 1, 2) == -0.37


def test_holes_are_kept_visible_as_empty_rows():
    for name in ("btc-usd-daily", "eth-usd-daily"):
        frame = data.load(name)
        empty = frame.index[frame["close"].isna()].strftime("%Y-%m-%d").tolist()
        assert empty == YAHOO_HOLES
    sqqq = data.load("qqq-letf-daily")["sqqq_adj"]
    assert sqqq.last_valid_index() == pd.Timestamp("2024-04-01", tz="UTC")


def test_fed_funds_rate_is_a_fraction_too():
    rates = data.load("fed-funds-annual")
    assert_allclose(rates["rate"], rates["effective_fed_funds_pct"] / 100)
    assert rates.index[0] == pd.Timestamp("2009-01-01", tz="UTC")


# --------------------------------------------------------------------------- markets
def test_market_of_the_btc_crash_day_has_the_bar():
    m = data.market("btc-usd-daily", "2020-03-11", "2020-03-12")
    assert m.name == "btc-usd-daily 2020-03-11..2020-03-12"
    assert (m.paths, m.steps, m.steps_per_day) == (1, 1, 1) and m.has_bars
    assert_allclose([m.open[0, 1], m.low[0, 1], m.prices[0, 1]], [7914, 4860, 4971], atol=1)
    assert m.timestamps[1] == np.datetime64("2020-03-12", "ns")
    assert m.high[0, 1] >= m.open[0, 1]


def test_whole_hourly_file_as_a_market():
    m = data.market("btcusdt-1h")
    assert (m.steps, m.steps_per_day, m.has_bars) == (9503, 24, True)
    assert m.name == "btcusdt-1h 2021-10-01 00:00..2022-10-31 23:00"
    assert_array_equal(m.step_days, np.full(9503, 1 / 24))
    assert m.funding_marks().sum() == 3 * 396 - 1  # 396 days, the first 00:00 is the start
    frame = data.load("btcusdt-1h")
    assert_array_equal(m.prices[0], frame["close"])
    assert_array_equal(m.high[0, 1:], frame["high"].iloc[1:])


def test_an_end_date_includes_the_whole_day():
    m = data.market("btcusdt-1h", "2022-06-13", "2022-06-13")
    assert m.steps == 23
    assert str(m.timestamps[-1]) == "2022-06-13T23:00:00.000000000"
    t = pd.Timestamp("2022-06-13 05:00", tz="UTC")
    assert data.market("btcusdt-1h", t, "2022-06-13 07:00").steps == 2


def test_market_without_bars_for_adjusted_closes():
    m = data.market("eth-usd-daily", "2021-01-01", "2021-01-31", column="adj_close")
    assert not m.has_bars and m.steps == 30


def test_qqq_funds_closes_and_calendar_days():
    m = data.market("qqq-letf-daily", "2020-01-02", "2020-01-31")
    assert m.name == "qqq-letf-daily qqq 2020-01-02..2020-01-31" and not m.has_bars
    frame = data.load("qqq-letf-daily").loc["2020-01-02":"2020-01-31"]
    assert_array_equal(m.prices[0], frame["qqq_adj"])
    assert m.step_days.max() == 4.0  # the Martin Luther King day weekend
    assert m.step_days.sum() == 29.0
    tqqq = data.market("qqq-letf-daily", "2020-01-02", "2020-01-31", column="tqqq_close")
    assert_array_equal(tqqq.prices[0], frame["tqqq_close"])
    sqqq = data.market("qqq-letf-daily", column="sqqq", end="2024-04-01")
    assert sqqq.steps == len(data.load("qqq-letf-daily").loc[:"2024-04-01"]) - 1


def test_missing_days_are_refused_by_default_naming_them():
    with pytest.raises(ValueError) as err:
        data.market("btc-usd-daily", "2020-04-01", "2020-10-31")
    msg = str(err.value)
    assert "2020-04-17, 2020-10-09, 2020-10-12, 2020-10-13" in msg
    assert "4 rows in 2020-04-01 .. 2020-10-31" in msg and "missing='ffill'" in msg
    # outside the holes there is nothing to complain about
    assert data.market("btc-usd-daily", "2020-04-18", "2020-10-08").steps == 173


def test_sqqq_after_its_last_day_is_missing():
    with pytest.raises(ValueError, match=r"2024-04-02, 2024-04-03, .* and \d+ more"):
        data.market("qqq-letf-daily", "2024-03-01", "2024-12-31", column="sqqq")
    dropped = data.market(
        "qqq-letf-daily", "2024-03-01", "2024-12-31", column="sqqq", missing="drop"
    )
    assert str(dropped.timestamps[-1])[:10] == "2024-04-01"


def test_ffill_makes_flat_bars_at_the_last_close():
    m = data.market("btc-usd-daily", "2020-10-08", "2020-10-14", missing="ffill")
    assert m.steps == 6  # every calendar day kept
    day = {str(t)[:10]: i for i, t in enumerate(m.timestamps)}
    last = m.prices[0, day["2020-10-08"]]
    for d in ("2020-10-09",):
        i = day[d]
        assert m.prices[0, i] == m.open[0, i] == m.high[0, i] == m.low[0, i] == last
    i12, i13 = day["2020-10-12"], day["2020-10-13"]
    assert m.prices[0, i12] == m.prices[0, i13] == m.high[0, i13] == m.prices[0, i12 - 1]
    assert m.open[0, day["2020-10-14"]] > 0


def test_drop_leaves_longer_steps():
    m = data.market("btc-usd-daily", "2020-10-08", "2020-10-14", missing="drop")
    assert m.steps == 3
    assert_array_equal(m.step_days, [2.0, 1.0, 3.0])  # 10-08, 10-10, 10-11, 10-14
    assert_array_equal(m.funding_marks(), [6, 3, 9])


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (
            ("btc",),
            {},
            "name must be one of the shipped datasets 'btc-usd-daily', "
            "'eth-usd-daily', 'btcusdt-1h', 'qqq-letf-daily', 'fed-funds-annual', got 'btc'",
        ),
        (("fed-funds-annual",), {}, "yearly interest rates, not prices"),
        (
            ("btc-usd-daily", "2010-01-01"),
            {},
            "start='2010-01-01' is outside the data: btc-usd-daily covers 2014-09-17 .. 2021-11-24",
        ),
        (("btc-usd-daily", None, "2024-01-01"), {}, "end='2024-01-01' is outside the data"),
        (
            ("btcusdt-1h", "2021-09-30 23:00"),
            {},
            "btcusdt-1h covers 2021-10-01 00:00 .. 2022-10-31 23:00",
        ),
        (("btc-usd-daily", "2021-01-05", "2021-01-01"), {}, "start must not be after end"),
        (("btc-usd-daily", "2021-01-05", "2021-01-05"), {}, "holds 1 row(s)"),
        (("btc-usd-daily", "yesterday-ish"), {}, "start must be a date or time"),
        (("btc-usd-daily",), {"column": "qqq"}, "column must be one of ['close', 'adj_close']"),
        (("qqq-letf-daily",), {"column": "QQQ"}, "column must be one of ['qqq', 'qld'"),
        (
            ("btc-usd-daily",),
            {"missing": "fill"},
            "missing must be one of 'error', 'ffill', 'drop', got 'fill'",
        ),
        (
            ("qqq-letf-daily", "2024-05-01"),
            {"column": "sqqq", "missing": "ffill"},
            "no price on 2024-05-01, the first row of the range",
        ),
        (
            ("qqq-letf-daily", "2024-05-01"),
            {"column": "sqqq", "missing": "drop"},
            "fewer than 2 rows with prices",
        ),
    ],
)
def test_bad_input_names_parameter_value_and_what_is_allowed(args, kwargs, message):
    with pytest.raises(ValueError) as err:
        data.market(*args, **kwargs)
    assert message in str(err.value)


def test_start_of_the_wrong_type():
    with pytest.raises(TypeError, match="start must be a date or time"):
        data.market("btc-usd-daily", 2020)


# --------------------------------------------------------------------------- others
def test_sample_api_still_works():
    assert data.SAMPLE_MODEL["dist"] == "t"
    m = data.sample_market(days=30)
    assert m.steps == 29 and m.has_bars  # its klines carry open, high and low


def test_import_loads_no_chart_or_widget_package():
    code = (
        "import sys, smartlev as sl\n"
        "sl.data.market('btc-usd-daily', '2020-03-01', '2020-03-31'); sl.data.datasets()\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in {'altair', 'ipywidgets'}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_simulating_a_shipped_market_runs():
    r = sl.simulate(
        sl.LeveragedToken(3.0), data.market("btc-usd-daily", "2021-01-01", "2021-03-31")
    )
    assert r.nav.shape == (1, 90) and r.nav[0, 0] == 1.0
