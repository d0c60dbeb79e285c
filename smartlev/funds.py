r"""The model against real funds: daily-rebalanced leveraged ETFs on the Nasdaq-100.

A sceptical learner should not trust a simulated 3x crypto token before the same model
has been checked against a leveraged product whose history is public. ProShares'
TQQQ (3x), QLD (2x) and SQQQ (-3x) rebalance once a day to a fixed multiple of the
Nasdaq-100, charge a yearly expense ratio and pay (or, for SQQQ, earn) interest on
the cash leg of their swaps. This module models them from QQQ's dividend-adjusted
closes with :class:`~smartlev.products.LeveragedToken` and the shipped data
(:func:`smartlev.data.load`), and puts the model beside each fund's real history.

Governing equation (one step from close :math:`t-1` to close :math:`t`, lasting
:math:`d_t` calendar days, with index return :math:`r_t`):

.. math::

    \frac{V_t}{V_{t-1}} = 1 + L\,r_t
        - \underbrace{\frac{e\,d_t}{365}(1 + L\,r_t)}_{\text{expense ratio}}
        - \underbrace{(L - 1)\,\frac{i_t\,d_t}{365}}_{\text{financing}},
    \qquad
    i_t = \begin{cases} f_{y(t)} + s & L > 1 \text{ (borrowed cash pays)}\\
          \max(f_{y(t)} - s,\ 0) & L < 1 \text{ (cash held earns)} \end{cases}

(to first order: the engine pays the fee from cash before interest accrues, which adds
a cross term below :math:`10^{-7}` a day), with :math:`e` the expense ratio per year
(charged per calendar day, so a Friday-to-Monday step pays 3 days), :math:`f_{y(t)}` the
average effective federal funds rate of the calendar year in which step :math:`t` ends,
and :math:`s` the spread. For an inverse fund :math:`L - 1 < 0`: it holds
:math:`1 + |L|` times its NAV in cash and the financing term is income.

The spread (default :data:`SPREAD` = 0.5 % a year) stands for what a swap dealer charges
over the overnight rate on the fund's borrowing, and holds back from what it pays on a
short fund's cash. It is the figure given with the shipped data ("about 0.5 %"), not
refitted here. The claim is sensitive to it: on 2011-2024, TQQQ stays within both limits
(mean absolute yearly gap <= 1 %, no year beyond 3.5 %) for spreads from 0.3 % to 0.5 %;
at 0.2 % its 2020 is 3.57 % off, at 0.6 % the mean gap is 1.01 % (see the tests). QLD and
SQQQ are less sensitive.

Measured on the shipped data (2011-2024, defaults): TQQQ's mean absolute yearly gap is
0.95 % (worst 2020, 2.3 %), QLD's 0.38 % (worst 2013, 1.1 %). The spread that would close
each year's gap is not constant: around 0.2 % a year in 2011-2019 (-0.2 % to 0.6 %) and
0.6-1.3 % in 2020-2024, so the model is slightly too costly early on and slightly too
cheap later. TQQQ's 2020 gap sits in March 2020: on 2020-03-17 alone the fund's close
fell 6.4 % short of the model, after two days on which it ran ahead, the
close-versus-NAV noise of a stressed market.

SQQQ (-3x) holds about 4 times its NAV in cash (its own plus the short proceeds) and
earns on it, so in the model financing is income: nothing in the zero-rate years (the
rate less the spread is floored at zero), up to +8 % of NAV in 2022. Its history ends on
2024-04-01, so its 2024 is a quarter. It tracks about as well as the long funds (mean
absolute gap 0.51 %) with one poor year, 2018, when the real fund beat the model by
2.4 %, spread over the whole year rather than on one day: it earned more on its cash than
fed funds less 0.5 % (a real short fund holds Treasury bills and receives the swap rate
on its short notional, which need not match this one-rate model). SQQQ is reported, not
held to the limits.

What the model leaves out (the residual, real minus model): the fund's own trading
(futures and swap resets, costs in volatile years), exchange closes that differ from
the fund's NAV at the year ends (the data are market closes, not NAVs), expense ratios
that changed over time (TQQQ's net ratio was 0.95 % in 2022 and 0.86-0.88 % in
2023-2024, per ProShares' fund page and fact sheet), the exact swap benchmark and
spread, and how the data source adjusted distributions.

Examples
--------
>>> from smartlev import funds
>>> table = funds.yearly_tracking("tqqq", years=[2022, 2023])
>>> table[["model", "real", "gap"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
      model   real    gap
year
2022 -0.788 -0.791  0.003
2023  1.996  1.980  0.015
>>> s = funds.tracking_summary(funds.yearly_tracking("tqqq"))
>>> bool(s["mean_abs_gap"] <= 0.01), bool(s["max_abs_gap"] <= 0.035)
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral

import numpy as np
import pandas as pd

from . import data
from ._validate import check_real
from .engine import simulate
from .market import DAYS_PER_YEAR, Market
from .products import LeveragedToken

__all__ = [
    "FUNDS",
    "EXPENSE_RATIO",
    "SPREAD",
    "YEARS",
    "fund_token",
    "interest_rates",
    "model_fund",
    "yearly_tracking",
    "tracking_summary",
]

#: The funds in ``"qqq-letf-daily"`` and their daily leverage on the Nasdaq-100.
FUNDS: dict[str, float] = {"tqqq": 3.0, "qld": 2.0, "sqqq": -3.0}

#: Yearly expense ratio of TQQQ, QLD and SQQQ used by default (ProShares' net ratio,
#: 0.95 % for most of the history; TQQQ's was 0.86-0.88 % in 2023-2024).
EXPENSE_RATIO = 0.0095

#: Spread over the federal funds rate on the cash leg, per year: borrowed cash pays
#: ``rate + SPREAD``, cash held earns ``max(rate - SPREAD, 0)``.
SPREAD = 0.005

#: The calendar years the tracking claim is made on (TQQQ and QLD).
YEARS = range(2011, 2025)

_PRICES = "qqq-letf-daily"
_RATES = "fed-funds-annual"


# --------------------------------------------------------------------------- input
def _check_fund(fund: object) -> str:
    if not isinstance(fund, str) or fund.lower() not in FUNDS:
        known = ", ".join(repr(k) for k in FUNDS)
        raise ValueError(f"fund must be one of {known}, got {fund!r}")
    return fund.lower()


def _history(fund: str) -> pd.DataFrame:
    """QQQ's and the fund's adjusted closes on the days the fund has a price."""
    frame = data.load(_PRICES)[["qqq_adj", f"{fund}_adj"]]
    frame = frame.loc[frame[f"{fund}_adj"].notna()]
    return frame.set_axis(["index", "fund"], axis=1)


def _span(history: pd.DataFrame) -> str:
    return f"{history.index[0]:%Y-%m-%d} .. {history.index[-1]:%Y-%m-%d}"


def _check_costs(expense_ratio: object, spread: object) -> tuple[float, float]:
    e = check_real("expense_ratio", expense_ratio, low=0.0, high=0.2)
    s = check_real("spread", spread, low=0.0, high=0.2)
    return e, s


# --------------------------------------------------------------------- the pieces
def interest_rates(timestamps, leverage: float, *, spread: float = SPREAD) -> np.ndarray:
    """Interest rate per year on the fund's cash, one value per step.

    Parameters
    ----------
    timestamps : array_like of datetime
        The market's timestamps (one per price; a step ends at each one after the first).
    leverage : float
        The fund's leverage: above 1 it borrows (pays the federal funds rate plus
        ``spread``), below 1 it holds cash (earns the rate less ``spread``, never below 0).
    spread : float
        Spread per year over or under the federal funds rate.

    Returns
    -------
    numpy.ndarray
        ``len(timestamps) - 1`` rates: step ``k`` (from ``timestamps[k]`` to
        ``timestamps[k + 1]``) takes the yearly average effective federal funds rate of
        the year in which it ends (``"fed-funds-annual"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from smartlev import funds
    >>> ts = pd.to_datetime(["2022-12-30", "2023-01-03", "2023-01-04"])
    >>> funds.interest_rates(ts, 3.0).round(4).tolist()     # 2023: 5.02 % + 0.5 %
    [0.0552, 0.0552]
    >>> funds.interest_rates(ts, -3.0).round(4).tolist()    # a short fund earns 5.02 % - 0.5 %
    [0.0452, 0.0452]
    >>> funds.interest_rates(pd.to_datetime(["2025-12-31", "2026-01-02"]), 3.0)
    Traceback (most recent call last):
    ...
    ValueError: the federal funds rates cover 2009 .. 2025, got a step ending in 2026
    """
    lev = check_real("leverage", leverage, low=-20.0, high=20.0)
    s = check_real("spread", spread, low=0.0, high=0.2)
    years = pd.DatetimeIndex(pd.to_datetime(np.asarray(timestamps))).year.to_numpy()[1:]
    table = data.load(_RATES)
    by_year = pd.Series(table["rate"].to_numpy(), index=table["year"].to_numpy())
    missing = sorted(set(years.tolist()) - set(by_year.index.tolist()))
    if missing:
        raise ValueError(
            f"the federal funds rates cover {by_year.index[0]} .. {by_year.index[-1]}, "
            f"got a step ending in {missing[0]}"
        )
    base = by_year.loc[years].to_numpy(dtype=float)
    return base + s if lev > 1.0 else np.maximum(base - s, 0.0)


def fund_token(
    fund: str,
    timestamps=None,
    *,
    expense_ratio: float = EXPENSE_RATIO,
    spread: float = SPREAD,
    financing: bool = True,
) -> LeveragedToken:
    """The :class:`~smartlev.products.LeveragedToken` that models one fund.

    Parameters
    ----------
    fund : {"tqqq", "qld", "sqqq"}
    timestamps : array_like of datetime, optional
        The market's timestamps; needed when ``financing`` is on (the rate changes by
        calendar year, see :func:`interest_rates`).
    expense_ratio : float
        Per year; charged as ``expense_ratio / 365`` per calendar day.
    spread : float
        See :func:`interest_rates`.
    financing : bool
        ``False`` leaves the cash leg without interest.

    Returns
    -------
    LeveragedToken
        Rebalanced daily to the fund's leverage, named after the fund.

    Examples
    --------
    >>> from smartlev import funds
    >>> t = funds.fund_token("tqqq", financing=False)
    >>> t.leverage, round(t.management_fee * 365, 4), t.name
    (3.0, 0.0095, 'TQQQ model')
    """
    key = _check_fund(fund)
    e, s = _check_costs(expense_ratio, spread)
    lev = FUNDS[key]
    rate: float | tuple[float, ...] = 0.0
    if financing:
        if timestamps is None:
            raise ValueError("timestamps are needed for the financing (pass financing=False)")
        rate = tuple(interest_rates(timestamps, lev, spread=s).tolist())
    return LeveragedToken(
        lev,
        rebalance_every_days=1.0,
        management_fee=e / DAYS_PER_YEAR,
        interest_rate=rate,
        name=f"{key.upper()} model",
    )


def _market(history: pd.DataFrame) -> Market:
    times = history.index.tz_convert(None).to_numpy()
    return Market.from_prices(history["index"].to_numpy(dtype=float), timestamps=times)


def _nav(fund, history, market, expense_ratio, spread, financing=True) -> np.ndarray:
    token = fund_token(
        fund,
        market.timestamps,
        expense_ratio=expense_ratio,
        spread=spread,
        financing=financing,
    )
    return simulate(token, market).nav[0]


def _bound(which: str, value: object, history: pd.DataFrame, fund: str) -> pd.Timestamp:
    if value is None:
        return history.index[0] if which == "start" else history.index[-1]
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{which} must be a date such as '2020-03-01', got {value!r}") from None
    if ts is pd.NaT:
        raise ValueError(f"{which} must be a date such as '2020-03-01', got {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    first, last = history.index[0], history.index[-1]
    if not first <= ts <= last + pd.Timedelta(days=1) - pd.Timedelta(1, "ns"):
        raise ValueError(f"{which}={value!r} is outside {fund.upper()}'s history: {_span(history)}")
    return ts


# ----------------------------------------------------------------------- the model
def model_fund(
    fund: str = "tqqq",
    start: object = None,
    end: object = None,
    *,
    expense_ratio: float = EXPENSE_RATIO,
    spread: float = SPREAD,
) -> pd.DataFrame:
    """A fund modelled from QQQ's adjusted closes, beside the real fund, day by day.

    Parameters
    ----------
    fund : {"tqqq", "qld", "sqqq"}
        TQQQ (3x), QLD (2x) or SQQQ (-3x, history ends 2024-04-01).
    start, end : str, datetime or Timestamp, optional
        First and last trading day (inclusive); default the fund's whole history
        (2010-02-11 .. 2025-07-03, SQQQ .. 2024-04-01).
    expense_ratio : float
        Per year (default :data:`EXPENSE_RATIO`, 0.95 %), charged per calendar day.
    spread : float
        Over the federal funds rate on borrowed cash, under it on cash held (default
        :data:`SPREAD`, 0.5 %); see :func:`interest_rates`.

    Returns
    -------
    pandas.DataFrame
        Indexed by trading day (UTC), one row per close: ``index`` (QQQ rebased to 1),
        ``model`` (the model's NAV, starts at 1), ``real`` (the fund's adjusted close
        rebased to 1), ``model_return`` and ``real_return`` (the day's returns; 0 on the
        first row), ``days`` (calendar days since the previous close) and ``rate`` (the
        interest rate per year applied to that step's cash).

    Notes
    -----
    The equation is in the module's docstring. The model runs on the days both QQQ
    and the fund have a close; fees and interest accrue over calendar days, so a
    weekend or holiday step costs more than a midweek one.

    Examples
    --------
    >>> from smartlev import funds
    >>> d = funds.model_fund("tqqq", "2020-03-02", "2020-03-31")
    >>> round(float(d["model"].iloc[-1]), 3), round(float(d["real"].iloc[-1]), 3)
    (0.554, 0.544)
    >>> d["days"].iloc[1:6].tolist()     # Monday after the weekend accrues 3 days
    [1.0, 1.0, 1.0, 1.0, 3.0]
    >>> funds.model_fund("sqqq", end="2024-12-31")
    Traceback (most recent call last):
    ...
    ValueError: end='2024-12-31' is outside SQQQ's history: 2010-02-11 .. 2024-04-01
    >>> funds.model_fund("upro")
    Traceback (most recent call last):
    ...
    ValueError: fund must be one of 'tqqq', 'qld', 'sqqq', got 'upro'
    """
    key = _check_fund(fund)
    e, s = _check_costs(expense_ratio, spread)
    history = _history(key)
    lo = _bound("start", start, history, key)
    hi = _bound("end", end, history, key)
    hi_cut = hi + pd.Timedelta(days=1) - pd.Timedelta(1, "ns") if end is not None else hi
    part = history.loc[(history.index >= lo) & (history.index <= hi_cut)]
    if len(part) < 2:
        raise ValueError(
            f"start={start!r} .. end={end!r} holds {len(part)} trading day(s) of "
            f"{key.upper()}; the model needs at least 2"
        )
    market = _market(part)
    nav = _nav(key, part, market, e, s)
    lev = FUNDS[key]
    out = pd.DataFrame(
        {
            "index": part["index"].to_numpy() / part["index"].iloc[0],
            "model": nav,
            "real": part["fund"].to_numpy() / part["fund"].iloc[0],
        },
        index=part.index,
    )
    out["model_return"] = out["model"].pct_change().fillna(0.0)
    out["real_return"] = out["real"].pct_change().fillna(0.0)
    out["days"] = np.concatenate(([0.0], market.step_days))
    out["rate"] = np.concatenate(([np.nan], interest_rates(market.timestamps, lev, spread=s)))
    return out


def yearly_tracking(
    fund: str = "tqqq",
    years: Iterable[int] = YEARS,
    *,
    expense_ratio: float = EXPENSE_RATIO,
    spread: float = SPREAD,
) -> pd.DataFrame:
    """Calendar-year returns of the model and of the real fund, and what the gap is made of.

    Parameters
    ----------
    fund : {"tqqq", "qld", "sqqq"}
    years : iterable of int
        Calendar years (default 2011-2024). A year's return runs from the last close
        before it (or the fund's first close, 2010-02-11, for 2010) to its last close
        (SQQQ's 2024 ends on 2024-04-01, 2025 on 2025-07-03): see ``start``/``end``.
    expense_ratio, spread : float
        As in :func:`model_fund`.

    Returns
    -------
    pandas.DataFrame
        One row per year (index ``year``): ``start`` and ``end`` (the closes the year
        runs between), ``model`` and ``real`` (returns as fractions), ``gap`` (model -
        real), and the decomposition of the model's return and of the real one:

        * ``no_costs``: the daily-rebalanced fund with no costs (compounded
          :math:`1 + L r_t`);
        * ``expense``: what the expense ratio changes (with the expense ratio only,
          minus ``no_costs``);
        * ``financing``: what the interest on the cash leg changes (the full model
          minus the expense-only one; positive for a short fund that earns it);
        * ``residual``: real minus model (``-gap``), what the model leaves out.

        So ``model = no_costs + expense + financing`` and ``real = model + residual``.
        :func:`tracking_summary` condenses it; the same summary is in ``.attrs``.

    Notes
    -----
    One simulation runs over the whole span; each year's return is the ratio of NAVs
    at its two closes. A daily-rebalanced fund's costs are proportional to its NAV,
    so this equals a fresh simulation of that year alone.

    Examples
    --------
    >>> from smartlev import funds
    >>> t = funds.yearly_tracking("tqqq", years=[2022])
    >>> cols = ["no_costs", "expense", "financing", "model", "real", "residual"]
    >>> t[cols].round(4)  # doctest: +NORMALIZE_WHITESPACE
          no_costs  expense  financing   model    real  residual
    year
    2022   -0.7759  -0.0021    -0.0095 -0.7876 -0.7909   -0.0033
    >>> funds.yearly_tracking("sqqq", years=[2025])
    Traceback (most recent call last):
    ...
    ValueError: years must lie in 2010 .. 2024 for SQQQ (history 2010-02-11 .. 2024-04-01), got 2025
    """  # noqa: E501
    key = _check_fund(fund)
    e, s = _check_costs(expense_ratio, spread)
    history = _history(key)
    first, last = history.index[0].year, history.index[-1].year
    if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
        raise TypeError(f"years must be an iterable of calendar years, got {years!r}")
    wanted = list(years)
    if not wanted:
        raise ValueError("years must name at least one calendar year")
    for y in wanted:
        if isinstance(y, bool) or not isinstance(y, Integral) or not first <= y <= last:
            raise ValueError(
                f"years must lie in {first} .. {last} for {key.upper()} "
                f"(history {_span(history)}), got {y!r}"
            )
    wanted = sorted({int(y) for y in wanted})

    year_of = history.index.year.to_numpy()
    ends = {y: int(np.flatnonzero(year_of == y)[-1]) for y in wanted}
    starts = {y: (int(np.flatnonzero(year_of < y)[-1]) if y > first else 0) for y in wanted}
    i0, i1 = min(starts.values()), max(ends.values())
    part = history.iloc[i0 : i1 + 1]
    market = _market(part)
    full = _nav(key, part, market, e, s)
    fee_only = _nav(key, part, market, e, s, financing=False)
    bare = _nav(key, part, market, 0.0, s, financing=False)
    real = part["fund"].to_numpy(dtype=float)

    rows = []
    for y in wanted:
        a, b = starts[y] - i0, ends[y] - i0

        def ret(x, a=a, b=b):
            return float(x[b] / x[a] - 1.0)

        model, actual = ret(full), ret(real)
        rows.append(
            {
                "year": y,
                "start": part.index[a],
                "end": part.index[b],
                "model": model,
                "real": actual,
                "gap": model - actual,
                "no_costs": ret(bare),
                "expense": ret(fee_only) - ret(bare),
                "financing": model - ret(fee_only),
                "residual": actual - model,
            }
        )
    table = pd.DataFrame(rows).set_index("year")
    table.attrs["fund"] = key
    table.attrs["summary"] = tracking_summary(table)
    return table


def tracking_summary(table: pd.DataFrame) -> pd.Series:
    """Mean absolute yearly gap and the worst year of a :func:`yearly_tracking` table.

    Returns
    -------
    pandas.Series
        ``years`` (how many), ``mean_abs_gap``, ``mean_gap`` (the bias: negative when
        the model falls short of the fund), ``max_abs_gap`` and ``worst_year``.

    Examples
    --------
    >>> from smartlev import funds
    >>> s = funds.tracking_summary(funds.yearly_tracking("qld"))
    >>> int(s["years"]), int(s["worst_year"]), round(float(s["max_abs_gap"]), 4)
    (14, 2013, 0.011)
    """
    if not isinstance(table, pd.DataFrame) or "gap" not in table.columns or table.empty:
        raise ValueError("table must be a non-empty yearly_tracking() table (a 'gap' column)")
    gap = table["gap"].astype(float)
    return pd.Series(
        {
            "years": len(gap),
            "mean_abs_gap": float(gap.abs().mean()),
            "mean_gap": float(gap.mean()),
            "max_abs_gap": float(gap.abs().max()),
            "worst_year": int(gap.abs().idxmax()),
        },
        dtype=object,
    )
