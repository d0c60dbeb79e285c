r"""Price data for the course: real histories shipped with the package, and a synthetic sample.

Real data (offline, inside the installed package, ``smartlev/datasets/``):
:func:`datasets` lists them, :func:`load` returns one as a DataFrame indexed by UTC
timestamps, :func:`market` turns one into a :class:`~smartlev.market.Market` with
bars and timestamps in one line. Their origins are credited in the README (Data).

The synthetic sample: the course also ships one CSV,
``course/data/sample_synthetic_btcusdt_1d.csv``, produced by :func:`write_sample_csv`.
Its prices are **synthetic**: simulated from a seeded GARCH(1,1) model, not bitcoin's
real history. The layout is the one a learner gets from an exchange export (Binance
daily klines with a header row), so the same code loads the sample and a real download
with :func:`smartlev.scenarios.load_csv`.

Regenerate the sample file with ``python -m smartlev.data [path]``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import math
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import scenarios
from ._validate import check_choice, check_int, check_real
from .market import DAYS_PER_YEAR, Market

__all__ = [
    "datasets",
    "load",
    "market",
    "SAMPLE_FILE_NAME",
    "SAMPLE_MODEL",
    "sample_klines",
    "sample_market",
    "write_sample_csv",
]

#: File name of the committed sample; "synthetic" is part of the name on purpose.
SAMPLE_FILE_NAME = "sample_synthetic_btcusdt_1d.csv"

#: Parameters of the GARCH(1,1) model behind the sample's daily closes
#: (see :func:`smartlev.scenarios.garch`).
SAMPLE_MODEL = {
    "long_run_vol": 0.6,
    "alpha": 0.08,
    "beta": 0.9,
    "dist": "t",
    "dof": 4.0,
    "mu": 0.2,
}

_MS_PER_DAY = 86_400_000
_DATA_STREAM = 100  # spawn-key stream of the intraday and volume noise


def sample_klines(
    days: int = 730,
    seed: int = 7,
    *,
    start: str = "2023-01-01",
    start_price: float = 20_000.0,
) -> pd.DataFrame:
    r"""Synthetic daily candles of a bitcoin-like coin, in Binance kline format.

    Parameters
    ----------
    days : int
        Number of daily candles (>= 2).
    seed : int
        Seed (>= 0); the same seed gives the same table.
    start : str
        UTC date of the first candle's open.
    start_price : float
        Open of the first candle (> 0).

    Returns
    -------
    pandas.DataFrame
        One row per day with the 12 kline columns ``open_time, open, high, low,
        close, volume, close_time, quote_volume, count, taker_buy_volume,
        taker_buy_quote_volume, ignore``; times in epoch milliseconds (UTC), prices
        rounded to the cent.

    Notes
    -----
    The daily closes are path 0 of :func:`smartlev.scenarios.garch` with the
    parameters in :data:`SAMPLE_MODEL` (60% long-run volatility, Student-t shocks
    with 4 degrees of freedom, a continuous drift mu = 0.2), the same ``seed`` and
    ``start_price``, rounded to the cent. Each candle opens at the previous close.
    Inside day :math:`d`, with conditional variance :math:`h_d` and log return
    :math:`r_d`, the price follows 24 hourly steps of a Brownian bridge in log space
    from the open to the close,

    .. math:: x_j = \tfrac{j}{24} r_d + \sqrt{h_d/24}\,\Big(W_j - \tfrac{j}{24} W_{24}\Big),

    and the high and low are the extremes of those 25 points. Volume grows with the
    day's volatility: :math:`V_d = 25{,}000\,\sqrt{h_d/\bar h}\,e^{0.25 N - 0.03125}`
    coins, with :math:`N` standard normal; buyers take
    :math:`0.5 + 0.1\tanh(r_d/\sqrt{h_d})` of it, plus noise.

    Examples
    --------
    >>> from smartlev import data
    >>> k = data.sample_klines(days=5)
    >>> list(k.columns[:5])
    ['open_time', 'open', 'high', 'low', 'close']
    >>> bool((k.high >= k[["open", "close"]].max(axis=1)).all())
    True
    >>> bool((k.open.iloc[1:].to_numpy() == k.close.iloc[:-1].to_numpy()).all())
    True
    """
    n_days = check_int("days", days, low=2, high=100_000)
    s = check_int("seed", seed, low=0)
    p0 = check_real("start_price", start_price, low=0.0, low_open=True)
    try:
        t0 = pd.Timestamp(start, tz="UTC")
    except (TypeError, ValueError):
        raise ValueError(f"start must be a date such as '2023-01-01', got {start!r}") from None
    dt = 1.0 / DAYS_PER_YEAR
    a, b = SAMPLE_MODEL["alpha"], SAMPLE_MODEL["beta"]
    h_bar = SAMPLE_MODEL["long_run_vol"] ** 2 * dt
    r, h = scenarios._garch_log_returns(
        s,
        0,
        1,
        n_days,
        dt,
        omega=h_bar * (1.0 - a - b),
        alpha=a,
        beta=b,
        dist=SAMPLE_MODEL["dist"],
        dof=SAMPLE_MODEL["dof"],
        mu=SAMPLE_MODEL["mu"],
    )
    r, h = r[:, 0], h[:, 0]
    exact_close = scenarios._prices(r[None, :], p0)[0, 1:]
    close = np.round(exact_close, 2)
    open_ = np.concatenate(([round(p0, 2)], close[:-1]))

    rng = np.random.default_rng(np.random.SeedSequence(s, spawn_key=(_DATA_STREAM, 0)))
    z = rng.standard_normal((n_days, 24))
    noise = rng.standard_normal((n_days, 3))
    frac = np.arange(25) / 24
    walk = np.zeros((n_days, 25))
    walk[:, 1:] = np.cumsum(z, axis=1) * np.sqrt(h / 24)[:, None]
    log_path = frac * r[:, None] + walk - frac * walk[:, -1:]
    start_of_day = np.concatenate(([p0], exact_close[:-1]))
    intraday = start_of_day[:, None] * np.exp(log_path)
    high = np.maximum(np.round(intraday.max(axis=1), 2), np.maximum(open_, close))
    low = np.minimum(np.round(intraday.min(axis=1), 2), np.minimum(open_, close))

    volume = np.round(25_000.0 * np.sqrt(h / h_bar) * np.exp(0.25 * noise[:, 0] - 0.03125), 5)
    typical = (high + low + close) / 3.0
    buy_share = np.clip(0.5 + 0.1 * np.tanh(r / np.sqrt(h)) + 0.02 * noise[:, 1], 0.05, 0.95)
    taker_buy = np.round(volume * buy_share, 5)
    trades = np.round(volume * 40.0 * np.exp(0.1 * noise[:, 2])).astype(np.int64)

    open_time = t0.value // 1_000_000 + np.arange(n_days, dtype=np.int64) * _MS_PER_DAY
    return pd.DataFrame(
        {
            "open_time": open_time,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": volume,
            "close_time": open_time + _MS_PER_DAY - 1,
            "quote_volume": np.round(volume * typical, 2),
            "count": trades,
            "taker_buy_volume": taker_buy,
            "taker_buy_quote_volume": np.round(taker_buy * typical, 2),
            "ignore": np.zeros(n_days, dtype=np.int64),
        }
    )


def _to_csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def write_sample_csv(path: str | Path, *, days: int = 730, seed: int = 7) -> Path:
    """Write :func:`sample_klines` to ``path`` (a file, or a folder to put it in).

    Parameters
    ----------
    path : str or Path
        Target file, or an existing folder (the file is then named
        :data:`SAMPLE_FILE_NAME`). Missing parent folders are created.
    days, seed : int
        As in :func:`sample_klines`; the committed sample uses the defaults.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from smartlev import data, scenarios
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = data.write_sample_csv(folder, days=30)
    ...     m = scenarios.load_csv(file)
    ...     file.name, m.steps, m.steps_per_day
    ('sample_synthetic_btcusdt_1d.csv', 29, 1)
    """
    target = Path(path)
    if target.is_dir():
        target = target / SAMPLE_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    text = _to_csv_text(sample_klines(days=days, seed=seed))
    target.write_bytes(text.encode("utf-8"))
    return target


def sample_market(days: int = 730, seed: int = 7) -> Market:
    """The sample history as a one-path :class:`~smartlev.market.Market` (closes).

    Identical to loading the committed CSV with :func:`smartlev.scenarios.load_csv`,
    without touching the disk.

    Examples
    --------
    >>> from smartlev import data
    >>> m = data.sample_market()
    >>> m.paths, m.steps, m.steps_per_day, m.name
    (1, 729, 1, 'synthetic BTCUSDT 1d')
    >>> str(m.timestamps[0])[:10]
    '2023-01-01'
    """
    text = _to_csv_text(sample_klines(days=days, seed=seed))
    return scenarios.load_csv(io.StringIO(text), name="synthetic BTCUSDT 1d")


def _main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("course") / "data" / SAMPLE_FILE_NAME
    written = write_sample_csv(target)
    print(f"wrote {written} (synthetic prices, {math.floor(written.stat().st_size / 1024)} KiB)")
    return 0


if __name__ == "__main__":  # pragma: no cover - command line entry point
    raise SystemExit(_main(sys.argv[1:]))


# ----------------------------------------------------------------- real price history
#: The real datasets shipped with the package, in ``smartlev/datasets/`` (gzip CSV).
_DATASETS: dict[str, dict] = {
    "btc-usd-daily": {
        "file": "btc-usd-daily.csv.gz",
        "what": "bitcoin in US dollars, daily bars (UTC days): open, high, low, close, "
        "adj_close, volume",
        "origin": "Yahoo Finance history, as republished in the GitHub repository "
        "Garve/datasets (BTC-USD.csv)",
        "kind": "yahoo",
        "steps_per_day": 1,
    },
    "eth-usd-daily": {
        "file": "eth-usd-daily.csv.gz",
        "what": "ether in US dollars, daily bars (UTC days): open, high, low, close, "
        "adj_close, volume",
        "origin": "Yahoo Finance history, as republished in the GitHub repository "
        "Garve/datasets (ETH-USD.csv)",
        "kind": "yahoo",
        "steps_per_day": 1,
    },
    "btcusdt-1h": {
        "file": "btcusdt-1h.csv.gz",
        "what": "BTCUSDT hourly klines, indexed by each hour's open time (UTC): open, "
        "high, low, close, volume",
        "origin": "Binance spot klines, as republished in the GitHub repository "
        "marziehbagherinia/Technical-Feature-Generator (data/BTCUSDT-1h.csv)",
        "kind": "kline",
        "steps_per_day": 24,
    },
    "qqq-letf-daily": {
        "file": "qqq-letf-daily.csv.gz",
        "what": "QQQ and the leveraged funds QLD (2x), TQQQ (3x), SQQQ (-3x), daily on "
        "trading days: <fund>_adj (dividend-adjusted) and <fund>_close (split-adjusted) "
        "closes",
        "origin": "Yahoo Finance history, as republished in the GitHub repository "
        "hjyssg/tqqq_simulation (data/qqq.csv, tqqq.csv, QLD.csv, sqqq.csv)",
        "kind": "funds",
        "steps_per_day": 1,
    },
    "fed-funds-annual": {
        "file": "fed-funds-annual.csv.gz",
        "what": "yearly average effective federal funds rate: year, "
        "effective_fed_funds_pct (per cent), rate (a fraction per year); 2025 is "
        "January to July",
        "origin": "US Federal Reserve, FRED series FEDFUNDS (yearly averages)",
        "kind": "rates",
        "steps_per_day": None,
    },
}

_FUNDS = ("qqq", "qld", "tqqq", "sqqq")
_MISSING = ("error", "ffill", "drop")


def _check_dataset(name: object) -> dict:
    known = ", ".join(repr(k) for k in _DATASETS)
    if not isinstance(name, str) or name not in _DATASETS:
        raise ValueError(f"name must be one of the shipped datasets {known}, got {name!r}")
    return _DATASETS[name]


@functools.cache
def _read(name: str) -> pd.DataFrame:
    info = _DATASETS[name]
    ref = resources.files("smartlev") / "datasets" / info["file"]
    with ref.open("rb") as fh:
        raw = pd.read_csv(fh, compression="gzip")
    kind = info["kind"]
    if kind == "yahoo":
        frame = raw.rename(columns=lambda c: c.strip().lower().replace(" ", "_"))
        index = pd.to_datetime(frame.pop("date"), utc=True)
    elif kind == "kline":
        frame = raw.drop(columns=["open_time"])
        index = pd.to_datetime(frame.pop("open_time_utc"), utc=True)
    elif kind == "funds":
        frame = raw.rename(columns=str.lower)
        index = pd.to_datetime(frame.pop("date"), utc=True)
    else:  # yearly rates: the index is the first day of each year
        frame = raw.copy()
        index = pd.to_datetime(frame["year"].astype(str) + "-01-01", utc=True)
        frame["rate"] = frame["effective_fed_funds_pct"] / 100.0
    frame.index = pd.DatetimeIndex(index, name="time")
    return frame


def datasets() -> pd.DataFrame:
    """The real price histories shipped with the package (they work offline).

    Returns
    -------
    pandas.DataFrame
        One row per dataset, indexed by ``name`` (what :func:`load` and :func:`market`
        take), with columns ``what``, ``range`` (first .. last row, UTC), ``rows``
        and ``origin`` (where the numbers come from; see the README's Data section).

    Examples
    --------
    >>> from smartlev import data
    >>> table = data.datasets()
    >>> list(table.index)
    ['btc-usd-daily', 'eth-usd-daily', 'btcusdt-1h', 'qqq-letf-daily', 'fed-funds-annual']
    >>> table.loc["btc-usd-daily", "range"], int(table.loc["btcusdt-1h", "rows"])
    ('2014-09-17 .. 2021-11-24', 9504)
    """
    rows = []
    for name, info in _DATASETS.items():
        frame = _read(name)
        rows.append(
            {
                "name": name,
                "what": info["what"],
                "range": f"{_fmt(frame.index[0], info)} .. {_fmt(frame.index[-1], info)}",
                "rows": len(frame),
                "origin": info["origin"],
            }
        )
    return pd.DataFrame(rows).set_index("name")


def _fmt(ts: pd.Timestamp, info: dict) -> str:
    if info["kind"] == "rates":
        return str(ts.year)
    return ts.strftime("%Y-%m-%d %H:%M" if (info["steps_per_day"] or 1) > 1 else "%Y-%m-%d")


def load(name: str) -> pd.DataFrame:
    """One shipped dataset as a DataFrame indexed by UTC timestamps.

    Parameters
    ----------
    name : str
        One of :func:`datasets`' names:

        * ``"btc-usd-daily"``, ``"eth-usd-daily"``: columns ``open, high, low, close,
          adj_close, volume``; one row per UTC day, indexed by the day's start. The
          source skipped 4 days (2020-04-17, 2020-10-09, 2020-10-12, 2020-10-13): those
          rows are kept with empty (NaN) values, so the gaps stay visible.
        * ``"btcusdt-1h"``: columns ``open, high, low, close, volume`` (volume in
          bitcoin); indexed by each hour's open time.
        * ``"qqq-letf-daily"``: columns ``qqq_adj, qqq_close, qld_adj, qld_close,
          tqqq_adj, tqqq_close, sqqq_adj, sqqq_close``: ``_adj`` closes include
          dividends, ``_close`` are split-adjusted exchange closes; one row per US
          trading day (indexed by the date at 00:00 UTC). SQQQ is empty after 2024-04-01.
        * ``"fed-funds-annual"``: columns ``year``, ``effective_fed_funds_pct`` (per
          cent) and ``rate`` (the same as a fraction per year), indexed by 1 January.

    Returns
    -------
    pandas.DataFrame
        A fresh copy (changing it does not change later loads), index named ``time``
        with time zone UTC.

    Examples
    --------
    >>> from smartlev import data
    >>> btc = data.load("btc-usd-daily")
    >>> btc.loc["2020-03-12", ["open", "low", "close"]].round(0).tolist()
    [7914.0, 4860.0, 4971.0]
    >>> list(data.load("btcusdt-1h").columns)
    ['open', 'high', 'low', 'close', 'volume']
    >>> data.load("btc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: name must be one of the shipped datasets 'btc-usd-daily', ..., got 'btc'
    """
    _check_dataset(name)
    return _read(name).copy()


def _bound(which: str, value: object, info: dict, name: str, frame: pd.DataFrame):
    """``(timestamp to compare with the data, timestamp to slice with)`` for start/end."""
    if value is None:
        ts = frame.index[0] if which == "start" else frame.index[-1]
        return ts, ts
    if not isinstance(value, (str, pd.Timestamp, np.datetime64, _dt.date)):
        raise TypeError(
            f"{which} must be a date or time such as '2020-03-01' or '2021-10-01 08:00' "
            f"(a string, datetime or pandas Timestamp), got {value!r}"
        )
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{which} must be a date or time such as '2020-03-01', got {value!r}"
        ) from None
    if ts is pd.NaT:
        raise ValueError(f"{which} must be a date or time, got {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    first, last = frame.index[0], frame.index[-1]
    day_only = isinstance(value, str) and len(value.strip()) <= 10  # "2020-03-12"
    cut = ts
    if which == "end" and day_only:  # the whole day
        cut = ts + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    if which == "start":
        outside = ts < (first.normalize() if day_only else first) or ts > last
    else:
        outside = ts > last or cut < first
    if outside:
        raise ValueError(
            f"{which}={value!r} is outside the data: {name} covers "
            f"{_fmt(first, info)} .. {_fmt(last, info)}"
        )
    return ts, cut


def market(
    name: str,
    start: object = None,
    end: object = None,
    *,
    column: str | None = None,
    missing: str = "error",
) -> Market:
    """A shipped price history as a one-path :class:`~smartlev.market.Market`.

    Parameters
    ----------
    name : str
        ``"btc-usd-daily"``, ``"eth-usd-daily"``, ``"btcusdt-1h"`` or
        ``"qqq-letf-daily"`` (``"fed-funds-annual"`` holds rates, not prices: use
        :func:`load`).
    start, end : str, datetime or Timestamp, optional
        First and last row to include (both inclusive; UTC unless they say otherwise);
        default the whole file. A date without a time (``"2022-06-13"``) as ``end``
        includes that whole day. Both must lie within the data's range.
    column : str, optional
        The price series. Crypto datasets: ``"close"`` (the default) gives the closes
        with each bar's open, high and low; ``"adj_close"`` gives closes only.
        ``"qqq-letf-daily"``: ``"qqq"`` (the default), ``"qld"``, ``"tqqq"`` or
        ``"sqqq"`` for the dividend-adjusted closes (also ``"<fund>_adj"``), or
        ``"<fund>_close"`` for split-adjusted exchange closes; closes only.
    missing : {"error", "ffill", "drop"}
        Rows without prices in the requested range (4 days in each Yahoo crypto file;
        SQQQ after 2024-04-01). ``"error"`` (the default) refuses and names the missing
        dates; ``"ffill"`` keeps each such row as a flat bar: open, high, low and close
        all equal to the last close before it (a zero return), at its own timestamp;
        ``"drop"`` removes the rows, so the step across a gap lasts longer (two days
        instead of one: :attr:`Market.step_days` and the calendar accrual cover it). A
        missing first row cannot be filled: start later or drop it.

    Returns
    -------
    Market
        One path named ``"<name> <first>..<last>"`` (with the column for
        ``"qqq-letf-daily"``), with UTC ``timestamps`` and bars where the file has them.
        The timestamps are the rows' labels in the file, which are the *starts* of the
        bars (for daily data the day, for klines the hour's open time) while each price
        is a close: step lengths are exact, and a funding time is counted in the step
        labelled with it, one bar after the close it falls on (an hour late on the
        hourly file; no difference for daily files, 3 per day either way).
        ``steps_per_day`` is 1 for daily files (one step per trading day for the funds,
        while :attr:`Market.step_days` counts calendar days) and 24 for the hourly file.

    Examples
    --------
    >>> from smartlev import data
    >>> m = data.market("btc-usd-daily", "2020-03-11", "2020-03-12")
    >>> m.name, m.steps, m.has_bars
    ('btc-usd-daily 2020-03-11..2020-03-12', 1, True)
    >>> round(m.open[0, 1]), round(m.low[0, 1]), round(m.prices[0, 1])
    (7914, 4860, 4971)
    >>> data.market("qqq-letf-daily", "2020-01-03", "2020-01-07", column="tqqq").step_days
    array([3., 1.])
    >>> data.market("btc-usd-daily", "2020-04-01", "2020-04-30")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: btc-usd-daily has no prices on 2020-04-17 (1 row in 2020-04-01 .. 2020-04-30); pass missing='ffill' ...
    """  # noqa: E501
    info = _check_dataset(name)
    if info["kind"] == "rates":
        raise ValueError(
            f"name={name!r} holds yearly interest rates, not prices; load it with "
            "smartlev.data.load(name) (e.g. as an interest_rate)"
        )
    how = check_choice("missing", missing, _MISSING)
    frame = _read(name)
    if info["kind"] == "funds":
        allowed = [*_FUNDS] + [f"{f}_{k}" for f in _FUNDS for k in ("adj", "close")]
        col = "qqq" if column is None else column
        if col not in allowed:
            raise ValueError(f"column must be one of {allowed} for {name!r}, got {column!r}")
        col = f"{col}_adj" if col in _FUNDS else col
        bar_cols: tuple[str, ...] = ()
    else:
        allowed = ["close", "adj_close"]
        col = "close" if column is None else column
        if col not in allowed:
            raise ValueError(f"column must be one of {allowed} for {name!r}, got {column!r}")
        bar_cols = ("open", "high", "low") if col == "close" else ()
    lo, lo_cut = _bound("start", start, info, name, frame)
    hi, hi_cut = _bound("end", end, info, name, frame)
    if lo_cut > hi_cut:
        raise ValueError(f"start must not be after end, got start={start!r}, end={end!r}")
    part = frame.loc[(frame.index >= lo_cut) & (frame.index <= hi_cut), [col, *bar_cols]]
    span = f"{_fmt(lo, info)} .. {_fmt(hi, info)}"
    if len(part) < 2:
        raise ValueError(
            f"start={start!r} .. end={end!r} holds {len(part)} row(s) of {name}; a market "
            "needs at least 2 (a start and one step)"
        )
    gone = part.isna().any(axis=1).to_numpy()
    if gone.any():
        dates = [_fmt(t, info) for t in part.index[gone]]
        shown = ", ".join(dates[:8]) + (f" and {len(dates) - 8} more" if len(dates) > 8 else "")
        if how == "error":
            rows = "row" if len(dates) == 1 else "rows"
            raise ValueError(
                f"{name} has no prices on {shown} ({len(dates)} {rows} in {span}); pass "
                "missing='ffill' to carry the last close over them (flat bars) or "
                "missing='drop' to leave them out, or choose another range"
            )
        if how == "drop":
            part = part.loc[~gone]
            if len(part) < 2:
                raise ValueError(
                    f"{name} has fewer than 2 rows with prices in {span} once the missing "
                    f"ones ({shown}) are dropped"
                )
        else:
            if gone[0]:
                raise ValueError(
                    f"{name} has no price on {dates[0]}, the first row of the range: "
                    "missing='ffill' needs a close before it; start later or use "
                    "missing='drop'"
                )
            close = part[col].where(~gone).ffill()  # a row with any hole is a missing row
            part = part.copy()
            part[col] = close
            for b in bar_cols:
                part[b] = part[b].where(~gone, close)
    close = part[col].to_numpy(dtype=float)
    bars = {b: part[b].to_numpy(dtype=float) for b in bar_cols}
    times = part.index.tz_convert(None).to_numpy()
    label = f"{name} {col.removesuffix('_adj')} " if info["kind"] == "funds" else f"{name} "
    label += f"{_fmt(part.index[0], info)}..{_fmt(part.index[-1], info)}"
    return Market.from_prices(
        close, steps_per_day=info["steps_per_day"], name=label, timestamps=times, **bars
    )
