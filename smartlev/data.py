r"""A synthetic price history in an exchange's kline format, for offline lessons.

The course ships one CSV, ``course/data/sample_synthetic_btcusdt_1d.csv``, produced by
:func:`write_sample_csv`. Its prices are **synthetic**: simulated from a seeded
GARCH(1,1) model, not bitcoin's real history. The layout is the one a learner gets
from an exchange export (Binance daily klines with a header row), so the same code
loads the sample and a real download with :func:`smartlev.scenarios.load_csv`.

Regenerate the file with ``python -m smartlev.data [path]``.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import scenarios
from ._validate import check_int, check_real
from .market import DAYS_PER_YEAR, Market

__all__ = [
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
    with 4 degrees of freedom, +20% a year drift), the same ``seed`` and
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
