r"""Market scenarios: seeded price paths for Monte Carlo lessons, and price files.

Every generator returns a :class:`smartlev.market.Market` whose paths are produced
lazily, in blocks of 1024 paths, when a simulation (or ``market.prices``) asks for
them. The random numbers of block ``b`` come from their own stream,
``numpy.random.SeedSequence(seed, spawn_key=(stream, b))``, and are drawn as arrays
of shape ``(paths in block, steps)`` in C order. Two consequences:

* path ``i`` is the same number for number whatever ``paths`` is, and whether it is
  read alone, in chunks or all at once;
* 100,000 paths of hourly prices for a year never have to sit in memory together.

The standard normal shocks come from one stream (``stream = 0``) shared by all
models, so the same ``seed`` gives the *same luck* in every scenario: ``trend`` is
``gbm`` with another drift, ``crash`` is ``gbm`` with a gap, ``jump_diffusion``
is ``gbm`` plus jumps and ``bridge`` is ``gbm`` tilted to hit its end price. The
extra randomness of a model (jump counts and sizes, Student-t shocks, regime
switches, permutations) comes from streams of its own.

Bars. Every generator also gives each step's open, high and low (``bars=True``, the
default; :meth:`Market.bar_range`), consistent with its own model and without
changing a single close: the closes for a seed are those of ``bars=False``. Inside a
step the log price is taken to be a Brownian motion pinned at both ends (a Brownian
bridge) from the log open ``a`` to the log close ``b`` with the variance ``s^2`` the
model gives that step: ``sigma^2 dt`` for GBM, trend, crash and the diffusion part of
jump diffusion; the step's innovation variance for the Ornstein-Uhlenbeck sideways
market; the conditional variance ``h_t`` of that step for GARCH (whose shocks are
Student-t: the bridge is then an approximation); the current regime's
``sigma^2 dt`` for regime switching; ``sigma^2 dt`` between consecutive points of
``bridge`` (exact: a Brownian bridge cut at grid points is a chain of independent
bridges). The maximum and minimum of such a bridge have exact, closed-form
distributions and are drawn by inversion,

.. math:: \max = \tfrac12\Big(a + b + \sqrt{(b - a)^2 - 2 s^2 \ln U_1}\Big), \qquad
          \min = \tfrac12\Big(a + b - \sqrt{(b - a)^2 - 2 s^2 \ln U_2}\Big),

with ``U_1, U_2`` uniform from random streams of their own (``stream = 7`` and ``8``,
so the closes' streams are untouched). One approximation: the maximum and the minimum
are drawn independently, each with its exact distribution (their dependence inside one
bar is ignored). A bar opens at the previous close unless the model jumps:
``jump_diffusion`` puts each step's jumps at the open of its bar as a gap (open =
previous close x jump factor, then the bridge from open to close), and ``crash`` puts
its fall there too (each of the ``over_steps`` steps gaps down at its open).
``shuffle`` carries each bar of the original path (open, high and low relative to the
previous close) along with its return, or, when the original has closes only, draws
bridges at the path's realised variance per step. ``sawtooth`` has nothing random: each
bar goes straight from open to close. Highs are at least ``max(open, close)`` and lows at
most ``min(open, close)`` exactly (the rounding of ``exp`` is clipped). Bars cost time:
10,000 hourly GBM paths over a year took about 3 s of CPU with closes only and 6.5 s with
bars (GARCH 7 s and 12 s) on the development machine; ``bars=False`` skips them, and
:meth:`Market.path_range` never generates them.

Defaults are calibrated to crypto: annualised volatility between 60% and 80%,
fat tails (jumps, Student-t shocks) and volatility clustering (GARCH, regimes).
Time is measured in years of 365 days; ``sigma`` and drifts are annualised.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._scratch import draws
from ._validate import check_choice, check_int, check_real
from .market import DAYS_PER_YEAR, Market

__all__ = [
    "BLOCK_SIZE",
    "gbm",
    "trend",
    "sideways",
    "jump_diffusion",
    "crash",
    "garch",
    "regime_switching",
    "bridge",
    "shuffle",
    "sawtooth",
    "from_returns",
    "load_csv",
    "from_csv",
    "PriceFileError",
    "PriceFileNotFoundError",
]

#: Number of paths generated together; path ``i`` lives in block ``i // BLOCK_SIZE``.
BLOCK_SIZE = 1024

# Random streams (first element of the spawn key). Normal shocks are shared on purpose.
_NORMAL = 0
_JUMP_COUNT = 1
_JUMP_SIZE = 2
_STUDENT_T = 3
_REGIME_SWITCH = 4
_REGIME_START = 5
_SHUFFLE = 6
_BAR_HIGH = 7  # exponential draws of each bar's high
_BAR_LOW = 8  # ... and of its low

_MAX_SIGMA = 10.0  # 1000% a year: far beyond any market, still no overflow over a year


# --------------------------------------------------------------------------- helpers
def _rng(seed: int, stream: int, block: int) -> np.random.Generator:
    """Generator of one random stream for one block of paths."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, block)))


def _normals(seed: int, block: int, n: int, steps: int) -> np.ndarray:
    """Standard normal shocks ``(n, steps)`` of the shared stream (row-major fill).

    In a run in chunks they are drawn into memory reused from block to block: a model
    may return them (changed in place) but nothing may keep them past its block.
    """
    return _rng(seed, _NORMAL, block).standard_normal(out=draws("normals", (n, steps)))


def _clock(days: object, steps_per_day: object) -> tuple[int, int, float]:
    """Validate the clock; return ``(steps, steps_per_day, dt in years)``."""
    spd = check_int("steps_per_day", steps_per_day, low=1, high=86_400)
    d = check_real("days", days, low=0.0, low_open=True)
    raw = d * spd
    steps = round(raw)
    if steps < 1 or abs(raw - steps) > 1e-9 * max(1.0, raw):
        raise ValueError(
            "days * steps_per_day must be a whole number of steps >= 1, got "
            f"days={days!r} x steps_per_day={spd} = {raw:g} steps"
        )
    return steps, spd, 1.0 / (DAYS_PER_YEAR * spd)


def _common(paths: object, seed: object, start_price: object) -> tuple[int, int, float]:
    """Validate the arguments every random scenario shares."""
    n = check_int("paths", paths, low=1)
    s = check_int("seed", seed, low=0)
    p0 = check_real("start_price", start_price, low=0.0, low_open=True)
    return n, s, p0


def _sigma(name: str, value: object) -> float:
    return check_real(name, value, low=0.0, high=_MAX_SIGMA)


def _name(name: object, default: str) -> str:
    if name is None:
        return default
    if not isinstance(name, str):
        raise TypeError(f"name must be a string or None, got {name!r}")
    return name


_TIME_MAJOR_MIN = 64  # paths from which prices are stored time-major

# Time-major arrays are built a strip of steps at a time, each strip about this many
# values (1024 paths x 128 steps, 1 MB an operand): the chain of operations on a strip
# runs in the processor's caches, so each large array is read and written once instead of
# once per operation, and the few numpy calls per strip are long ones (a thread generating
# the next chunk beside a simulation seldom waits for the GIL). Every value gets the same
# operations in the same order as on the whole array: the numbers do not depend on it.
_STRIP = 131_072
_ROW_SUM_MIN = 512  # paths from which a strip's running sum is taken row by row


def _new(n: int, columns: int, time_major: bool) -> np.ndarray:
    """An uninitialised ``(n, columns)`` array, stored time-major when asked."""
    return np.empty((columns, n)).T if time_major else np.empty((n, columns))


