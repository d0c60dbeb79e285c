r"""Closed-form results the simulations are checked against.

Every function here is a formula, not a simulation: the growth of a constantly
rebalanced leveraged position, the growth-optimal (Kelly) leverage, the liquidation
price of an isolated-margin perpetual, Black-Scholes prices, the fixed-term
structured product sold as "Smart Leverage" seen as a call (or put) option, the
CPPI exposure rule and the realised volatility of a price series.

Conventions: a year has 365 days; ``sigma``, ``mu``, ``rate`` and ``fee`` are
annualised and continuously compounded. Functions accept scalars or numpy arrays
(broadcast against each other) and return a ``float`` when every numeric input is a
scalar, an ``ndarray`` otherwise.

Examples
--------
>>> from smartlev import theory
>>> round(theory.letf_ratio(1.0, 3.0, sigma=0.8, years=1.0), 4)  # price back where it started
0.1466
>>> round(theory.liquidation_price(50_000, 10, "long", 0.004), 2)
45180.72
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import check_choice, check_int, check_prices, check_real

__all__ = [
    "letf_ratio",
    "volatility_decay",
    "median_growth_rate",
    "mean_growth_rate",
    "kelly_leverage",
    "liquidation_price",
    "bybit_liquidation_price",
    "black_scholes_call",
    "black_scholes_put",
    "structured_payoff",
    "structured_value",
    "structured_breakeven",
    "structured_effective_leverage",
    "cppi_exposure",
    "cppi_gap_breaks_floor",
    "realised_volatility",
]

_DAYS_PER_YEAR = 365.0
_SQRT2 = math.sqrt(2.0)
_SIDES = ("long", "short")
#: Highest leverage accepted for a perpetual (Binance BTCUSDT, lowest tier).
_MAX_PERP_LEVERAGE = 125.0

Number = float | np.ndarray


# --------------------------------------------------------------------------- helpers
def _real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array (0-d for a scalar) after checking every entry."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 0:
        v = check_real(name, value, low=low, high=high, low_open=low_open, high_open=high_open)
        return np.asarray(v, dtype=float)
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or an array of them: {exc}") from None
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, "
            f"got an array of dtype {arr.dtype}"
        )
    arr = arr.astype(float)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite, got {float(arr[idx])!r} at index {idx}")
    bad = np.zeros(arr.shape, dtype=bool)
    if low is not None:
        bad |= arr <= low if low_open else arr < low
    if high is not None:
        bad |= arr >= high if high_open else arr > high
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(
            f"{name} must be in {left}{lo}, {hi}{right}, got {float(arr[idx])!r} at index {idx}"
        )
    return arr


def _broadcast(**arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast the arrays together, naming them when their shapes do not fit."""
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"array arguments must broadcast to one shape, got {shapes}") from None


def _finish(result: np.ndarray, *inputs: np.ndarray) -> Number:
    """A float when every input was a scalar, else a float array."""
    if all(np.ndim(a) == 0 for a in inputs):
        return float(result)
    return np.asarray(result, dtype=float)


def _erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function, elementwise, via :func:`math.erfc` (about 1 ulp)."""
    x = np.asarray(x, dtype=float)
    out = np.fromiter(map(math.erfc, x.ravel().tolist()), dtype=float, count=x.size)
    return out.reshape(x.shape)


def _norm_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal distribution function, accurate in both tails."""
    return 0.5 * _erfc(-np.asarray(x, dtype=float) / _SQRT2)


def _bs(
    spot: np.ndarray,
    strike: np.ndarray,
    sigma: np.ndarray,
    years: np.ndarray,
    rate: np.ndarray,
    call: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Black-Scholes price and delta; exact limits when sigma*sqrt(T) = 0 or strike = 0."""
    spot, strike, sigma, years, rate = np.broadcast_arrays(spot, strike, sigma, years, rate)
    kd = strike * np.exp(-rate * years)
    sd = sigma * np.sqrt(years)
    live = (sd > 0) & (kd > 0)
    sd_s = np.where(live, sd, 1.0)
    with np.errstate(over="ignore"):  # sigma sqrt(T) tiny: d1 = +-inf is the right limit
        d1 = np.log(np.where(live, spot, 1.0) / np.where(live, kd, 1.0)) / sd_s + 0.5 * sd_s
    d2 = d1 - sd_s
    if call:
        n1, n2 = _norm_cdf(d1), _norm_cdf(d2)
        price = spot * n1 - kd * n2
        delta = n1
        dead_price = np.maximum(spot - kd, 0.0)
        dead_delta = (spot > kd).astype(float)
    else:
        n1, n2 = _norm_cdf(-d1), _norm_cdf(-d2)
        price = kd * n2 - spot * n1
        delta = -n1
        dead_price = np.maximum(kd - spot, 0.0)
        dead_delta = -(spot < kd).astype(float)
    price = np.where(live, np.maximum(price, 0.0), dead_price)
    delta = np.where(live, delta, dead_delta)
    return price, delta


# ------------------------------------------------------------- leveraged tokens
def letf_ratio(
    price_ratio: Number,
    leverage: Number,
    sigma: Number,
    years: Number,
    fee: Number = 0.0,
    rate: Number = 0.0,
) -> Number:
    r"""NAV multiple of a continuously rebalanced constant-leverage position.

    Parameters
    ----------
    price_ratio : float or array_like
        :math:`S_T / S_0`, the underlying's price at the end over its price at the
        start (> 0).
    leverage : float or array_like
        Target leverage :math:`L`, kept constant by continuous rebalancing. Negative
        for an inverse (short) token: ``-1`` is a 1x short.
    sigma : float or array_like
        Annualised volatility of the underlying (>= 0), realised over the period.
    years : float or array_like
        Holding period :math:`T` in years of 365 days (>= 0).
    fee : float or array_like, default 0.0
        Management fee :math:`f` per year, continuously compounded (>= 0). A fee of
        ``d`` per day (the way exchanges quote it, e.g. 0.0001 = 0.01%/day)
        corresponds to ``fee = 365 * d`` to first order
        (exactly ``-365 * log(1 - d)``).
    rate : float or array_like, default 0.0
        Annual interest rate :math:`r` paid on borrowed money (and earned on cash),
        continuously compounded. A long with :math:`L > 1` borrows :math:`L - 1`
        times its NAV; an inverse token holds :math:`1 - L` times its NAV in cash.

    Returns
    -------
    float or ndarray
        :math:`V_T / V_0`.

    Notes
    -----
    With :math:`dS/S = \mu\,dt + \sigma\,dW` and the position rebalanced at every
    instant so that exposure equals :math:`L V`, Ito's lemma gives
    (Avellaneda & Zhang 2010, eq. 9)

    .. math::

        \frac{V_T}{V_0} = \left(\frac{S_T}{S_0}\right)^{L}
            \exp\!\left(-\big(f + (L-1)\,r\big)\,T - \frac{L^2 - L}{2}\,\sigma^2 T\right).

    The NAV depends on the path only through the realised variance
    :math:`\sigma^2 T`. The last factor, :func:`volatility_decay`, is below 1 for
    every :math:`L > 1` and every :math:`L < 0`: the position loses even when the
    price ends where it started. Discrete rebalancing (daily, or on a band) follows
    this formula closely while moves between rebalances are small.

    References
    ----------
    .. [1] M. Avellaneda and S. Zhang, "Path-dependence of leveraged ETF returns",
       SIAM Journal on Financial Mathematics 1(1), 586-603, 2010.
    .. [2] Binance, "Binance Leveraged Tokens" FAQ (management fee 0.01% per day).

    Examples
    --------
    Price unchanged after a year at 80% volatility: a 3x token keeps under 15%.

    >>> from smartlev.theory import letf_ratio
    >>> round(letf_ratio(1.0, 3.0, sigma=0.8, years=1.0), 4)
    0.1466

    A 1x long tracks the price exactly; a 1x short (inverse) does not.

    >>> letf_ratio(1.5, 1.0, sigma=0.8, years=1.0)
    1.5
    >>> round(letf_ratio(1.0, -1.0, sigma=0.8, years=1.0), 4)
    0.5273

    Arrays broadcast:

    >>> letf_ratio([0.5, 1.0, 2.0], 2.0, 0.5, 1.0).round(4)
    array([0.1947, 0.7788, 3.1152])
    """
    x = _real("price_ratio", price_ratio, low=0.0, low_open=True)
    lev = _real("leverage", leverage)
    s = _real("sigma", sigma, low=0.0)
    t = _real("years", years, low=0.0)
    f = _real("fee", fee, low=0.0)
    r = _real("rate", rate)
    _broadcast(price_ratio=x, leverage=lev, sigma=s, years=t, fee=f, rate=r)
    out = x**lev * np.exp(-(f + (lev - 1.0) * r) * t - 0.5 * (lev * lev - lev) * s * s * t)
    return _finish(out, x, lev, s, t, f, r)


def volatility_decay(leverage: Number, sigma: Number, years: Number) -> Number:
    r"""Multiplicative drag of constant leverage when the price ends where it started.

    Parameters
    ----------
    leverage : float or array_like
        Target leverage :math:`L` (negative for inverse tokens).
    sigma : float or array_like
        Annualised volatility (>= 0).
    years : float or array_like
        Holding period in years (>= 0).

    Returns
    -------
    float or ndarray
        :math:`\exp\!\left(-\tfrac{L^2 - L}{2}\sigma^2 T\right)`; 1 means no drag.

    Notes
    -----
    The factor is :func:`letf_ratio` with :math:`S_T = S_0`, no fee and no rate:

    .. math::

        D(L, \sigma, T) = \exp\!\left(-\frac{L^2 - L}{2}\,\sigma^2 T\right).

    It equals 1 for :math:`L \in \{0, 1\}`, exceeds 1 for :math:`0 < L < 1` and is
    below 1 otherwise. The drag grows with the *square* of leverage and linearly
    with variance and time.

    References
    ----------
    .. [1] M. Avellaneda and S. Zhang, "Path-dependence of leveraged ETF returns",
       SIAM Journal on Financial Mathematics 1(1), 586-603, 2010.

    Examples
    --------
    >>> from smartlev.theory import volatility_decay
    >>> round(volatility_decay(3.0, 0.8, 1.0), 4)
    0.1466
    >>> volatility_decay([1.0, 2.0, 3.0], 0.5, 1.0).round(4)
    array([1.    , 0.7788, 0.4724])
    """
    lev = _real("leverage", leverage)
    s = _real("sigma", sigma, low=0.0)
    t = _real("years", years, low=0.0)
    _broadcast(leverage=lev, sigma=s, years=t)
    return _finish(np.exp(-0.5 * (lev * lev - lev) * s * s * t), lev, s, t)


def median_growth_rate(
    leverage: Number,
    mu: Number,
    sigma: Number,
    rate: Number = 0.0,
    fee: Number = 0.0,
) -> Number:
    r"""Median (typical) log-growth per year of a constantly rebalanced leveraged position.

    Parameters
    ----------
    leverage : float or array_like
        Constant leverage :math:`L`.
    mu : float or array_like
        Arithmetic drift of the underlying per year: :math:`dS/S = \mu\,dt + \sigma\,dW`.
    sigma : float or array_like
        Annualised volatility (>= 0).
    rate : float or array_like, default 0.0
        Borrowing rate per year, continuously compounded.
    fee : float or array_like, default 0.0
        Fee per year, continuously compounded (>= 0).

    Returns
    -------
    float or ndarray
        :math:`g = L\mu - (L-1)r - f - L^2\sigma^2/2` per year.

    Notes
    -----
    Under geometric Brownian motion, :math:`\log(V_T/V_0)` from :func:`letf_ratio` is
    normal with mean :math:`gT` where

    .. math::

        g(L) = L\mu - (L - 1)\,r - f - \tfrac{1}{2} L^2 \sigma^2 .

    Half of all paths end above :math:`V_0 e^{gT}` and half below, and the long-run
    growth of almost every path is :math:`g`. It is a parabola in :math:`L`: it
    peaks at the Kelly leverage (:func:`kelly_leverage`) and turns negative for
    large leverage whatever the drift.

    References
    ----------
    .. [1] R. C. Merton, "Lifetime portfolio selection under uncertainty: the
       continuous-time case", Review of Economics and Statistics 51(3), 247-257, 1969.
    .. [2] E. O. Thorp, "The Kelly criterion in blackjack, sports betting and the
       stock market", Handbook of Asset and Liability Management, vol. 1, 2006.

    Examples
    --------
    >>> from smartlev.theory import median_growth_rate
    >>> round(median_growth_rate(1.0, mu=0.2, sigma=0.6), 4)
    0.02
    >>> median_growth_rate([1.0, 2.0, 3.0], 0.2, 0.6).round(4)
    array([ 0.02, -0.32, -1.02])
    """
    lev = _real("leverage", leverage)
    m = _real("mu", mu)
    s = _real("sigma", sigma, low=0.0)
    r = _real("rate", rate)
    f = _real("fee", fee, low=0.0)
    _broadcast(leverage=lev, mu=m, sigma=s, rate=r, fee=f)
    out = lev * m - (lev - 1.0) * r - f - 0.5 * lev * lev * s * s
    return _finish(out, lev, m, s, r, f)


def mean_growth_rate(
    leverage: Number,
    mu: Number,
    sigma: Number = 0.0,
    rate: Number = 0.0,
    fee: Number = 0.0,
) -> Number:
    r"""Log of the expected NAV multiple per year of a constantly rebalanced position.

    Parameters
    ----------
    leverage : float or array_like
        Constant leverage :math:`L`.
    mu : float or array_like
        Arithmetic drift of the underlying per year.
    sigma : float or array_like, default 0.0
        Annualised volatility (>= 0). It does not enter the result; it is accepted
        so that this function takes the same arguments as :func:`median_growth_rate`.
    rate : float or array_like, default 0.0
        Borrowing rate per year, continuously compounded.
    fee : float or array_like, default 0.0
        Fee per year, continuously compounded (>= 0).

    Returns
    -------
    float or ndarray
        :math:`\frac{1}{T}\log E[V_T/V_0] = L\mu - (L-1)r - f`.

    Notes
    -----
    Since :math:`\log(V_T/V_0)` is normal with mean :math:`gT` and variance
    :math:`L^2\sigma^2 T`,

    .. math::

        \frac{1}{T}\log E\!\left[\frac{V_T}{V_0}\right]
            = g + \tfrac{1}{2}L^2\sigma^2 = L\mu - (L-1)\,r - f .

    The mean grows with leverage without limit while the median
    (:func:`median_growth_rate`) falls: a few huge winners carry the average while
    the typical holder loses. The gap between the two is :math:`L^2\sigma^2/2`.

    References
    ----------
    .. [1] R. C. Merton, "Lifetime portfolio selection under uncertainty: the
       continuous-time case", Review of Economics and Statistics 51(3), 247-257, 1969.

    Examples
    --------
    >>> from smartlev.theory import mean_growth_rate
    >>> round(mean_growth_rate(3.0, mu=0.2, sigma=0.6), 4)
    0.6
    >>> round(mean_growth_rate(3.0, mu=0.2, rate=0.05, fee=0.0365), 4)
    0.4635
    """
    lev = _real("leverage", leverage)
    m = _real("mu", mu)
    s = _real("sigma", sigma, low=0.0)
    r = _real("rate", rate)
    f = _real("fee", fee, low=0.0)
    _broadcast(leverage=lev, mu=m, sigma=s, rate=r, fee=f)
    out = lev * m - (lev - 1.0) * r - f + 0.0 * s
    return _finish(out, lev, m, s, r, f)


def kelly_leverage(mu: Number, sigma: Number, rate: Number = 0.0) -> Number:
    r"""Growth-optimal (Kelly) constant leverage.

    Parameters
    ----------
    mu : float or array_like
        Arithmetic drift of the underlying per year.
    sigma : float or array_like
        Annualised volatility (> 0).
    rate : float or array_like, default 0.0
        Borrowing rate per year, continuously compounded.

    Returns
    -------
    float or ndarray
        :math:`L^* = (\mu - r)/\sigma^2`.

    Notes
    -----
    Setting :math:`dg/dL = \mu - r - L\sigma^2 = 0` in :func:`median_growth_rate`:

    .. math::

        L^* = \frac{\mu - r}{\sigma^2}, \qquad
        g(L^*) = r - f + \frac{(\mu - r)^2}{2\sigma^2}.

    A fee does not move the optimum. Leverage :math:`2L^*` has the same median
    growth as no position at all (cash); beyond it the typical outcome is worse.
    Crypto volatility is high, so :math:`L^*` is small unless the drift is large,
    and the drift is the quantity nobody knows in advance.

    References
    ----------
    .. [1] J. L. Kelly, "A new interpretation of information rate", Bell System
       Technical Journal 35(4), 917-926, 1956.
    .. [2] E. O. Thorp, "The Kelly criterion in blackjack, sports betting and the
       stock market", Handbook of Asset and Liability Management, vol. 1, 2006.

    Examples
    --------
    >>> from smartlev.theory import kelly_leverage
    >>> round(kelly_leverage(mu=0.3, sigma=0.6), 4)
    0.8333
    >>> kelly_leverage([0.1, 0.5], 0.5).round(2)
    array([0.4, 2. ])
    """
    m = _real("mu", mu)
    s = _real("sigma", sigma, low=0.0, low_open=True)
    r = _real("rate", rate)
    _broadcast(mu=m, sigma=s, rate=r)
    return _finish((m - r) / (s * s), m, s, r)


# -------------------------------------------------------------------- perpetuals
def _check_margin(
    entry: object, leverage: object, side: str, maintenance_margin: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ep = _real("entry", entry, low=0.0, low_open=True)
    lev = _real("leverage", leverage, low=0.0, high=_MAX_PERP_LEVERAGE, low_open=True)
    check_choice("side", side, _SIDES)
    mmr = _real("maintenance_margin", maintenance_margin, low=0.0, high=1.0, high_open=True)
    ep_b, lev_b, mmr_b = _broadcast(entry=ep, leverage=lev, maintenance_margin=mmr)
    bad = mmr_b * lev_b >= 1.0
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        m_bad, l_bad = float(mmr_b[idx]), float(lev_b[idx])
        where = f" at index {idx}" if idx else ""
        raise ValueError(
            f"maintenance_margin must be < 1/leverage = {1.0 / l_bad:g}, got {m_bad:g} "
            f"with leverage {l_bad:g}{where}: the position would be liquidated at entry"
        )
    return ep, lev, mmr


def liquidation_price(
    entry: Number,
    leverage: Number,
    side: str = "long",
    maintenance_margin: Number = 0.004,
) -> Number:
    r"""Liquidation price of an isolated-margin perpetual (Binance convention).

    Parameters
    ----------
    entry : float or array_like
        Entry price :math:`P_0` (> 0).
    leverage : float or array_like
        Leverage :math:`L` in (0, 125]: position value at entry over margin. The
        direction comes from ``side``, so leverage is always positive.
    side : {"long", "short"}
        Direction of the position.
    maintenance_margin : float or array_like, default 0.004
        Maintenance margin rate :math:`m` on the position value at the mark price,
        in [0, 1/L). 0.4% is Binance's lowest BTCUSDT tier.

    Returns
    -------
    float or ndarray
        The mark price at which equity equals maintenance margin.

    Notes
    -----
    A position of :math:`Q` coins bought at :math:`P_0` with margin
    :math:`Q P_0 / L` has equity :math:`Q P_0/L + Q (P - P_0)` at mark price
    :math:`P` (long). Liquidation happens when equity falls to the maintenance
    margin :math:`m Q P`:

    .. math::

        P_\text{liq}^\text{long} = P_0\,\frac{1 - 1/L}{1 - m}, \qquad
        P_\text{liq}^\text{short} = P_0\,\frac{1 + 1/L}{1 + m}.

    Fees, funding and the tiered "maintenance amount" deduction are left out (the
    deduction is zero in the first tier). With :math:`m \ge 1/L` the position would
    be liquidated at entry, so that is refused.

    References
    ----------
    .. [1] Binance, "How to Calculate Liquidation Price of USDS-M Futures
       Contracts", Binance FAQ; "Leverage and Margin of USDS-M Futures" (tier table).

    Examples
    --------
    A 10x long on BTC bought at 50,000 with 0.4% maintenance margin:

    >>> from smartlev.theory import liquidation_price
    >>> round(liquidation_price(50_000, 10, "long", 0.004), 2)
    45180.72
    >>> round(liquidation_price(50_000, 10, "short", 0.004), 2)
    54780.88

    Distance to liquidation in percent for several leverages:

    >>> (100 * (1 - liquidation_price(1.0, [2, 10, 50, 100]))).round(2)
    array([49.8 ,  9.64,  1.61,  0.6 ])
    """
    ep, lev, mmr = _check_margin(entry, leverage, side, maintenance_margin)
    if side == "long":
        out = ep * (1.0 - 1.0 / lev) / (1.0 - mmr)
    else:
        out = ep * (1.0 + 1.0 / lev) / (1.0 + mmr)
    return _finish(out, ep, lev, mmr)


def bybit_liquidation_price(
    entry: Number,
    leverage: Number,
    side: str = "long",
    maintenance_margin: Number = 0.005,
) -> Number:
    r"""Liquidation price of an isolated-margin USDT perpetual (Bybit convention).

    Parameters
    ----------
    entry : float or array_like
        Entry price :math:`P_0` (> 0).
    leverage : float or array_like
        Leverage :math:`L` in (0, 125]; the direction comes from ``side``.
    side : {"long", "short"}
        Direction of the position.
    maintenance_margin : float or array_like, default 0.005
        Maintenance margin rate :math:`m` on the position value *at entry*, in
        [0, 1/L). 0.5% is Bybit's lowest BTCUSDT risk-limit tier.

    Returns
    -------
    float or ndarray
        The mark price at which equity equals maintenance margin.

    Notes
    -----
    Bybit charges maintenance margin on the entry value :math:`m Q P_0`, so the
    condition :math:`Q P_0/L + Q(P - P_0) = m Q P_0` is linear in :math:`P`:

    .. math::

        P_\text{liq}^\text{long} = P_0\,(1 - 1/L + m), \qquad
        P_\text{liq}^\text{short} = P_0\,(1 + 1/L - m).

    Compare :func:`liquidation_price` (Binance, maintenance on the mark value): for
    the same rate the two differ by :math:`O(m/L)` of the price. Extra margin,
    fees to close and tier deductions are left out.

    References
    ----------
    .. [1] Bybit Help Center, "Liquidation Price (USDT Contract)" and "Liquidation
       Price Calculation under Isolated Mode (Unified Trading Account)".

    Examples
    --------
    >>> from smartlev.theory import bybit_liquidation_price
    >>> round(bybit_liquidation_price(50_000, 10, "long", 0.005), 2)
    45250.0
    >>> round(bybit_liquidation_price(50_000, 10, "short", 0.005), 2)
    54750.0
    """
    ep, lev, mmr = _check_margin(entry, leverage, side, maintenance_margin)
    if side == "long":
        out = ep * (1.0 - 1.0 / lev + mmr)
    else:
        out = ep * (1.0 + 1.0 / lev - mmr)
    return _finish(out, ep, lev, mmr)


# ---------------------------------------------------------------- Black-Scholes
_BS_DOC_NOTES = r"""
    Notes
    -----
    With :math:`\tau = \sigma\sqrt{T}`, :math:`d_1 = \log(S/(K e^{-rT}))/\tau + \tau/2`,
    :math:`d_2 = d_1 - \tau` and :math:`N` the standard normal distribution function,

    .. math::

        C = S\,N(d_1) - K e^{-rT} N(d_2), \qquad
        P = K e^{-rT} N(-d_2) - S\,N(-d_1),

    so that :math:`C - P = S - K e^{-rT}` (put-call parity). When
    :math:`\sigma\sqrt{T} = 0` the price is the discounted intrinsic value
    :math:`\max(S - K e^{-rT}, 0)` (call) or :math:`\max(K e^{-rT} - S, 0)` (put).
    :math:`N` is computed from :func:`math.erfc`, accurate to about 1e-16
    relative in both tails.
"""


def black_scholes_call(
    spot: Number, strike: Number, sigma: Number, years: Number, rate: Number = 0.0
) -> Number:
    r"""Black-Scholes price of a European call.

    Parameters
    ----------
    spot : float or array_like
        Current price :math:`S` (> 0).
    strike : float or array_like
        Strike :math:`K` (> 0).
    sigma : float or array_like
        Annualised volatility (>= 0).
    years : float or array_like
        Time to expiry :math:`T` in years (>= 0).
    rate : float or array_like, default 0.0
        Risk-free rate per year, continuously compounded.

    Returns
    -------
    float or ndarray
        Call price, in the units of ``spot``.
    %(notes)s
    References
    ----------
    .. [1] F. Black and M. Scholes, "The pricing of options and corporate
       liabilities", Journal of Political Economy 81(3), 637-654, 1973.

    Examples
    --------
    >>> from smartlev.theory import black_scholes_call
    >>> round(black_scholes_call(100.0, 100.0, 0.2, 1.0, rate=0.05), 6)
    10.450584
    >>> black_scholes_call(100.0, [90.0, 110.0], 0.0, 1.0)
    array([10.,  0.])
    """
    s = _real("spot", spot, low=0.0, low_open=True)
    k = _real("strike", strike, low=0.0, low_open=True)
    v = _real("sigma", sigma, low=0.0)
    t = _real("years", years, low=0.0)
    r = _real("rate", rate)
    _broadcast(spot=s, strike=k, sigma=v, years=t, rate=r)
    return _finish(_bs(s, k, v, t, r, call=True)[0], s, k, v, t, r)


def black_scholes_put(
    spot: Number, strike: Number, sigma: Number, years: Number, rate: Number = 0.0
) -> Number:
    r"""Black-Scholes price of a European put.

    Parameters
    ----------
    spot : float or array_like
        Current price :math:`S` (> 0).
    strike : float or array_like
        Strike :math:`K` (> 0).
    sigma : float or array_like
        Annualised volatility (>= 0).
    years : float or array_like
        Time to expiry :math:`T` in years (>= 0).
    rate : float or array_like, default 0.0
        Risk-free rate per year, continuously compounded.

    Returns
    -------
    float or ndarray
        Put price, in the units of ``spot``.
    %(notes)s
    References
    ----------
    .. [1] F. Black and M. Scholes, "The pricing of options and corporate
       liabilities", Journal of Political Economy 81(3), 637-654, 1973.

    Examples
    --------
    >>> from smartlev.theory import black_scholes_put
    >>> round(black_scholes_put(100.0, 100.0, 0.2, 1.0, rate=0.05), 6)
    5.573526
    """
    s = _real("spot", spot, low=0.0, low_open=True)
    k = _real("strike", strike, low=0.0, low_open=True)
    v = _real("sigma", sigma, low=0.0)
    t = _real("years", years, low=0.0)
    r = _real("rate", rate)
    _broadcast(spot=s, strike=k, sigma=v, years=t, rate=r)
    return _finish(_bs(s, k, v, t, r, call=False)[0], s, k, v, t, r)


for _f in (black_scholes_call, black_scholes_put):
    _f.__doc__ = _f.__doc__.replace("%(notes)s", _BS_DOC_NOTES.strip("\n"))
del _f


# ------------------------------------------------- fixed-term "Smart Leverage"
def structured_payoff(
    settlement_price: Number,
    entry_price: Number,
    breakeven: Number,
    leverage: Number,
    principal: Number = 1.0,
    side: str = "long",
) -> Number:
    r"""Payout at settlement of the fixed-term "Smart Leverage" product.

    Parameters
    ----------
    settlement_price : float or array_like
        Settlement price :math:`S` (> 0); on the exchanges, the average index price
        over the last 30 minutes before expiry.
    entry_price : float or array_like
        Price when the product was bought (> 0). It does not enter the formula, only
        the breakeven does; it is checked that the breakeven lies above it for a long
        (below it for a short), as the exchanges' terms state.
    breakeven : float or array_like
        Breakeven price :math:`B` set by the platform at purchase (> 0).
    leverage : float or array_like
        Leverage :math:`L` (>= 1).
    principal : float or array_like, default 1.0
        Amount invested :math:`I` (> 0).
    side : {"long", "short"}
        Direction.

    Returns
    -------
    float or ndarray
        Amount paid back at settlement, between 0 and unbounded (long) or
        :math:`I(1 + L)` (short).

    Notes
    -----
    .. math::

        \text{long: } \max\!\left(I + I L\,\frac{S - B}{B},\ 0\right)
            = \frac{I L}{B}\,\max\!\big(S - B(1 - 1/L),\ 0\big),

        \text{short: } \max\!\left(I + I L\,\frac{B - S}{B},\ 0\right)
            = \frac{I L}{B}\,\max\!\big(B(1 + 1/L) - S,\ 0\big).

    The long is :math:`IL/B` call options struck at :math:`K = B(1 - 1/L)`, the
    short :math:`IL/B` puts struck at :math:`K = B(1 + 1/L)`. There is no
    liquidation before settlement, and the most you can lose is :math:`I`: the
    protection is paid for by setting :math:`B` beyond the entry price
    (:func:`structured_breakeven`).

    References
    ----------
    .. [1] Bybit Help Center, "Introduction to Smart Leverage" and "FAQ - Smart
       Leverage", 2024.
    .. [2] Gate, "Smart Leverage" product terms, 2025.

    Examples
    --------
    A 5x long bought at 100 with breakeven 102, settled at 110 or 90:

    >>> from smartlev.theory import structured_payoff
    >>> round(structured_payoff(110.0, 100.0, 102.0, 5.0), 4)
    1.3922
    >>> structured_payoff([110.0, 90.0], 100.0, 102.0, 5.0).round(4)
    array([1.3922, 0.4118])
    >>> structured_payoff(80.0, 100.0, 102.0, 5.0)
    0.0
    """
    s = _real("settlement_price", settlement_price, low=0.0, low_open=True)
    e = _real("entry_price", entry_price, low=0.0, low_open=True)
    b = _real("breakeven", breakeven, low=0.0, low_open=True)
    lev = _real("leverage", leverage, low=1.0)
    i = _real("principal", principal, low=0.0, low_open=True)
    check_choice("side", side, _SIDES)
    e_b, b_b = _broadcast(
        settlement_price=s, entry_price=e, breakeven=b, leverage=lev, principal=i
    )[1:3]
    wrong = b_b < e_b if side == "long" else b_b > e_b
    if wrong.any():
        idx = tuple(int(j) for j in np.argwhere(wrong)[0]) if wrong.ndim else ()
        rel = ">=" if side == "long" else "<="
        raise ValueError(
            f"breakeven must be {rel} entry_price for a {side}, got breakeven "
            f"{float(b_b[idx])!r} and entry_price {float(e_b[idx])!r}"
        )
    sign = 1.0 if side == "long" else -1.0
    out = np.maximum(i + i * lev * sign * (s - b) / b, 0.0)
    return _finish(out, s, e, b, lev, i)


def _structured_parts(
    spot: object,
    breakeven: object,
    leverage: object,
    sigma: object,
    years: object,
    side: str,
    rate: object,
    *,
    strict: bool,
) -> tuple[np.ndarray, ...]:
    s = _real("spot", spot, low=0.0, low_open=True)
    b = _real("breakeven", breakeven, low=0.0, low_open=True)
    lev = _real("leverage", leverage, low=1.0)
    v = _real("sigma", sigma, low=0.0, low_open=strict)
    t = _real("years", years, low=0.0, low_open=strict)
    check_choice("side", side, _SIDES)
    r = _real("rate", rate)
    _broadcast(spot=s, breakeven=b, leverage=lev, sigma=v, years=t, rate=r)
    k = b * (1.0 - 1.0 / lev) if side == "long" else b * (1.0 + 1.0 / lev)
    price, delta = _bs(s, k, v, t, r, call=side == "long")
    return s, b, lev, v, t, r, price, delta


def structured_value(
    spot: Number,
    breakeven: Number,
    leverage: Number,
    sigma: Number,
    years: Number,
    principal: Number = 1.0,
    side: str = "long",
    rate: Number = 0.0,
) -> Number:
    r"""Fair value before settlement of the fixed-term "Smart Leverage" product.

    Parameters
    ----------
    spot : float or array_like
        Current price :math:`S` (> 0), in the same units as ``breakeven`` (both
        absolute prices, or both relative to the entry price).
    breakeven : float or array_like
        Breakeven price :math:`B` (> 0).
    leverage : float or array_like
        Leverage :math:`L` (>= 1).
    sigma : float or array_like
        Annualised volatility used for pricing (>= 0).
    years : float or array_like
        Time to settlement in years (>= 0); 0 gives the payoff.
    principal : float or array_like, default 1.0
        Amount invested :math:`I` (> 0).
    side : {"long", "short"}
        Direction.
    rate : float or array_like, default 0.0
        Risk-free rate per year, continuously compounded.

    Returns
    -------
    float or ndarray
        Value in the units of ``principal``.

    Notes
    -----
    From the option representation in :func:`structured_payoff`,

    .. math::

        V_\text{long} = \frac{I L}{B}\,C\big(S, K = B(1 - 1/L), \sigma, T, r\big),
        \qquad
        V_\text{short} = \frac{I L}{B}\,P\big(S, K = B(1 + 1/L), \sigma, T, r\big),

    with :math:`C, P` the Black-Scholes prices (:func:`black_scholes_call`,
    :func:`black_scholes_put`). The averaging of the settlement price over the last
    30 minutes is ignored. This is the value an early redemption would pay in a
    fair market; platforms quote their own.

    References
    ----------
    .. [1] Bybit Help Center, "Introduction to Smart Leverage", 2024.
    .. [2] F. Black and M. Scholes, "The pricing of options and corporate
       liabilities", Journal of Political Economy 81(3), 637-654, 1973.

    Examples
    --------
    A 5x long for 7 days at 70% volatility whose breakeven is set 2% above the
    entry price is worth about 0.905 per 1 invested (its fair breakeven is only
    0.03% above entry): the buyer pays about 10% more than the product is worth.

    >>> from smartlev.theory import structured_value
    >>> round(structured_value(1.0, 1.02, 5.0, sigma=0.7, years=7 / 365), 4)
    0.9048

    At settlement (``years=0``) the value is the payoff:

    >>> round(structured_value(1.10, 1.02, 5.0, sigma=0.7, years=0.0), 4)  # = payoff
    1.3922
    """
    s, b, lev, v, t, r, price, _ = _structured_parts(
        spot, breakeven, leverage, sigma, years, side, rate, strict=False
    )
    i = _real("principal", principal, low=0.0, low_open=True)
    _broadcast(spot=s, breakeven=b, leverage=lev, sigma=v, years=t, rate=r, principal=i)
    return _finish(i * lev / b * price, s, b, lev, v, t, r, i)


def _structured_gap(
    log_b: np.ndarray, lev: np.ndarray, v: np.ndarray, t: np.ndarray, r: np.ndarray, long: bool
) -> np.ndarray:
    """Fair value minus principal (principal 1, entry 1) at breakeven exp(log_b)."""
    b = np.exp(log_b)
    k = b * (1.0 - 1.0 / lev) if long else b * (1.0 + 1.0 / lev)
    price = _bs(np.ones_like(b), k, v, t, r, call=long)[0]
    return lev / b * price - 1.0


def structured_breakeven(
    leverage: Number,
    sigma: Number,
    days: Number,
    side: str = "long",
    rate: Number = 0.0,
) -> Number:
    r"""Fair breakeven of the fixed-term "Smart Leverage" product, relative to entry.

    Parameters
    ----------
    leverage : float or array_like
        Leverage :math:`L` (>= 1).
    sigma : float or array_like
        Annualised volatility in [0, 10].
    days : float or array_like
        Term of the product in days, in [0, 3650].
    side : {"long", "short"}
        Direction.
    rate : float or array_like, default 0.0
        Risk-free rate per year, continuously compounded.

    Returns
    -------
    float or ndarray
        :math:`B / S_0`: above 1 for a long, below 1 for a short (equal to 1 when
        there is no volatility and no interest).

    Notes
    -----
    The product is fairly priced when its value at purchase equals the principal.
    With entry price 1 and :math:`T` = ``days`` / 365, :math:`B` solves

    .. math::

        \text{long: } \frac{B}{L} = C\big(1, K = B(1 - 1/L), \sigma, T, r\big),
        \qquad
        \text{short: } \frac{B}{L} = P\big(1, K = B(1 + 1/L), \sigma, T, r\big).

    By scaling, the right-hand side over :math:`B` is the call (put) price at spot
    :math:`1/B`, strictly monotone in :math:`B`, so the root is unique; it is found
    by bisection on :math:`\log B` to a relative width of 1e-14. The distance
    between the entry price and :math:`B` is the option premium the buyer pays: a
    plain leveraged position would break even at the entry price. A platform that
    quotes a breakeven further away than this fair value keeps the difference. For
    a short a fair breakeven exists only when :math:`(L + 1) e^{-rT} > 1`.

    References
    ----------
    .. [1] Bybit Help Center, "How to Get Started With Smart Leverage" (the
       breakeven "is determined by various factors, including volatility and time
       remaining until expiration"), 2024.
    .. [2] F. Black and M. Scholes, "The pricing of options and corporate
       liabilities", Journal of Political Economy 81(3), 637-654, 1973.

    Examples
    --------
    At 80% volatility a 3x long for 7 days needs almost no premium (losing the
    whole principal takes a 33% fall within the week), while at 100x the price must
    rise about 12% before the buyer makes any money:

    >>> from smartlev.theory import structured_breakeven
    >>> round(structured_breakeven(3.0, 0.8, 7.0), 6)
    1.000003
    >>> structured_breakeven([3.0, 10.0, 100.0], 0.8, 7.0).round(4)
    array([1.    , 1.0117, 1.119 ])
    >>> round(structured_breakeven(100.0, 0.8, 7.0, side="short"), 4)
    0.8871
    >>> structured_breakeven(3.0, 0.0, 7.0)
    1.0
    """
    lev = _real("leverage", leverage, low=1.0)
    v = _real("sigma", sigma, low=0.0, high=10.0)
    d = _real("days", days, low=0.0, high=3650.0)
    check_choice("side", side, _SIDES)
    r = _real("rate", rate)
    lev_b, v_b, d_b, r_b = _broadcast(leverage=lev, sigma=v, days=d, rate=r)
    lev_b, v_b, r_b = lev_b.astype(float), v_b.astype(float), r_b.astype(float)
    t_b = d_b / _DAYS_PER_YEAR
    disc = np.exp(-r_b * t_b)
    long = side == "long"
    if long:
        # g > 0 once 1/B > 1/L + (1 - 1/L) e^{-rT}; g < 0 once B > L
        lo = -np.log(1.0 / lev_b + (1.0 - 1.0 / lev_b) * disc) - 1.0
        hi = np.log(lev_b) + 1.0
    else:
        room = (lev_b + 1.0) * disc - 1.0
        bad = room <= 0
        if bad.any():
            idx = tuple(int(j) for j in np.argwhere(bad)[0]) if bad.ndim else ()
            raise ValueError(
                f"rate must satisfy (leverage + 1) exp(-rate T) > 1 for a fair short "
                f"breakeven to exist, got rate {float(r_b[idx])!r} with leverage "
                f"{float(lev_b[idx])!r} and days {float(d_b[idx])!r}"
            )
        # g > 0 once 1/B < ((L + 1) e^{-rT} - 1)/L; g < 0 far enough below
        hi = np.log(lev_b / room) + 1.0
        lo = np.minimum(hi, 0.0) - 1.0
        step = 1.0
        for _ in range(16):
            pos = _structured_gap(lo, lev_b, v_b, t_b, r_b, long) >= 0
            if not pos.any():
                break
            lo = np.where(pos, np.maximum(lo - step, -700.0), lo)
            step *= 2.0
    # g decreasing in B for a long, increasing for a short: flip to "positive below"
    sign = 1.0 if long else -1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.all((hi - lo) <= 1e-14 * np.maximum(1.0, np.abs(mid))) or np.all(
            (mid == lo) | (mid == hi)
        ):
            break
        above = sign * _structured_gap(mid, lev_b, v_b, t_b, r_b, long) > 0
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    out = np.exp(0.5 * (lo + hi))
    # exact bounds (the option is worth at least its discounted intrinsic value):
    # B >= 1 for a long when rT >= 0, B <= 1 for a short when rT <= 0; clip rounding
    if long:
        out = np.where(r_b * t_b >= 0, np.maximum(out, 1.0), out)
    else:
        out = np.where(r_b * t_b <= 0, np.minimum(out, 1.0), out)
    # no volatility and no interest: the root is exactly 1
    out = np.where((v_b * np.sqrt(t_b) == 0) & (r_b * t_b == 0), 1.0, out)
    return _finish(out, lev, v, d, r)


def structured_effective_leverage(
    spot: Number,
    breakeven: Number,
    leverage: Number,
    sigma: Number,
    years: Number,
    side: str = "long",
    rate: Number = 0.0,
) -> Number:
    r"""Effective leverage of the fixed-term product at the current price.

    Parameters
    ----------
    spot : float or array_like
        Current price :math:`S` (> 0), same units as ``breakeven``.
    breakeven : float or array_like
        Breakeven price :math:`B` (> 0).
    leverage : float or array_like
        Nominal leverage :math:`L` (>= 1).
    sigma : float or array_like
        Annualised volatility (> 0).
    years : float or array_like
        Time to settlement in years (> 0).
    side : {"long", "short"}
        Direction.
    rate : float or array_like, default 0.0
        Risk-free rate per year, continuously compounded.

    Returns
    -------
    float or ndarray
        :math:`\Delta S / V`: the percentage change of the product's value per
        percent move of the price. Negative for a short. Where the value has
        underflowed to 0 (deep out of the money) the result is ``inf`` (``-inf``
        for a short): any rally multiplies a worthless position.

    Notes
    -----
    For small moves the product behaves like a position of leverage

    .. math::

        \Lambda = \frac{\partial V}{\partial S}\,\frac{S}{V}
            = \frac{S\,N(d_1)}{C} \ \text{(long)}, \qquad
        \Lambda = -\frac{S\,N(-d_1)}{P} \ \text{(short)},

    the elasticity of the option; the principal and the factor :math:`IL/B`
    cancel. It is not the nominal :math:`L`: it falls as the price rises away from
    the breakeven (the option goes deep in the money and :math:`\Lambda \to
    S/(S - K e^{-rT})`), and it rises without bound as the price falls, when the
    product is close to worthless. The leverage you get is managed by the option,
    not by you.

    References
    ----------
    .. [1] F. Black and M. Scholes, "The pricing of options and corporate
       liabilities", Journal of Political Economy 81(3), 637-654, 1973.
    .. [2] J. C. Hull, Options, Futures, and Other Derivatives, ch. 19 (the Greek
       letters), Pearson.

    Examples
    --------
    A 10x long for 7 days at 80% volatility, bought at its fair breakeven, acts
    like 8x at entry, 10x after a 5% fall and 6.6x after a 5% rise:

    >>> from smartlev.theory import structured_breakeven, structured_effective_leverage
    >>> b = structured_breakeven(10.0, 0.8, 7.0)
    >>> structured_effective_leverage([0.95, 1.0, 1.05], b, 10.0, 0.8, 7 / 365).round(2)
    array([9.97, 8.07, 6.61])
    """
    s, b, lev, v, t, r, price, delta = _structured_parts(
        spot, breakeven, leverage, sigma, years, side, rate, strict=True
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = delta * s / price
    worthless = np.inf if side == "long" else -np.inf
    out = np.where(price > 0, out, worthless)
    return _finish(out, s, b, lev, v, t, r)


# -------------------------------------------------------------------------- CPPI
def cppi_exposure(nav: Number, floor: Number, multiplier: Number) -> Number:
    r"""Exposure of a constant-proportion portfolio insurance (CPPI) rule.

    Parameters
    ----------
    nav : float or array_like
        Current portfolio value :math:`V` (>= 0).
    floor : float or array_like
        Protected floor :math:`F` (>= 0), in the units of ``nav``.
    multiplier : float or array_like
        Multiplier :math:`m` (> 0).

    Returns
    -------
    float or ndarray
        Amount to hold in the risky asset, :math:`m \max(V - F, 0)`; divide by
        ``nav`` for the leverage.

    Notes
    -----
    .. math::

        E = m\,\max(V - F,\ 0).

    The cushion :math:`C = V - F` is then a constant-leverage position of leverage
    :math:`m` (the rest sits in cash): with continuous rebalancing
    :math:`C_T/C_0` is :func:`letf_ratio` with :math:`L = m`, so the cushion never
    reaches zero. With discrete rebalancing a single price drop larger than
    :math:`1/m` between two rebalances takes the NAV below the floor
    (:func:`cppi_gap_breaks_floor`). The leverage :math:`E/V = m(1 - F/V)` falls
    as the NAV nears the floor and climbs towards :math:`m` after gains: the rule
    cuts exposure after losses and adds to it after gains.

    References
    ----------
    .. [1] A. F. Perold, "Constant proportion portfolio insurance", Harvard
       Business School working paper, 1986.
    .. [2] F. Black and R. Jones, "Simplifying portfolio insurance", Journal of
       Portfolio Management 14(1), 48-51, 1987.

    Examples
    --------
    >>> from smartlev.theory import cppi_exposure
    >>> cppi_exposure(1.0, 0.75, 4.0)
    1.0
    >>> cppi_exposure([1.2, 1.0, 0.85, 0.7], 0.8, 4.0).round(3)
    array([1.6, 0.8, 0.2, 0. ])
    """
    v = _real("nav", nav, low=0.0)
    f = _real("floor", floor, low=0.0)
    m = _real("multiplier", multiplier, low=0.0, low_open=True)
    _broadcast(nav=v, floor=f, multiplier=m)
    return _finish(m * np.maximum(v - f, 0.0), v, f, m)


def cppi_gap_breaks_floor(multiplier: Number) -> Number:
    r"""Smallest one-step price drop that takes a CPPI portfolio below its floor.

    Parameters
    ----------
    multiplier : float or array_like
        CPPI multiplier :math:`m` (> 0).

    Returns
    -------
    float or ndarray
        The fractional drop :math:`1/m` (0.25 = a 25% fall). Values of 1 or more
        (:math:`m \le 1`) cannot be reached: a price cannot fall more than 100%.

    Notes
    -----
    After a fall :math:`d` between rebalances the NAV becomes
    :math:`V' = V - m (V - F)\,d = F + (V - F)(1 - m d)`, below the floor exactly
    when

    .. math::

        d > \frac{1}{m}.

    A larger multiplier buys more upside and less protection against gaps: the
    "no liquidation" promise of a floor holds only if the price never jumps by
    more than :math:`1/m` before the next rebalance.

    References
    ----------
    .. [1] F. Black and R. Jones, "Simplifying portfolio insurance", Journal of
       Portfolio Management 14(1), 48-51, 1987.

    Examples
    --------
    >>> from smartlev.theory import cppi_gap_breaks_floor
    >>> cppi_gap_breaks_floor(4.0)
    0.25
    >>> cppi_gap_breaks_floor([2.0, 5.0, 10.0])
    array([0.5, 0.2, 0.1])
    """
    m = _real("multiplier", multiplier, low=0.0, low_open=True)
    return _finish(1.0 / m, m)


# ------------------------------------------------------------- realised volatility
def realised_volatility(prices: object, steps_per_day: int = 1, ddof: int = 1) -> Number:
    r"""Annualised standard deviation of log returns.

    Parameters
    ----------
    prices : array_like, pandas Series or DataFrame
        Prices, 1-D (one path) or 2-D (paths x time; a DataFrame has one column per
        path), all finite and > 0, at least ``ddof + 2`` points per path.
    steps_per_day : int, default 1
        Price observations per day (1 = daily closes, 24 = hourly).
    ddof : int, default 1
        Delta degrees of freedom of the standard deviation (1 = sample estimate,
        0 = population).

    Returns
    -------
    float or ndarray
        A float for one path given as 1-D input, else an array with one value per
        path.

    Notes
    -----
    With :math:`x_k = \log(S_{k}/S_{k-1})`, :math:`n` returns and mean :math:`\bar x`,

    .. math::

        \hat\sigma = \sqrt{365\,s}\;
            \sqrt{\frac{1}{n - \text{ddof}} \sum_{k=1}^{n} (x_k - \bar x)^2},

    where :math:`s` is ``steps_per_day``. Crypto trades every day, so a year is
    365 days, not 252 trading days.

    References
    ----------
    .. [1] J. C. Hull, Options, Futures, and Other Derivatives, section
       "Estimating volatility from historical data", Pearson.

    Examples
    --------
    >>> from smartlev.theory import realised_volatility
    >>> round(realised_volatility([100.0, 105.0, 99.0, 102.0, 101.0]), 4)
    0.91
    >>> realised_volatility([[100, 101, 100, 101], [100, 110, 100, 110]]).round(3)
    array([0.22 , 2.103])
    """
    one_path = np.ndim(prices) == 1
    arr = check_prices(prices)
    spd = check_int("steps_per_day", steps_per_day, low=1, high=86_400)
    dd = check_int("ddof", ddof, low=0, high=1)
    if arr.shape[1] < dd + 2:
        raise ValueError(
            f"prices needs at least {dd + 2} points per path for ddof={dd}, got {arr.shape[1]}"
        )
    x = np.diff(np.log(arr), axis=1)
    out = x.std(axis=1, ddof=dd) * math.sqrt(_DAYS_PER_YEAR * spd)
    return float(out[0]) if one_path else out