def _strip_steps(n: int, steps: int) -> int:
    """Steps in a strip of ``n`` paths (the last strip may have fewer)."""
    return min(max(1, _STRIP // n), steps)


def _strips(n: int, steps: int) -> Iterator[tuple[int, int]]:
    """``(first step, number of steps)`` of consecutive strips of ``n`` paths."""
    w = _strip_steps(n, steps)
    for j in range(0, steps, w):
        yield j, min(w, steps - j)


def _exp_rows(
    x: np.ndarray,
    scale: float,
    time_major: bool,
    running_sum: bool,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``(n, steps + 1)`` from ``x`` ``(n, steps)``: ``scale`` in column 0, then
    ``exp(x) * scale``, or with ``running_sum`` ``exp(x_1 + ... + x_t) * scale``.

    The running sum adds a path's values one by one in order, as ``np.cumsum`` does.
    Time-major output is built a strip of steps at a time, in place. Given ``out``, the
    result is written there, in its layout (``time_major`` is then ``out``'s).
    """
    n, steps = x.shape
    if out is not None:
        time_major = _is_time_major(out)
    if not time_major:
        if out is None:
            out = np.empty((n, steps + 1))
        out[:, 0] = 0.0
        if running_sum:
            np.cumsum(x, axis=1, out=out[:, 1:])
        else:
            out[:, 1:] = x
        np.exp(out, out=out)
        if scale != 1.0:
            out *= scale
        return out
    rows = np.empty((steps + 1, n)) if out is None else out.T  # row t: step t of every path
    rows[0] = scale  # exp(0) * scale
    work = _work(rows, n, steps)
    total = None  # running sum up to the strip
    for j, w in _strips(n, steps):
        t = rows[j + 1 : j + w + 1] if work is None else work[:w]
        np.copyto(t, x[:, j : j + w].T)
        if running_sum:
            if total is not None:
                np.add(total, t[0], out=t[0])
            if n < _ROW_SUM_MIN:
                np.cumsum(t, axis=0, out=t)
            else:  # row by row, as np.cumsum adds, in half its time on rows this long
                for i in range(1, w):
                    np.add(t[i - 1], t[i], out=t[i])
            total = t[w - 1].copy()
        np.exp(t, out=t)
        if scale != 1.0:
            t *= scale
        if work is not None:
            np.copyto(rows[j + 1 : j + w + 1], t)
    return rows.T


def _work(rows: np.ndarray, n: int, steps: int) -> np.ndarray | None:
    """A strip's working memory when ``rows`` (time-major) are not contiguous, else None.

    Rows lent by a run in chunks (:meth:`Market.path_range` with ``out``) lie apart;
    numpy's operations on rows apart take nearly twice as long as on contiguous ones, so
    a strip is worked out contiguous, then copied in once.
    """
    return None if rows.flags.c_contiguous else np.empty((_strip_steps(n, steps), n))


def _prices(
    log_returns: np.ndarray, start_price: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Prices ``(n, steps + 1)`` from log returns ``(n, steps)``; column 0 is exact.

    Many paths (``_TIME_MAJOR_MIN`` or more) are stored time-major (each step's prices
    side by side), the order in which the engine reads them, so that it needs no
    transposed copy. A path's log price is the running sum of its log returns, added in
    order as ``np.cumsum`` adds them, whatever the layout (also that of ``out``, which
    receives them when given).
    """
    n = log_returns.shape[0]
    return _exp_rows(log_returns, start_price, n >= _TIME_MAJOR_MIN, True, out)


def _is_time_major(a: np.ndarray) -> bool:
    """Whether ``(paths, steps)`` array ``a`` keeps each step's prices side by side."""
    return a.shape[0] > 1 and a.strides[0] == a.itemsize


def _exp_extend(rows: np.ndarray, time_major: bool) -> np.ndarray:
    """``exp`` of ``(n, steps + 1)``: 1 in column 0, ``exp(rows)`` after it (``rows``
    ``(n, steps)``), time-major when asked."""
    return _exp_rows(rows, 1.0, time_major, running_sum=False)


def _bar_arrays(
    close: np.ndarray,
    log_r: np.ndarray,
    var: float | np.ndarray,
    gap: np.ndarray | None,
    seed: int,
    block: int,
    out: tuple | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open, high and low of the bars ending at ``close`` (the module docstring's model).

    ``log_r`` ``(n, steps)``: each step's log return (close on previous close);
    ``var``: variance of the diffusion inside each step (a number or an ``(n, steps)``
    array);
    ``gap``: log jump at each bar's open (``(n, steps)``, ``(steps,)`` or None). The
    arrays come out in the layout of ``close`` (in ``out``, three arrays of that layout,
    when given), column 0 equal to the start price.

    With ``a`` the log open and ``b`` the log close (both on the previous close), the
    extremes are ``(a + b +- sqrt((b - a)^2 + 2 var E))/2`` with ``E = -ln U`` a standard
    exponential: the bridge formula of the module notes. The exponential draws of the
    block are made whole (``(n, steps)``, C order, as always) and scaled to ``2 var E``
    in that order, path by path; the rest goes a strip of steps at a time, each output
    written in place once.
    """
    n, steps = log_r.shape
    e_high, e_low = (  # E = -ln U
        _rng(seed, stream, block).standard_exponential(out=draws(name, (n, steps)))
        for stream, name in ((_BAR_HIGH, "e_high"), (_BAR_LOW, "e_low"))
    )
    for e in (e_high, e_low):  # 2 var E (times 2 after var: the same number, 2 is exact)
        if np.isscalar(var):
            e *= 2.0 * var
        else:
            e *= var
            e *= 2.0
    tm = _is_time_major(close)
    opens, high, low = out or (_new(n, steps + 1, tm) for _ in range(3))
    # row views: row t holds step t of every path (contiguous when time-major)
    c_t, o_t = close.T, opens.T
    o_t[0] = high[:, 0] = low[:, 0] = c_t[0]
    gap_t = None if gap is None else gap[:, None] if gap.ndim == 1 else gap.T
    # rows that are not contiguous (lent by a run in chunks, or paths stored one per row)
    # are read into, and a strip's bars worked out in, contiguous memory (see _work)
    lent = not (c_t.flags.c_contiguous and o_t.flags.c_contiguous)
    buf = np.empty((8 if lent else 4, _strip_steps(n, steps), n))
    for j, w in _strips(n, steps):
        now = slice(j + 1, j + w + 1)  # the rows of the strip's bars
        prev, cur, o = c_t[j : j + w], c_t[now], o_t[now]
        if lent:
            np.copyto(buf[4, :w], prev)
            np.copyto(buf[5, :w], cur)
            prev, cur = buf[4, :w], buf[5, :w]
        b = buf[0, :w]
        np.copyto(b, log_r.T[j : j + w])
        if gap_t is None:  # a = 0: the open is the previous close
            d, ends, opn = b, b, prev
            np.copyto(o, prev)
        else:
            g = gap_t[j : j + w]
            d = np.subtract(b, g, out=buf[1, :w])  # b - a
            ends = np.add(b, g, out=buf[2, :w])  # a + b
            opn = np.multiply(np.exp(g), prev, out=buf[6, :w] if lent else o)
            if lent:
                np.copyto(o, opn)
        d2 = np.multiply(d, d, out=buf[3, :w])
        for e, x, keep in ((e_high, high, np.maximum), (e_low, low, np.minimum)):
            y = buf[7, :w] if lent else x.T[now]
            np.copyto(y, e.T[j : j + w])  # 2 var E
            y += d2
            np.sqrt(y, out=y)  # sqrt((b - a)^2 - 2 s^2 ln U)
            if keep is np.maximum:
                y += ends
            else:
                np.subtract(ends, y, out=y)
            y *= 0.5
            np.exp(y, out=y)
            y *= prev
            # rounding (of exp, of sqrt next to a tiny draw) must not put the open or the
            # close outside its bar
            keep(y, cur, out=y)
            keep(y, opn, out=y)
            if lent:
                np.copyto(x.T[now], y)
    return opens, high, low


Model = Callable[[int, int], tuple]


class _Grid(NamedTuple):
    """What every random scenario is asked, checked: how many paths and steps, the
    clock, the seed, the start price and whether bars are made."""

    paths: int
    steps: int
    steps_per_day: int
    dt: float  # years a step
    seed: int
    start_price: float
    bars: bool

    def market(self, block_fn: Callable, bar_block_fn: Callable, name: str) -> Market:
        """The lazy market of these paths and steps (with bars when asked)."""
        return Market.lazy(
            block_fn,
            paths=self.paths,
            steps=self.steps,
            steps_per_day=self.steps_per_day,
            name=name,
            block_size=BLOCK_SIZE,
            bar_block_fn=bar_block_fn if self.bars else None,
        )


def _grid(days, steps_per_day, paths, seed, start_price, bars) -> _Grid:
    """Check the arguments every random scenario shares (a clear error otherwise)."""
    steps, spd, dt = _clock(days, steps_per_day)
    n, s, p0 = _common(paths, seed, start_price)
    return _Grid(n, steps, spd, dt, s, p0, _check_bars_flag(bars))


def _lazy(model: Model, grid: _Grid, name: str) -> Market:
    """A lazy market on ``grid`` whose block ``b`` is built from ``model(b, n)``.

    ``model`` returns ``(log_returns, var, gap)`` for the block's first ``n`` paths:
    log returns ``(n, steps)`` (the closes), and, for the bars, the variance of the
    diffusion inside each step and the log jumps at the opens (or None).
    """

    def block_fn(block: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
        return _prices(model(block, n)[0], grid.start_price, out)

    def bar_block_fn(block: int, n: int, out: tuple | None = None) -> tuple:
        log_r, var, gap = model(block, n)
        close_out, bars_out = (None, None) if out is None else (out[0], out[1:])
        close = _prices(log_r, grid.start_price, close_out)
        return (close, *_bar_arrays(close, log_r, var, gap, grid.seed, block, bars_out))

    return grid.market(block_fn, bar_block_fn, name)


def _check_bars_flag(bars: object) -> bool:
    if not isinstance(bars, bool):
        raise TypeError(f"bars must be True or False, got {bars!r}")
    return bars


# ----------------------------------------------------------------------- diffusions
def gbm(
    mu: float = 0.0,
    sigma: float = 0.8,
    days: float = 365,
    steps_per_day: int = 24,
    paths: int = 1000,
    seed: int = 0,
    start_price: float = 100.0,
    *,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""Geometric Brownian motion: the textbook random walk of prices.

    Parameters
    ----------
    mu : float
        Annualised continuous drift: :math:`E[S_T] = S_0 e^{\mu T}`, so ``mu=0.2`` is an
        expected gain of :math:`e^{0.2} - 1` = 22.1 % a year (not 20 %).
    sigma : float
        Annualised volatility in [0, 10]; 0.8 (80%) is typical of bitcoin.
    days : float
        Length of the market in days; ``days * steps_per_day`` must be a whole number.
    steps_per_day : int
        Price steps per day (24 = hourly).
    paths : int
        Number of simulated paths.
    seed : int
        Seed (>= 0); the same seed gives the same paths.
    start_price : float
        Price at time 0 on every path.
    name : str, optional
        Label for tables and charts.
    bars : bool
        Generate each bar's open, high and low too (the default; see the module
        notes). False gives closes only, faster to generate.

    Returns
    -------
    Market
        A lazy market of ``paths`` paths and ``days * steps_per_day`` steps.

    Notes
    -----
    The price solves :math:`dS = \mu S\,dt + \sigma S\,dW` and is simulated exactly:
    each step of :math:`\Delta t = 1/(365\,n)` years multiplies the price by

    .. math:: \exp\big((\mu - \tfrac12\sigma^2)\Delta t + \sigma\sqrt{\Delta t}\,Z\big),
              \qquad Z \sim N(0, 1).

    So :math:`E[S_T] = S_0 e^{\mu T}` while the median is :math:`S_0 e^{(\mu - \sigma^2/2)T}`.

    References
    ----------
    .. [1] F. Black and M. Scholes, "The pricing of options and corporate liabilities",
       Journal of Political Economy 81 (1973) 637-654.
    .. [2] P. Glasserman, *Monte Carlo Methods in Financial Engineering*, Springer
       (2003), section 3.2.

    Examples
    --------
    >>> from smartlev import scenarios
    >>> m = scenarios.gbm(sigma=0.8, days=30, steps_per_day=24, paths=500, seed=1)
    >>> m.paths, m.steps, m.steps_per_day
    (500, 720, 24)
    >>> m.prices[:, 0].min(), m.prices[:, 0].max()
    (np.float64(100.0), np.float64(100.0))
    >>> vol = m.log_returns.std() * (365 * 24) ** 0.5
    >>> bool(abs(vol - 0.8) < 0.01)
    True
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    mu = check_real("mu", mu, low=-10.0, high=10.0)
    sigma = _sigma("sigma", sigma)
    drift = (mu - 0.5 * sigma**2) * dt
    scale = sigma * math.sqrt(dt)

    def model(block: int, k: int) -> tuple:
        z = _normals(s, block, k, steps)
        z *= scale
        z += drift
        return z, scale * scale, None

    label = _name(name, f"gbm(mu={mu:g}, sigma={sigma:g})")
    return _lazy(model, grid, label)


def trend(
    annual_return: float = 1.0,
    sigma: float = 0.6,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""A trending market: GBM whose *median* path gains ``annual_return`` a year.

    Parameters
    ----------
    annual_return : float
        Annual return of the median path, > -1: 1.0 doubles in a year, -0.5 halves.
    sigma : float
        Annualised volatility in [0, 10].
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    With :math:`g = \ln(1 + R)` for the annual return :math:`R`, each step multiplies
    the price by :math:`\exp(g\,\Delta t + \sigma\sqrt{\Delta t}\,Z)`, so the median of
    :math:`S_T` is :math:`S_0 (1 + R)^T`. This is :func:`gbm` with
    :math:`\mu = g + \sigma^2/2` and, for the same ``seed``, the same shocks :math:`Z`.

    References
    ----------
    .. [1] P. Glasserman, *Monte Carlo Methods in Financial Engineering*, Springer
       (2003), section 3.2.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev import scenarios
    >>> m = scenarios.trend(annual_return=1.0, sigma=0.6, paths=2001, seed=3)
    >>> bool(abs(np.median(m.prices[:, -1]) / 200 - 1) < 0.05)
    True
    >>> scenarios.trend(sigma=0.0, days=365).prices[0, -1].round(6)
    np.float64(200.0)
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    r = check_real("annual_return", annual_return, low=-1.0, low_open=True, high=1000.0)
    sigma = _sigma("sigma", sigma)
    drift = math.log1p(r) * dt
    scale = sigma * math.sqrt(dt)

    def model(block: int, k: int) -> tuple:
        z = _normals(s, block, k, steps)
        z *= scale
        z += drift
        return z, scale * scale, None

    label = _name(name, f"trend({r:+.0%}/yr, sigma={sigma:g})")
    return _lazy(model, grid, label)


def sideways(
    sigma: float = 0.7,
    mean_reversion: float = 36.5,
    level: float | None = None,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""A sideways market: the log price swings around a level and keeps coming back.

    Parameters
    ----------
    sigma : float
        Annualised volatility of the day-to-day moves, in [0, 10].
    mean_reversion : float
        Pull towards the level, per year (>= 0). The half-life of a deviation is
        :math:`\ln 2 / \kappa` years: the default 36.5 gives about 7 days.
        0 turns the pull off (a driftless random walk in log price).
    level : float, optional
        Price the market oscillates around; default ``start_price``.
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    The log price :math:`X = \ln S` follows an Ornstein-Uhlenbeck process
    :math:`dX = -\kappa (X - \ln \ell)\,dt + \sigma\,dW`, simulated exactly:

    .. math:: X_{t+\Delta t} - \ln \ell = e^{-\kappa\Delta t}(X_t - \ln \ell)
              + \sigma\sqrt{\tfrac{1 - e^{-2\kappa\Delta t}}{2\kappa}}\;Z.

    Far from the start the log price is normal around :math:`\ln \ell` with standard
    deviation :math:`\sigma/\sqrt{2\kappa}` (about 8% with the defaults), so the
    market has no trend and ends near its level, while each day still moves by
    about :math:`\sigma\sqrt{\Delta t}` (3.7% a day with the defaults).

    References
    ----------
    .. [1] G. E. Uhlenbeck and L. S. Ornstein, "On the theory of the Brownian
       motion", Physical Review 36 (1930) 823-841.
    .. [2] P. Glasserman, *Monte Carlo Methods in Financial Engineering*, Springer
       (2003), section 3.3.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev import scenarios
    >>> m = scenarios.sideways(paths=2000, seed=2)
    >>> end = np.log(m.prices[:, -1] / 100)
    >>> bool(abs(end.mean()) < 0.01), bool(abs(end.std() - 0.7 / np.sqrt(73)) < 0.01)
    (True, True)
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    sigma = _sigma("sigma", sigma)
    kappa = check_real("mean_reversion", mean_reversion, low=0.0, high=1e6)
    lvl = grid.start_price if level is None else check_real("level", level, low=0.0, low_open=True)
    phi = math.exp(-kappa * dt)
    var = dt if kappa == 0 else -math.expm1(-2.0 * kappa * dt) / (2.0 * kappa)
    scale = sigma * math.sqrt(var)
    x0 = math.log(grid.start_price / lvl)

    def model(block: int, k: int) -> tuple:
        zt = np.ascontiguousarray(_normals(s, block, k, steps).T)  # (steps, k)
        zt *= scale
        dev = np.empty((steps + 1, k))
        dev[0] = x0
        for t in range(steps):
            np.multiply(dev[t], phi, out=dev[t + 1])
            dev[t + 1] += zt[t]
        return np.diff(dev, axis=0).T, scale * scale, None

    label = _name(name, f"sideways(sigma={sigma:g}, mean_reversion={kappa:g})")
    return _lazy(model, grid, label)


# ------------------------------------------------------------------ jumps and crashes
def jump_diffusion(
    sigma: float = 0.6,
    jump_intensity: float = 4.0,
    jump_mean: float = -0.15,
    jump_std: float = 0.10,
    mu: float = 0.0,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""Merton jump diffusion: a random walk plus sudden jumps (black swans).

    Parameters
    ----------
    sigma : float
        Annualised volatility of the continuous part, in [0, 10].
    jump_intensity : float
        Expected number of jumps per year (>= 0).
    jump_mean : float
        Mean of the log jump size: -0.15 is a typical fall of about 14%.
    jump_std : float
        Standard deviation of the log jump size (>= 0).
    mu : float
        Annualised expected return including the jumps (the drift is compensated).
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    With :math:`N \sim \mathrm{Poisson}(\lambda\Delta t)` jumps in a step, each with a
    log size :math:`Y_j \sim N(m, s^2)`, a step's log return is

    .. math:: (\mu - \tfrac12\sigma^2 - \lambda k)\Delta t + \sigma\sqrt{\Delta t}\,Z
              + \sum_{j=1}^{N} Y_j, \qquad k = e^{m + s^2/2} - 1,

    so :math:`E[S_T] = S_0 e^{\mu T}` and the total variance per year is
    :math:`\sigma^2 + \lambda (m^2 + s^2)` (0.70 annualised volatility with the
    defaults). Given :math:`N`, the sum of jumps is :math:`N(Nm, Ns^2)`. The shocks
    :math:`Z` are those of :func:`gbm` with the same ``seed``.

    References
    ----------
    .. [1] R. C. Merton, "Option pricing when underlying stock returns are
       discontinuous", Journal of Financial Economics 3 (1976) 125-144.

    Examples
    --------
    >>> from smartlev import scenarios
    >>> m = scenarios.jump_diffusion(paths=300, days=365, seed=4)
    >>> r = m.log_returns.ravel()
    >>> excess_kurtosis = ((r - r.mean()) ** 4).mean() / r.var() ** 2 - 3
    >>> bool(excess_kurtosis > 3)
    True
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    sigma = _sigma("sigma", sigma)
    lam = check_real("jump_intensity", jump_intensity, low=0.0, high=365.0 * 1000)
    m = check_real("jump_mean", jump_mean, low=-5.0, high=5.0)
    sd = check_real("jump_std", jump_std, low=0.0, high=5.0)
    mu = check_real("mu", mu, low=-10.0, high=10.0)
    k = math.expm1(m + 0.5 * sd**2)
    drift = (mu - 0.5 * sigma**2 - lam * k) * dt
    scale = sigma * math.sqrt(dt)

    def model(block: int, count: int) -> tuple:
        z = _normals(s, block, count, steps)
        z *= scale
        z += drift
        sizes = None
        if lam > 0:
            jumps = _rng(s, _JUMP_COUNT, block).poisson(lam * dt, (count, steps))
            sizes = _rng(s, _JUMP_SIZE, block).standard_normal((count, steps))
            sizes *= sd * np.sqrt(jumps)
            sizes += m * jumps
            z += sizes
        return z, scale * scale, sizes

    label = _name(name, f"jump diffusion(sigma={sigma:g}, {lam:g} jumps/yr)")
    return _lazy(model, grid, label)


def crash(
    drop: float = 0.4,
    at_day: float | None = None,
    over_steps: int = 1,
    sigma: float = 0.6,
    mu: float = 0.0,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""A black swan: a fall of ``drop`` at a chosen time, on top of GBM noise.

    Parameters
    ----------
    drop : float
        Size of the crash as a fraction of the price, in (0, 1): 0.4 takes 40% off.
    at_day : float, optional
        Day the crash starts (rounded to the nearest step); default the middle of the
        market. The price at ``at_day`` is the last one before the fall.
    over_steps : int
        Number of steps the fall is spread over (1 = a single gap). Splitting it
        lets a product that rebalances every step react part-way down.
    sigma : float
        Annualised volatility of the background noise, in [0, 10] (0 = no noise).
    mu : float
        Annualised drift of the background noise.
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    Each path is the :func:`gbm` path with the same ``mu``, ``sigma`` and ``seed``,
    with an extra log return of :math:`\ln(1 - d)/K` added to each of the ``K``
    steps starting at step :math:`k = \mathrm{round}(\text{at\_day} \cdot n)`:

    .. math:: S_t = S^{\mathrm{gbm}}_t \, (1 - d)^{\min(\max(t - k, 0), K)/K}.

    A one-step gap of ``drop`` wipes out any product that keeps a leverage of
    ``1 / drop`` or more through it, with or without a liquidation engine.

    References
    ----------
    .. [1] N. N. Taleb, *The Black Swan*, Random House (2007).

    Examples
    --------
    >>> from smartlev import scenarios
    >>> m = scenarios.crash(drop=0.4, at_day=10, sigma=0.0, days=20)
    >>> m.prices[0, 9:13].round(2)
    array([100., 100.,  60.,  60.])
    >>> m = scenarios.crash(drop=0.5, at_day=1, over_steps=24, sigma=0.0, days=3,
    ...                     steps_per_day=24)
    >>> m.prices[0, [24, 36, 48]].round(2)
    array([100.  ,  70.71,  50.  ])
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    d = check_real("drop", drop, low=0.0, high=1.0, low_open=True, high_open=True)
    k_steps = check_int("over_steps", over_steps, low=1, high=steps)
    total_days = steps / grid.steps_per_day
    latest = total_days - k_steps / grid.steps_per_day
    if at_day is None:
        first = round(steps / 2 - k_steps / 2)
    else:
        day = check_real("at_day", at_day, low=0.0, high=latest)
        first = min(round(day * grid.steps_per_day), steps - k_steps)
    sigma = _sigma("sigma", sigma)
    mu = check_real("mu", mu, low=-10.0, high=10.0)
    drift = (mu - 0.5 * sigma**2) * dt
    scale = sigma * math.sqrt(dt)
    gap = math.log1p(-d) / k_steps
    gaps = np.zeros(steps)
    gaps[first : first + k_steps] = gap

    def model(block: int, count: int) -> tuple:
        z = _normals(s, block, count, steps)
        z *= scale
        z += drift
        z[:, first : first + k_steps] += gap
        return z, scale * scale, gaps

    label = _name(name, f"crash(-{d:.0%} on day {first / grid.steps_per_day:g})")
    return _lazy(model, grid, label)


# -------------------------------------------------------------- volatility clustering
def _garch_log_returns(
    seed: int,
    block: int,
    n: int,
    steps: int,
    dt: float,
    *,
    omega: float,
    alpha: float,
    beta: float,
    dist: str,
    dof: float,
    mu: float,
) -> tuple[np.ndarray, np.ndarray]:
    """GARCH(1,1) log returns and conditional variances, both ``(steps, n)``."""
    if dist == "t":
        eps = _rng(seed, _STUDENT_T, block).standard_t(dof, (n, steps))
        eps *= math.sqrt((dof - 2.0) / dof)
    else:
        eps = _normals(seed, block, n, steps)
    shocks = np.ascontiguousarray(eps.T)  # (steps, n): one row per time step
    del eps
    var = np.empty_like(shocks)
    h = np.full(n, omega / (1.0 - alpha - beta))
    for t in range(steps):
        var[t] = h
        e = shocks[t]
        e *= np.sqrt(h)  # shocks[t] now holds the return innovation
        h = omega + alpha * e * e + beta * h
    shocks += mu * dt
    shocks -= 0.5 * var
    return shocks, var


def garch(
    omega: float | None = None,
    alpha: float = 0.08,
    beta: float = 0.9,
    long_run_vol: float = 0.7,
    dist: str = "t",
    dof: float = 4.0,
    mu: float = 0.0,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""GARCH(1,1): calm and stormy spells, with fat-tailed shocks.

    Parameters
    ----------
    omega : float, optional
        Constant of the variance recursion, in squared log return per step. When
        given it replaces ``long_run_vol``; by default it is set from ``long_run_vol``.
    alpha : float
        Reaction of the variance to the last squared shock (>= 0), per step.
    beta : float
        Persistence of the variance (>= 0), per step; ``alpha + beta < 1``.
        With the defaults a volatility shock halves in about 34 steps.
    long_run_vol : float
        Annualised long-run volatility (> 0), the level the variance reverts to.
    dist : {"t", "normal"}
        Distribution of the shocks: Student-t (fat tails) or normal.
    dof : float
        Degrees of freedom of the Student-t shocks (> 2); 4 gives very fat tails.
    mu : float
        Annualised drift.
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`. ``alpha`` and ``beta`` act per step, so their defaults
        are meant for daily steps.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    The log return of step :math:`t` is
    :math:`r_t = \mu\Delta t - \tfrac12 h_t + \sqrt{h_t}\,\varepsilon_t` with unit-variance
    shocks :math:`\varepsilon_t` (Student-t scaled by :math:`\sqrt{(\nu-2)/\nu}`), and
    the variance follows

    .. math:: h_{t+1} = \omega + \alpha\,h_t\varepsilon_t^2 + \beta\,h_t,
              \qquad \bar h = \frac{\omega}{1 - \alpha - \beta} = \bar\sigma^2 \Delta t,

    starting at the long-run level :math:`\bar h`. A large move raises the next
    variances, so big moves come in clusters: the squared returns are positively
    autocorrelated. The recursion runs over time, vectorised over paths.

    References
    ----------
    .. [1] T. Bollerslev, "Generalized autoregressive conditional
       heteroskedasticity", Journal of Econometrics 31 (1986) 307-327.
    .. [2] T. Bollerslev, "A conditionally heteroskedastic time series model for
       speculative prices and rates of return", Review of Economics and Statistics
       69 (1987) 542-547.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev import scenarios
    >>> m = scenarios.garch(days=1000, paths=200, seed=5)
    >>> a = np.abs(m.log_returns - m.log_returns.mean())
    >>> a = a - a.mean(axis=1, keepdims=True)
    >>> lag1 = (a[:, 1:] * a[:, :-1]).mean() / (a * a).mean()
    >>> bool(lag1 > 0.05)
    True
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    a = check_real("alpha", alpha, low=0.0, high=1.0)
    b = check_real("beta", beta, low=0.0, high=1.0)
    if a + b >= 1.0:
        raise ValueError(
            f"alpha + beta must be < 1 for a stationary variance, got alpha={alpha!r}, "
            f"beta={beta!r} (sum {a + b:g})"
        )
    if omega is None:
        vol = check_real("long_run_vol", long_run_vol, low=0.0, low_open=True, high=_MAX_SIGMA)
        w = vol**2 * dt * (1.0 - a - b)
    else:
        w = check_real("omega", omega, low=0.0, low_open=True, high=1.0)
        vol = math.sqrt(w / (1.0 - a - b) / dt)
    kind = check_choice("dist", dist, ("t", "normal"))
    nu = check_real("dof", dof, low=2.0, low_open=True, high=1e6) if kind == "t" else 0.0
    mu = check_real("mu", mu, low=-10.0, high=10.0)

    def model(block: int, k: int) -> tuple:
        r, var = _garch_log_returns(
            s, block, k, steps, dt, omega=w, alpha=a, beta=b, dist=kind, dof=nu, mu=mu
        )
        return r.T, var.T, None

    label = _name(name, f"garch(long_run_vol={vol:.2g}, alpha={a:g}, beta={b:g})")
    return _lazy(model, grid, label)


def regime_switching(
    vols: tuple[float, float] = (0.4, 1.2),
    drifts: tuple[float, float] = (0.5, -0.5),
    switch_prob_per_day: float | tuple[float, float] = 0.02,
    start_regime: int | None = None,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""Two market regimes (say a calm bull and a volatile bear) that switch at random.

    Parameters
    ----------
    vols : tuple of two floats
        Annualised volatility in regime 0 and regime 1, each in [0, 10].
    drifts : tuple of two floats
        Annualised expected return in regime 0 and regime 1.
    switch_prob_per_day : float or tuple of two floats
        Probability per day of leaving the current regime, in [0, 1]; a pair gives
        separate probabilities for leaving regime 0 and regime 1. The default 0.02
        makes a regime last 50 days on average.
    start_regime : {None, 0, 1}
        Regime at time 0; None draws it from the long-run shares of the two regimes.
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    The regime :math:`s_t \in \{0, 1\}` is a Markov chain that leaves regime
    :math:`i` in a step with probability :math:`q_i = 1 - (1 - p_i)^{1/n}` (``p_i``
    per day, ``n`` steps a day). Within a step the price follows GBM with the
    parameters of the current regime:

    .. math:: \ln\frac{S_{t+\Delta t}}{S_t} = (\mu_{s_t} - \tfrac12\sigma_{s_t}^2)\Delta t
              + \sigma_{s_t}\sqrt{\Delta t}\,Z.

    In the long run a share :math:`p_0/(p_0 + p_1)` of the time is spent in regime 1.
    With no switching and ``start_regime=0`` this is exactly :func:`gbm` with
    ``mu=drifts[0]``, ``sigma=vols[0]`` and the same ``seed``.

    References
    ----------
    .. [1] J. D. Hamilton, "A new approach to the economic analysis of nonstationary
       time series and the business cycle", Econometrica 57 (1989) 357-384.

    Examples
    --------
    >>> from smartlev import scenarios
    >>> m = scenarios.regime_switching(paths=100, days=730, seed=6)
    >>> m.paths, m.steps
    (100, 730)
    >>> vol = m.log_returns.std() * 365 ** 0.5
    >>> bool(0.4 < vol < 1.2)
    True
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s = grid.steps, grid.dt, grid.seed
    v = _pair("vols", vols)
    mus = _pair("drifts", drifts)
    for i in (0, 1):
        _sigma(f"vols[{i}]", v[i])
        check_real(f"drifts[{i}]", mus[i], low=-10.0, high=10.0)
    if isinstance(switch_prob_per_day, (tuple, list, np.ndarray)):
        p = _pair("switch_prob_per_day", switch_prob_per_day)
        for i in (0, 1):
            check_real(f"switch_prob_per_day[{i}]", p[i], low=0.0, high=1.0)
    else:
        q = check_real("switch_prob_per_day", switch_prob_per_day, low=0.0, high=1.0)
        p = (q, q)
    if start_regime is not None:
        start_regime = check_int("start_regime", start_regime, low=0, high=1)
    q_step = np.array([1.0 - (1.0 - pi) ** (1.0 / grid.steps_per_day) for pi in p])
    share1 = 0.5 if p[0] + p[1] == 0 else p[0] / (p[0] + p[1])
    v_arr = np.array(v, dtype=float)
    drift_arr = (np.array(mus, dtype=float) - 0.5 * v_arr**2) * dt
    scale_arr = v_arr * math.sqrt(dt)

    def model(block: int, k: int) -> tuple:
        if start_regime is None:
            state = (_rng(s, _REGIME_START, block).random(k) < share1).astype(np.intp)
        else:
            state = np.full(k, start_regime, dtype=np.intp)
        u = np.ascontiguousarray(_rng(s, _REGIME_SWITCH, block).random((k, steps)).T)
        states = np.empty((steps, k), dtype=np.intp)
        for t in range(steps):
            states[t] = state
            state = np.where(u[t] < q_step[state], 1 - state, state)
        states = states.T
        z = _normals(s, block, k, steps)
        sd = scale_arr[states]
        z *= sd
        z += drift_arr[states]
        sd *= sd
        return z, sd, None

    label = _name(name, f"regime switching(vols={v[0]:g}/{v[1]:g})")
    return _lazy(model, grid, label)


def _pair(name: str, value: object) -> tuple[float, float]:
    """Two real numbers (a tuple, list or array of length 2)."""
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{name} must be a pair of numbers, got {value!r}") from None
    if len(items) != 2:
        raise ValueError(f"{name} must have exactly 2 entries (one per regime), got {value!r}")
    return (
        check_real(f"{name}[0]", items[0]),
        check_real(f"{name}[1]", items[1]),
    )


# ----------------------------------------------------------- same end, other routes
def bridge(
    end_price: float,
    sigma: float = 0.8,
    *,
    days: float = 365,
    steps_per_day: int = 1,
    paths: int = 1,
    seed: int = 0,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""Brownian bridge: every path starts at ``start_price`` and ends at ``end_price``.

    The same start, the same end, many different routes in between: the cleanest way
    to show that a leveraged product's result depends on the path, not only on where
    the price ends up.

    Parameters
    ----------
    end_price : float
        Price at the last step of every path (> 0), reproduced exactly.
    sigma : float
        Annualised volatility of the route, in [0, 10].
    days, steps_per_day, paths, seed, start_price, name, bars
        As in :func:`gbm`.

    Returns
    -------
    Market
        A lazy market.

    Notes
    -----
    With the Brownian path :math:`W_t = \sigma\sqrt{\Delta t}\sum_{j \le t} Z_j` (the
    shocks of :func:`gbm` with the same ``seed``) the log price is

    .. math:: \ln\frac{S_t}{S_0} = \frac{t}{T}\ln\frac{S_T}{S_0} + W_t - \frac{t}{T}W_T,

    a Brownian motion conditioned on its end point: path ``i`` is the ``gbm`` path ``i``
    tilted in log space so that it lands on ``end_price``. Its log price has variance
    :math:`\sigma^2 t (T - t)/T`, widest in the middle.

    References
    ----------
    .. [1] P. Glasserman, *Monte Carlo Methods in Financial Engineering*, Springer
       (2003), section 3.1.

    Examples
    --------
    >>> from smartlev import scenarios
    >>> m = scenarios.bridge(end_price=150.0, paths=4, days=30, seed=1)
    >>> m.prices[:, 0], m.prices[:, -1]
    (array([100., 100., 100., 100.]), array([150., 150., 150., 150.]))
    >>> bool(m.prices[:, 15].std() > 1)
    True
    """
    grid = _grid(days, steps_per_day, paths, seed, start_price, bars)
    steps, dt, s, p0 = grid.steps, grid.dt, grid.seed, grid.start_price
    end = check_real("end_price", end_price, low=0.0, low_open=True)
    sigma = _sigma("sigma", sigma)
    scale = sigma * math.sqrt(dt)
    frac = np.arange(1, steps + 1) / steps
    total = math.log(end / p0)

    def block_fn(block: int, k: int, keep_log: bool = False) -> np.ndarray:
        w = _normals(s, block, k, steps)
        w *= scale
        np.cumsum(w, axis=1, out=w)
        w -= w[:, -1:] * frac
        w += total * frac
        out = _exp_rows(w, p0, True, running_sum=False)  # time-major, as _prices stores them
        out[:, -1] = end
        return (out, w) if keep_log else out

    def bar_block_fn(block: int, k: int) -> tuple:
        close, w = block_fn(block, k, keep_log=True)
        log_r = np.diff(w, axis=1, prepend=0.0)  # each piece: a bridge of variance scale^2
        return (close, *_bar_arrays(close, log_r, scale * scale, None, s, block))

    label = _name(name, f"bridge({p0:g} -> {end:g}, sigma={sigma:g})")
    return grid.market(block_fn, bar_block_fn, label)


def shuffle(
    market: Market,
    paths: int = 100,
    seed: int = 0,
    *,
    path: int = 0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""The same moves in other orders: permute one path's returns, path by path.

    Parameters
    ----------
    market : Market
        The market whose path ``path`` supplies the moves (a price history loaded
        with :func:`load_csv`, or any scenario).
    paths : int
        Number of output paths.
    seed : int
        Seed (>= 0) of the permutations.
    path : int
        Which path of ``market`` to take the moves from.
    name : str, optional
        Label; default ``"<market name> shuffled"``.

    Returns
    -------
    Market
        A lazy market with the clock of ``market``. Path 0 is the original path itself
        (its moves in their original order); paths 1, 2, ... are random permutations.

    Notes
    -----
    With the log returns :math:`r_1, \dots, r_T` of the chosen path and a random
    permutation :math:`\pi` per output path,

    .. math:: S_t = S_0 \exp\Big(\sum_{j \le t} r_{\pi(j)}\Big),

    so every path has the same start, the same end (set exactly to the original's),
    the same set of moves and the same realised volatility; only the order differs.
    A product that returns to a fixed leverage at *every* step ends every such path at
    the same value, because its NAV is the product of per-step factors
    :math:`1 + L\,(e^{r} - 1)`; whatever differs between shuffled paths (liquidation,
    bands, leverage set from past prices, rebalancing less often than every step)
    is path dependency.

    References
    ----------
    .. [1] M. Avellaneda and S. Zhang, "Path-dependence of leveraged ETF returns",
       SIAM Journal on Financial Mathematics 1 (2010) 586-603.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev import scenarios
    >>> m = scenarios.shuffle(scenarios.gbm(paths=1, days=30, seed=3), paths=5, seed=1)
    >>> bool(np.all(m.prices[:, -1] == m.prices[0, -1]))
    True
    >>> r = np.sort(m.returns, axis=1)
    >>> bool(np.allclose(r, r[0]))
    True
    """
    if not isinstance(market, Market):
        raise TypeError(
            f"market must be a smartlev Market (e.g. from load_csv or a scenario), "
            f"got {type(market).__name__}"
        )
    n = check_int("paths", paths, low=1)
    s = check_int("seed", seed, low=0)
    which = check_int("path", path, low=0, high=market.paths - 1)
    with_bars = _check_bars_flag(bars)
    closes, o, h, lo = (
        market.bar_range(which, which + 1) if with_bars else (None, None, None, None)
    )
    original = market.path_range(which, which + 1)[0].copy()
    steps = market.steps
    log_r = np.diff(np.log(original))
    p0, p_end = original[0], original[-1]
    if o is not None:  # each bar's open, high and low relative to the previous close
        prev = original[:-1]
        rel = np.stack([o[0, 1:] / prev, h[0, 1:] / prev, lo[0, 1:] / prev])
        real_bars = np.stack([original, o[0], h[0], lo[0]])
    realised_var = float(np.mean(log_r * log_r))

    def block_fn(block: int, k: int, with_order: bool = False) -> np.ndarray:
        keys = _rng(s, _SHUFFLE, block).random((k, steps))
        order = np.argsort(keys, axis=1, kind="stable")
        out = _prices(log_r[order], p0)
        out[:, -1] = p_end
        if block == 0:
            out[0] = original
        return (out, order) if with_order else out

    def bar_block_fn(block: int, k: int) -> tuple:
        close, order = block_fn(block, k, with_order=True)
        if o is None:  # no bars to move: Brownian bridges at the path's realised variance
            r = np.diff(np.log(close), axis=1)
            bar = _bar_arrays(close, r, realised_var, None, s, block)
        else:  # each bar moves with its close
            bar = []
            for i in range(3):
                x = _exp_extend(np.log(rel[i])[order], not close.flags.c_contiguous)
                x[:, 1:] *= close[:, :-1]
                x[:, 0] = close[:, 0]
                bar.append(x)
            opens, high, low = bar
            np.maximum(high, np.maximum(opens, close), out=high)
            np.minimum(low, np.minimum(opens, close), out=low)
            if block == 0:
                for x, real in zip(bar, real_bars[1:], strict=True):
                    x[0] = real
        return (close, *bar)

    label = _name(name, f"{market.name} shuffled")
    return Market.lazy(
        block_fn,
        paths=n,
        steps=steps,
        steps_per_day=market.steps_per_day,
        name=label,
        block_size=BLOCK_SIZE,
        bar_block_fn=bar_block_fn if with_bars else None,
    )


def sawtooth(
    amplitude: float = 0.1,
    cycles: int | None = None,
    *,
    days: float = 30,
    steps_per_day: int = 1,
    paths: int = 1,
    start_price: float = 100.0,
    name: str | None = None,
    bars: bool = True,
) -> Market:
    r"""A deterministic up-and-down market that returns exactly to its start.

    The classic volatility-decay example: +10%, then back down, again and again. The
    price ends where it started; a leveraged token does not.

    Parameters
    ----------
    amplitude : float
        Rise of each cycle as a fraction (> 0): 0.1 goes from 100 to 110 and back.
    cycles : int, optional
        Number of up-and-down cycles; default one step up and one step down, i.e.
        ``steps / 2`` cycles. The number of steps must be a multiple of ``2 * cycles``.
    days, steps_per_day, paths, start_price, name, bars
        As in :func:`gbm`. All paths are identical (there is nothing random).

    Returns
    -------
    Market
        A market whose every path is the same zig-zag.

    Notes
    -----
    A cycle of :math:`2h` steps climbs :math:`h` equal log steps to
    :math:`S_0(1 + a)` and comes back down the same way:

    .. math:: S_j = S_0\,(1 + a)^{\min(j, 2h - j)/h}, \qquad j = 0, \dots, 2h.

    With one step each way the returns alternate :math:`+a` and
    :math:`-a/(1 + a)`, whose product is exactly 1. A token rebalanced to leverage
    :math:`L` every step multiplies its NAV per cycle by
    :math:`(1 + La)(1 - La/(1 + a)) = 1 - L(L - 1)a^2/(1 + a) < 1` for :math:`L > 1`.

    References
    ----------
    .. [1] M. Avellaneda and S. Zhang, "Path-dependence of leveraged ETF returns",
       SIAM Journal on Financial Mathematics 1 (2010) 586-603.

    Examples
    --------
    >>> from smartlev import scenarios
    >>> m = scenarios.sawtooth(amplitude=0.1, days=6)
    >>> m.prices.round(4)
    array([[100., 110., 100., 110., 100., 110., 100.]])
    >>> scenarios.sawtooth(amplitude=0.21, cycles=1, days=4).prices.round(4)
    array([[100., 110., 121., 110., 100.]])
    """
    steps, spd, _ = _clock(days, steps_per_day)
    n = check_int("paths", paths, low=1)
    p0 = check_real("start_price", start_price, low=0.0, low_open=True)
    a = check_real("amplitude", amplitude, low=0.0, low_open=True, high=1e6)
    if cycles is None:
        if steps % 2:
            raise ValueError(
                f"sawtooth needs an even number of steps (one up, one down per cycle), got "
                f"days * steps_per_day = {steps}"
            )
        c = steps // 2
    else:
        c = check_int("cycles", cycles, low=1, high=steps // 2 if steps >= 2 else 1)
        if steps % (2 * c):
            raise ValueError(
                f"days * steps_per_day ({steps}) must be a multiple of 2 * cycles "
                f"({2 * c}), got cycles={cycles!r}"
            )
    h = steps // (2 * c)
    j = np.arange(steps + 1) % (2 * h)
    up = np.minimum(j, 2 * h - j) / h
    row = p0 * (1.0 + a) ** up

    opens = np.concatenate(([row[0]], row[:-1]))
    bar_rows = (row, opens, np.maximum(opens, row), np.minimum(opens, row))

    def block_fn(block: int, k: int) -> np.ndarray:
        return np.broadcast_to(row, (k, steps + 1)).copy()

    def bar_block_fn(block: int, k: int) -> tuple:
        return tuple(np.broadcast_to(x, (k, steps + 1)).copy() for x in bar_rows)

    label = _name(name, f"sawtooth(+{a:.0%} x {c})")
    return Market.lazy(
        block_fn,
        paths=n,
        steps=steps,
        steps_per_day=spd,
        name=label,
        block_size=BLOCK_SIZE,
        bar_block_fn=bar_block_fn if _check_bars_flag(bars) else None,
    )


def from_returns(
    returns: object,
    *,
    kind: str = "simple",
    steps_per_day: int = 1,
    start_price: float = 100.0,
    name: str = "returns",
) -> Market:
    r"""A market from per-step returns instead of prices.

    Parameters
    ----------
    returns : array_like
        Returns per step, 1-D (one path) or 2-D (paths x steps).
    kind : {"simple", "log"}
        Simple returns (0.05 = +5%, each > -1) or log returns.
    steps_per_day : int
        Price steps per day.
    start_price : float
        Price before the first return (> 0).
    name : str
        Label.

    Returns
    -------
    Market
        A materialised market with one more price column than there are returns.

    Notes
    -----
    :math:`S_t = S_0 \prod_{j \le t} (1 + r_j)` for simple returns and
    :math:`S_t = S_0 \exp(\sum_{j \le t} r_j)` for log returns.

    Examples
    --------
    >>> from smartlev import scenarios
    >>> scenarios.from_returns([0.1, -0.5, 1.0]).prices.round(6)
    array([[100., 110.,  55., 110.]])
    >>> scenarios.from_returns([0.1, -1.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: returns must be > -1 (...), got -1.0 at path 0, step 1
    """
    how = check_choice("kind", kind, ("simple", "log"))
    p0 = check_real("start_price", start_price, low=0.0, low_open=True)
    try:
        r = np.array(returns, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"returns must be an array of numbers, got {returns!r}") from None
    if r.ndim == 1:
        r = r[None, :]
    if r.ndim != 2 or r.shape[1] < 1:
        raise ValueError(f"returns must be 1-D or 2-D with at least one step, got {r.shape}")
    bad = ~np.isfinite(r)
    if how == "simple":
        bad |= r <= -1.0
    if bad.any():
        i, t = np.argwhere(bad)[0]
        rule = "> -1 (a return of -100% or worse leaves no price)" if how == "simple" else "finite"
        raise ValueError(f"returns must be {rule}, got {float(r[i, t])!r} at path {i}, step {t}")
    log_r = np.log1p(r) if how == "simple" else r
    return Market.from_prices(_prices(log_r, p0), steps_per_day=steps_per_day, name=name)


# ---------------------------------------------------------------------- price files
class PriceFileError(ValueError):
    """A price file that cannot be read as a regular price history."""


class PriceFileNotFoundError(PriceFileError, FileNotFoundError):
    """The price file does not exist (both a ValueError and a FileNotFoundError)."""


_TIME_NAMES = ("open_time", "timestamp", "date", "datetime", "time", "unix", "open_time_ms")
_CLOSE_NAMES = ("close", "price", "adj_close", "close_price", "last")
_KLINE_COLUMNS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
_NS_PER_DAY = 86_400 * 10**9


def _norm(column: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(column).strip().lower()).strip("_")


def _read_text(source: object) -> tuple[str, str, str]:
    """Return ``(text, label for messages, default market name)``."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise PriceFileNotFoundError(f"price file not found: {str(path)!r}")
        if path.is_dir():
            raise PriceFileError(f"{str(path)!r} is a folder, not a price file")
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise PriceFileError(
                        f"{str(path)!r}: a zip file must hold exactly one .csv file, "
                        f"found {members}"
                    )
                raw = zf.read(members[0])
            return raw.decode("utf-8-sig"), str(path), Path(members[0]).stem
        return path.read_text(encoding="utf-8-sig"), str(path), path.stem
    if hasattr(source, "read"):
        raw = source.read()
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else str(raw)
        return text.lstrip("\ufeff"), "<buffer>", "prices"
    raise TypeError(
        f"path_or_buffer must be a file path or an open file, got {type(source).__name__}"
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _epoch_to_ns(values: np.ndarray) -> np.ndarray:
    """Epoch numbers in s, ms, us or ns (guessed per value from its size) -> int64 ns."""
    v = np.asarray(values)
    mag = np.abs(v.astype(float))
    factor = np.where(
        mag < 1e11, 10**9, np.where(mag < 1e14, 10**6, np.where(mag < 1e17, 10**3, 1))
    ).astype(np.int64)
    if np.issubdtype(v.dtype, np.integer):
        return v.astype(np.int64) * factor
    return np.round(v * factor).astype(np.int64)


def _format_step(ns: int) -> str:
    import pandas as pd

    return str(pd.Timedelta(int(ns), unit="ns"))


def load_csv(
    path_or_buffer: object,
    *,
    price: str = "close",
    steps_per_day: int | None = None,
    name: str | None = None,
    gaps: str = "error",
) -> Market:
    r"""Load a price history from a CSV file into a one-path :class:`Market`.

    Three layouts are recognised:

    * **exchange klines** (Binance and similar): 12 columns ``open_time, open, high,
      low, close, volume, close_time, quote_volume, count, taker_buy_volume,
      taker_buy_quote_volume, ignore``, with or without that header row. Open times
      may be epoch seconds, milliseconds or microseconds (Binance spot files use
      microseconds from 2025), guessed per row from their size.
    * **Yahoo Finance** history downloads: ``Date, Open, High, Low, Close, Adj Close,
      Volume`` (also the three-row header written by ``yfinance``).
    * **generic**: a time column named ``timestamp``, ``date``, ``datetime`` or
      ``time`` and a price column named ``close`` or ``price``.

    Column names are matched ignoring case, spaces and punctuation. A ``.zip`` holding
    one CSV (as on data.binance.vision) is read directly.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The file (or an open text/binary buffer).
    price : str
        Column to use as the price. ``"close"`` takes the ``Close`` column as it is
        (on Yahoo this is split-adjusted but not dividend-adjusted; for crypto it
        equals ``Adj Close``), falling back to ``price`` then ``Adj Close`` when there
        is no close column. Any other column name (``"adj close"``, ``"open"``) is used
        as given.
    steps_per_day : int, optional
        Rows per day. By default inferred from the most common spacing of the
        timestamps (robust to a few gaps), which must divide a day (daily, 4-hourly,
        hourly, 1-minute ...). When given it must agree with the timestamps; it is
        required for a file without a time column (rows are then taken in file order).
    name : str, optional
        Market name; default the file name without extension.
    gaps : {"error", "ffill"}
        What to do when rows are missing from the regular clock: ``"error"`` (the
        default) refuses the file and says where the first gap is; ``"ffill"``
        inserts the missing rows carrying the last price forward (a flat, zero-return
        stretch).

    Returns
    -------
    Market
        One path, sorted by time, with ``timestamps`` (UTC, ``datetime64[ns]``).
        For klines the timestamp of a row is its open time and its price is the
        close of that candle. When the price is the close and the file has ``open``,
        ``high`` and/or ``low`` columns (klines, Yahoo), the market carries those bars
        (:attr:`Market.open` ...; a missing open is the previous close). With
        ``gaps="ffill"`` an inserted row is a flat bar: open, high, low and close all
        equal to the last close.

    Raises
    ------
    PriceFileNotFoundError
        The file does not exist (a subclass of both ``ValueError`` and
        ``FileNotFoundError``).
    PriceFileError
        A ``ValueError`` naming the file and, where it applies, the column and the line:
        empty file, no recognisable price or time column, non-numeric or non-positive
        price, bad timestamp, duplicate timestamps, fewer than 2 rows, irregular spacing.

    Notes
    -----
    A regular clock is needed because every product in the engine is stepped on
    :math:`\Delta t = 1/(365\,n)` years. Crypto trades every day, so a clean export has
    no gaps; stock histories skip weekends and holidays and will need ``gaps="ffill"``
    (or a crypto file instead).

    Examples
    --------
    >>> import io
    >>> from smartlev import scenarios
    >>> text = "Date,Open,High,Low,Close,Adj Close,Volume\n"
    >>> text += "2024-01-01,100,101,99,100,100,10\n2024-01-02,100,111,99,110,110,12\n"
    >>> text += "2024-01-03,110,112,98,99,99,11\n"
    >>> m = scenarios.load_csv(io.StringIO(text), name="demo")
    >>> m.prices, m.steps_per_day
    (array([[100., 110.,  99.]]), 1)
    >>> m.has_bars, m.high, m.low
    (True, array([[100., 111., 112.]]), array([[100.,  99.,  98.]]))
    >>> str(m.timestamps[-1])[:10]
    '2024-01-03'
    >>> scenarios.load_csv(io.StringIO("day,value\n1,2\n2,3\n"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smartlev.scenarios.PriceFileError: <buffer>: no price column 'close'; columns found: ...
    """
    import pandas as pd

    if not isinstance(price, str) or not price.strip():
        raise TypeError(f"price must be a column name (a non-empty string), got {price!r}")
    gaps = check_choice("gaps", gaps, ("error", "ffill"))
    spd_given = None
    if steps_per_day is not None:
        spd_given = check_int("steps_per_day", steps_per_day, low=1, high=86_400)
    text, label, default_name = _read_text(path_or_buffer)
    market_name = _name(name, default_name)
    lines = text.splitlines()
    first_line = next((ln for ln in lines if ln.strip()), None)
    if first_line is None:
        raise PriceFileError(
            f"{label}: the file is empty; expected a price history "
            "(exchange klines, a Yahoo Finance download, or time and close columns)"
        )

    # ---- read every cell as text, remembering each row's line number in the file
    offset = next(i for i, ln in enumerate(lines) if ln.strip())  # leading blank lines
    first_cell = first_line.split(",")[0].strip().strip('"')
    has_header = not _is_number(first_cell)
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(lines[offset:])),
            header=0 if has_header else None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PriceFileError(f"{label}: not a readable CSV file ({exc})") from None
    line_no = np.arange(len(table)) + offset + (2 if has_header else 1)
    if has_header:
        columns = [_norm(c) for c in table.columns]
        # yfinance writes "Price,Close,..." then "Ticker,BTC-USD,..." and "Date,,,..."
        if columns and columns[0] == "price" and len(table) and _norm(table.iat[0, 0]) == "ticker":
            skip = 0
            while skip < len(table) and _norm(table.iat[skip, 0]) in ("ticker", "date", ""):
                skip += 1
            table = table.iloc[skip:]
            line_no = line_no[skip:]
            columns[0] = "date"
    else:
        ncol = table.shape[1]
        if ncol >= 6:
            columns = list(_KLINE_COLUMNS[:ncol]) + [f"extra_{i}" for i in range(ncol - 12)]
        elif ncol == 2:
            columns = ["timestamp", "price"]
        else:
            raise PriceFileError(
                f"{label}: the first row has no header and {ncol} columns; expected "
                "exchange klines (12 columns starting with open_time, open, high, low, "
                "close) or a header row naming a time and a close/price column"
            )
    table.columns = columns
    empty = (table == "").all(axis=1).to_numpy() | table.isna().all(axis=1).to_numpy()
    table = table.loc[~empty]
    line_no = line_no[~empty]
    if len(table) < 2:
        raise PriceFileError(f"{label}: needs at least 2 rows of prices, found {len(table)}")

    # ---- price column
    wanted = _norm(price)
    candidates = _CLOSE_NAMES if wanted == "close" else (wanted,)
    price_col = next((c for c in candidates if c in columns), None)
    if price_col is None:
        accepted = ", ".join(c.replace("_", " ") for c in candidates)
        raise PriceFileError(
            f"{label}: no price column {price!r}; columns found: "
            f"{[str(c) for c in columns]}; accepted names: {accepted}"
            + (" (or pass price=<column name>)" if wanted == "close" else "")
        )
    raw_prices = table[price_col].fillna("").astype(str).str.strip()
    prices = pd.to_numeric(raw_prices, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(prices)
    if bad.any():
        i = int(np.argmax(bad))
        raise PriceFileError(
            f"{label}, line {line_no[i]}: price column {price_col!r} holds "
            f"{raw_prices.iloc[i]!r}, which is not a number"
        )
    bad = prices <= 0
    if bad.any():
        i = int(np.argmax(bad))
        raise PriceFileError(
            f"{label}, line {line_no[i]}: prices must be > 0, got {prices[i]:g} "
            f"in column {price_col!r}"
        )

    # ---- bars: open, high and low of the same basis as the close
    bars: dict[str, np.ndarray] = {}
    if price_col == "close":
        for col in ("open", "high", "low"):
            if col not in columns:
                continue
            raw = table[col].fillna("").astype(str).str.strip()
            vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(vals) | (vals <= 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise PriceFileError(
                    f"{label}, line {line_no[i]}: column {col!r} holds {raw.iloc[i]!r}; "
                    "open, high and low must be numbers > 0"
                )
            bars[col] = vals
        o = bars.get("open", None)
        top = np.maximum(prices, o) if o is not None else prices
        bottom = np.minimum(prices, o) if o is not None else prices
        for col, bad in (
            ("high", bars["high"] < top if "high" in bars else None),
            ("low", bars["low"] > bottom if "low" in bars else None),
        ):
            if bad is not None and bad.any():
                i = int(np.argmax(bad))
                rule = "at least the open and the close" if col == "high" else (
                    "at most the open and the close"
                )
                raise PriceFileError(
                    f"{label}, line {line_no[i]}: {col} {bars[col][i]:g} must be {rule} "
                    f"(open {o[i] if o is not None else float('nan'):g}, close {prices[i]:g})"
                )

    # ---- time column
    time_col = next((c for c in _TIME_NAMES if c in columns), None)
    if time_col is None:
        if spd_given is None:
            raise PriceFileError(
                f"{label}: no time column; columns found: {[str(c) for c in columns]}; "
                f"accepted names: {', '.join(_TIME_NAMES)} (or pass steps_per_day to take "
                "the rows in file order)"
            )
        return Market.from_prices(prices, steps_per_day=spd_given, name=market_name, **bars)
    raw_times = table[time_col].fillna("").astype(str).str.strip()
    numeric = pd.to_numeric(raw_times, errors="coerce")
    if numeric.notna().all():
        ns = _epoch_to_ns(numeric.to_numpy())
    else:
        parsed = pd.to_datetime(raw_times, utc=True, errors="coerce", format="ISO8601")
        if parsed.isna().any():
            parsed = pd.to_datetime(raw_times, utc=True, errors="coerce", format="mixed")
        if parsed.isna().any():
            i = int(np.argmax(parsed.isna().to_numpy()))
            raise PriceFileError(
                f"{label}, line {line_no[i]}: time column {time_col!r} holds "
                f"{raw_times.iloc[i]!r}, which is not a date or an epoch number"
            )
        ns = parsed.dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)

    # ---- order, duplicates, spacing
    order = np.argsort(ns, kind="stable")
    ns, prices, line_no = ns[order], prices[order], line_no[order]
    bars = {col: vals[order] for col, vals in bars.items()}
    diffs = np.diff(ns)
    dup = diffs == 0
    if dup.any():
        i = int(np.argmax(dup))
        raise PriceFileError(
            f"{label}: duplicate timestamp {pd.Timestamp(ns[i])} on lines "
            f"{line_no[i]} and {line_no[i + 1]}; each time must appear once"
        )
    if spd_given is None:
        values, counts = np.unique(diffs, return_counts=True)
        usual = int(values[np.argmax(counts)])  # most common spacing; ties: the shortest
        per_day = _NS_PER_DAY / usual
        spd = round(per_day)
        if spd < 1 or abs(per_day - spd) > 1e-6 * per_day or _NS_PER_DAY % spd:
            raise PriceFileError(
                f"{label}: rows are {_format_step(usual)} apart (most common spacing), "
                "which does not divide a day; use daily or intraday data "
                "(1d, 4h, 1h, 15m, 1m ...)"
            )
    else:
        spd = spd_given
        if _NS_PER_DAY % spd:
            raise PriceFileError(
                f"{label}: steps_per_day={spd} does not give a whole number of nanoseconds"
            )
    step = _NS_PER_DAY // spd
    irregular = diffs != step
    if irregular.any():
        i = int(np.argmax(irregular))
        where = (
            f"line {line_no[i]} ({pd.Timestamp(ns[i])}) is followed by line "
            f"{line_no[i + 1]} ({pd.Timestamp(ns[i + 1])})"
        )
        off_grid = (ns - ns[0]) % step != 0
        if gaps == "error" or off_grid.any():
            hint = (
                " Remove or fix the rows off the clock."
                if off_grid.any()
                else " Fill the missing rows, or pass gaps='ffill' to carry the last price"
                " over them."
            )
            raise PriceFileError(
                f"{label}: rows are not evenly spaced: expected one every "
                f"{_format_step(step)} ({spd} per day), but {where}; "
                f"{int(irregular.sum())} irregular spacing(s) in all.{hint}"
            )
        slot = (ns - ns[0]) // step
        filled = np.full(int(slot[-1]) + 1, np.nan)
        filled[slot] = prices
        prices = pd.Series(filled).ffill().to_numpy()
        for col, vals in bars.items():  # a filled bar is flat at the last close
            full = prices.copy()
            full[slot] = vals
            bars[col] = full
        ns = ns[0] + np.arange(len(prices), dtype=np.int64) * step
    timestamps = ns.astype("datetime64[ns]")
    return Market.from_prices(
        prices, steps_per_day=spd, name=market_name, timestamps=timestamps, **bars
    )


#: Alias of :func:`load_csv`.
from_csv = load_csv
