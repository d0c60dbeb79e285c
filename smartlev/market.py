"""Price paths on a regular clock, materialised at once or generated lazily in blocks.

A market holds closing prices and, optionally, each bar's open, high and low and the
calendar time of each close.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator

import numpy as np

from ._validate import check_bars, check_int, check_positive, check_prices, check_timestamps

__all__ = ["Market", "DAYS_PER_YEAR", "FUNDING_HOURS", "KEEP_PRICES"]

#: Crypto trades every day: a year is 365 days.
DAYS_PER_YEAR = 365

#: Perpetual funding times, hours of the day in UTC (every 8 hours).
FUNDING_HOURS = (0, 8, 16)

#: A lazy market keeps the paths it generates when all of them are read at once and each
#: array (closes, opens, highs, lows) holds at most this many prices: 2**22, about 4.2
#: million (32 MB an array, 128 MB with bars; e.g. 10,000 daily paths of a year). Larger
#: markets generate again at every read and never hold all their paths.
KEEP_PRICES = 2**22

_NS_PER_8H = 8 * 3600 * 10**9
_NS_PER_DAY = 86_400 * 10**9

BlockFn = Callable[[int, int], np.ndarray]
BarBlockFn = Callable[[int, int], tuple]

Bars = tuple  # (close, open, high, low); the last three None for a market of closes


class Market:
    """Price paths of one underlying, sampled ``steps_per_day`` times a day.

    A market is an array of closing prices of shape ``(paths, steps + 1)``: column 0 is
    the start, and every product simulated on it starts with a NAV of 1 there. Bar
    ``t`` (``t >= 1``) ends at ``prices[..., t]``; a market may also carry each bar's
    ``open``, ``high`` and ``low`` (arrays of the same shape; column 0, the start, holds
    the start price in all three). Generated Monte Carlo markets are *lazy*: they
    generate their paths block by block when a simulation asks for them, so 100,000
    paths of hourly prices never sit in memory at once. Path ``i`` is the same whatever
    the number of paths asked for. A small lazy market (at most :data:`KEEP_PRICES`
    prices per array) keeps what it generates the first time all its paths are read
    (:meth:`path_range` or :meth:`bar_range` from 0 to ``paths``; a simulation whose
    chunk holds every path), so the next simulation on it reads them from memory and
    the market is no longer :attr:`is_lazy`; the numbers are the same.

    The arrays may be stored path-major (one row per path, as a NumPy array usually is)
    or time-major (each step's prices side by side: generated scenarios and a DataFrame
    with one column per path). The engine steps through time, so it reads time-major
    prices directly and path-major ones through a transposed copy; the numbers are the
    same.

    Parameters
    ----------
    prices : array_like
        Closing prices, 1-D (one path) or 2-D (paths x time), all finite and > 0.
    steps_per_day : int
        Number of price steps per day (1 = daily, 24 = hourly, 1440 = minutes).
    name : str
        A label used in tables and charts.
    timestamps : array_like, optional
        One time per price column: ``datetime64``, a pandas DatetimeIndex or Series,
        or date strings. Stored as ``datetime64[ns]`` in UTC without a time zone
        (aware times are converted to UTC); they must strictly increase. With
        timestamps, :attr:`step_days` and :meth:`funding_marks` follow the calendar.
    open, high, low : array_like, optional
        The bars, same shape as ``prices``, all finite and > 0, with
        ``low <= min(open, close)`` and ``max(open, close) <= high``. Column 0 is
        ignored (stored equal to the start price). A missing ``open`` is the previous
        close (no gap); a missing ``high`` or ``low`` is ``max(open, close)`` or
        ``min(open, close)`` (the price went straight from open to close).

    Notes
    -----
    Time is measured in years of 365 days: one step lasts
    :math:`\\Delta t = 1 / (365\\, n)` years for ``n`` steps per day, unless timestamps
    say otherwise (:attr:`step_days`).

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100, 110, 99, 100])
    >>> m.paths, m.steps, m.steps_per_day, m.has_bars
    (1, 3, 1, False)
    >>> m.returns.round(3).tolist()
    [[0.1, -0.1, 0.01]]
    >>> b = sl.Market.from_prices([100, 110, 99], high=[100, 112, 111], low=[100, 99, 95])
    >>> b.has_bars, b.open.tolist()
    (True, [[100.0, 100.0, 110.0]])
    """

    def __init__(
        self,
        prices: object = None,
        *,
        steps_per_day: int = 1,
        name: str = "market",
        timestamps: object = None,
        open: object = None,  # noqa: A002 - the bar's open, named as in every price table
        high: object = None,
        low: object = None,
        _block_fn: BlockFn | None = None,
        _bar_block_fn: BarBlockFn | None = None,
        _paths: int | None = None,
        _steps: int | None = None,
        _block_size: int = 1024,
    ) -> None:
        self.steps_per_day = check_int("steps_per_day", steps_per_day, low=1, high=86_400)
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        self.name = name
        self._block_fn = _block_fn
        self._bar_block_fn = _bar_block_fn
        self._fills = (_takes_out(_block_fn), _takes_out(_bar_block_fn))
        self._block_size = _block_size
        self._open = self._high = self._low = None
        if _block_fn is None:
            arr = check_prices(prices)
            self._prices: np.ndarray | None = arr
            self.paths, n = arr.shape
            self.steps = n - 1
            if open is not None or high is not None or low is not None:
                self._open, self._high, self._low = check_bars(arr, open, high, low)
        else:
            if open is not None or high is not None or low is not None:
                raise ValueError(
                    "a lazy market takes its bars from its generator, not from open/high/low"
                )
            self._prices = None
            self.paths = check_int("paths", _paths, low=1)
            self.steps = check_int("steps", _steps, low=1)
        self.timestamps = None
        if timestamps is not None:
            self.timestamps = check_timestamps(timestamps, self.steps + 1)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_prices(
        cls,
        prices: object,
        steps_per_day: int = 1,
        name: str = "prices",
        timestamps=None,
        *,
        open: object = None,  # noqa: A002
        high: object = None,
        low: object = None,
    ) -> Market:
        """Build a market from prices: a list, 1-D or 2-D array, Series or DataFrame.

        A DataFrame is read as one column per path; a Series or 1-D array is one path.
        ``open``, ``high`` and ``low`` (optional, same shape, same kinds of input) add
        the bars; ``timestamps`` the calendar (see :class:`Market`).

        Examples
        --------
        >>> import numpy as np, smartlev as sl
        >>> sl.Market.from_prices(np.array([[1.0, 2.0], [1.0, 0.5]])).paths
        2
        >>> sl.Market.from_prices([1.0, -2.0])
        Traceback (most recent call last):
        ...
        ValueError: prices must be finite and > 0, got -2.0 at path 0, point 1
        >>> m = sl.Market.from_prices([100, 90], open=[100, 95], timestamps=["2024-01-01",
        ...                           "2024-01-03"])
        >>> m.high.tolist(), m.low.tolist(), m.step_days.tolist()
        ([[100.0, 95.0]], [[100.0, 90.0]], [2.0])
        >>> sl.Market.from_prices([100, 90], high=[100, 91], low=[100, 80])
        Traceback (most recent call last):
        ...
        ValueError: high must be >= max(open, close) in every bar, got high=91.0 < max(open=100.0, close=90.0) at path 0, step 1
        """  # noqa: E501
        return cls(
            prices,
            steps_per_day=steps_per_day,
            name=name,
            timestamps=timestamps,
            open=open,
            high=high,
            low=low,
        )

    @classmethod
    def lazy(
        cls,
        block_fn: BlockFn,
        *,
        paths: int,
        steps: int,
        steps_per_day: int,
        name: str,
        block_size: int = 1024,
        bar_block_fn: BarBlockFn | None = None,
    ) -> Market:
        """A market whose paths are generated on demand.

        ``block_fn(block_index, n)`` must return the first ``n`` paths (``n <= block_size``)
        of block ``block_index`` as an array ``(n, steps + 1)``, deterministically.
        ``bar_block_fn(block_index, n)``, when given, returns the same paths as a tuple
        ``(close, open, high, low)`` of such arrays, with the same closes as ``block_fn``
        (which stays the cheap way to get closes alone).

        Either may take a keyword ``out``: an array ``(n, steps + 1)`` (``block_fn``) or a
        tuple of four (``bar_block_fn``), in either layout, that it fills and returns.
        A run in chunks then has each block written into the chunk's memory, with no
        copy.
        """
        return cls(
            steps_per_day=steps_per_day,
            name=name,
            _block_fn=block_fn,
            _bar_block_fn=bar_block_fn,
            _paths=paths,
            _steps=steps,
            _block_size=block_size,
        )

    # ---------------------------------------------------------------- properties
    @property
    def block_size(self) -> int:
        """Paths a generated market makes together: path ``i`` is in block
        ``i // block_size``, and a run in chunks of whole blocks generates each once."""
        return self._block_size

    @property
    def is_lazy(self) -> bool:
        """True while the paths have not been generated and kept in memory."""
        return self._prices is None

    @property
    def has_bars(self) -> bool:
        """True when the market carries each bar's open, high and low."""
        return self._open is not None or self._bar_block_fn is not None

    @property
    def prices(self) -> np.ndarray:
        """All closing prices, shape ``(paths, steps + 1)`` (generated and kept on first use)."""
        if self._prices is None:
            self._prices = self.path_range(0, self.paths)
        return self._prices

    def _materialise_bars(self) -> None:
        close, o, h, lo = self.bar_range(0, self.paths)
        self._prices, self._open, self._high, self._low = close, o, h, lo

    def _bar(self, which: str) -> np.ndarray | None:
        if not self.has_bars:
            return None
        if self._open is None:
            self._materialise_bars()
        return getattr(self, which)

    @property
    def open(self) -> np.ndarray | None:
        """Each bar's open, shape ``(paths, steps + 1)``, or None (closes only)."""
        return self._bar("_open")

    @property
    def high(self) -> np.ndarray | None:
        """Each bar's high, shape ``(paths, steps + 1)``, or None (closes only)."""
        return self._bar("_high")

    @property
    def low(self) -> np.ndarray | None:
        """Each bar's low, shape ``(paths, steps + 1)``, or None (closes only)."""
        return self._bar("_low")

    @property
    def days(self) -> float:
        """Length of the market in days (on the regular clock of ``steps_per_day``)."""
        return self.steps / self.steps_per_day

    @property
    def years(self) -> float:
        """Length of the market in years of 365 days."""
        return self.days / DAYS_PER_YEAR

    @property
    def dt(self) -> float:
        """Length of one step in years."""
        return 1.0 / (DAYS_PER_YEAR * self.steps_per_day)

    @property
    def returns(self) -> np.ndarray:
        """Simple returns per step, shape ``(paths, steps)``."""
        p = self.prices
        return p[:, 1:] / p[:, :-1] - 1.0

    @property
    def log_returns(self) -> np.ndarray:
        """Log returns per step, shape ``(paths, steps)``."""
        return np.diff(np.log(self.prices), axis=1)

    @property
    def time_days(self) -> np.ndarray:
        """Time of each price column in days from the start."""
        return np.arange(self.steps + 1) / self.steps_per_day

    @property
    def step_days(self) -> np.ndarray:
        """Days each step lasts, shape ``(steps,)``.

        From the timestamps when the market has them (a weekend step of a stock index
        lasts 3 days), else ``1 / steps_per_day`` each.

        Examples
        --------
        >>> import smartlev as sl
        >>> sl.Market.from_prices([1, 2, 3], steps_per_day=4).step_days.tolist()
        [0.25, 0.25]
        >>> ts = ["2024-01-05", "2024-01-08", "2024-01-09"]  # Friday, Monday, Tuesday
        >>> sl.Market.from_prices([1, 2, 3], timestamps=ts).step_days.tolist()
        [3.0, 1.0]
        """
        if self.timestamps is None:
            return np.full(self.steps, 1.0 / self.steps_per_day)
        return np.diff(self.timestamps.astype(np.int64)) / _NS_PER_DAY

    def funding_marks(self) -> np.ndarray:
        """Number of 8-hour funding times (00:00, 08:00, 16:00 UTC) in each step.

        Returns an int array ``(steps,)``. With timestamps, step ``t`` counts the funding
        times in ``(timestamps[t-1], timestamps[t]]``; without, the regular clock
        ``np.diff((np.arange(steps + 1) * 3) // steps_per_day)`` (3 a day, the first at
        the end of the first third of a day).

        Examples
        --------
        >>> import smartlev as sl
        >>> sl.Market.from_prices([1.0] * 9, steps_per_day=4).funding_marks().tolist()
        [0, 1, 1, 1, 0, 1, 1, 1]
        >>> ts = ["2024-01-01 07:00", "2024-01-01 08:00", "2024-01-01 09:00", "2024-01-02 09:00"]
        >>> sl.Market.from_prices([1, 2, 3, 4], timestamps=ts).funding_marks().tolist()
        [1, 0, 3]
        """
        if self.timestamps is None:
            marks = (np.arange(self.steps + 1) * 3) // self.steps_per_day
        else:
            marks = self.timestamps.astype(np.int64) // _NS_PER_8H  # floor, also before 1970
        return np.diff(marks)

    # -------------------------------------------------------------------- access
    def _check_range(self, start: int, stop: int) -> None:
        if not (0 <= start < stop <= self.paths):
            raise ValueError(
                f"path range must satisfy 0 <= start < stop <= {self.paths}, got {start}, {stop}"
            )

    def _assemble(
        self, start: int, stop: int, fn: Callable, fills: bool, out: list | None
    ) -> list[np.ndarray]:
        """Paths ``start..stop-1`` of a lazy market, from its generator blocks.

        ``fn(block, n)`` returns a tuple of arrays for the first ``n`` paths of a block
        (closes; or closes, opens, highs and lows). The result is the list of those
        arrays over the range, written into ``out`` when given (arrays of the range's
        shape). Otherwise a range in one block is the block's arrays, and a range over
        several blocks is new arrays in the layout of the first block's. A generator
        that takes ``out`` (:meth:`lazy`) writes each block whose paths are all in the
        range straight into its rows of the result (``fills``; what it returns elsewhere
        is copied in); other blocks are copied in as they come. One block's arrays at
        most are held beside the result.
        """
        bs = self._block_size
        first, last = start // bs, (stop - 1) // bs

        def rows(b: int) -> tuple[int, int]:  # generated paths of block b; the first kept
            lo = b * bs
            return min((b + 1) * bs, self.paths, stop) - lo, max(start - lo, 0)

        def block(b: int) -> list[np.ndarray]:  # the paths of generator block b in the range
            need, skip = rows(b)
            return [np.asarray(a, dtype=float)[skip:need] for a in fn(b, need)]

        parts = None
        if out is None:
            parts = block(first)
            if last == first:
                return parts
            tm = parts[0].strides[0] == parts[0].itemsize  # time-major stays time-major
            n, cols = stop - start, parts[0].shape[1]
            out = [np.empty((cols, n)).T if tm else np.empty((n, cols)) for _ in parts]
        row = 0
        for b in range(first, last + 1):
            need, skip = rows(b)
            views = [a[row : row + need - skip] for a in out]
            row += need - skip
            if parts is None:
                parts = fn(b, need, out=views) if fills and skip == 0 else block(b)
            _into(views, parts)  # (a block written in place is not copied)
            parts = None  # freed before the next block is made
        return out

    def _keeps(self, start: int, stop: int) -> bool:
        """True when a read of paths ``start..stop-1`` of a lazy market is kept: all the
        paths, and at most :data:`KEEP_PRICES` prices per array."""
        return start == 0 and stop == self.paths and self.paths * (self.steps + 1) <= KEEP_PRICES

    def path_range(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Closes of paths ``start`` to ``stop - 1``, shape ``(stop - start, steps + 1)``.

        A lazy market generates them; it keeps them when they are all its paths and it is
        small (see :data:`KEEP_PRICES`). ``out``, an array of that shape (in either
        layout), receives them instead of a new array: a run in chunks reuses its memory.
        """
        self._check_range(start, stop)
        lent = None if out is None else [out]
        if self._prices is not None:
            return _into(lent, [self._prices[start:stop]])[0]
        gen = self._block_fn

        def closes(b: int, n: int, out: list | None = None) -> tuple:
            return (gen(b, n) if out is None else gen(b, n, out=out[0]),)

        (close,) = self._assemble(start, stop, closes, self._fills[0], lent)
        check_positive(close, f"{self.name} generated prices")
        if out is None and self._keeps(start, stop):  # (not memory lent by the caller)
            self._prices = close
        return close

    def bar_range(self, start: int, stop: int, out: tuple | None = None) -> Bars:
        """Bars of paths ``start`` to ``stop - 1``: ``(close, open, high, low)``.

        Each is an array ``(stop - start, steps + 1)`` laid out as :meth:`path_range`
        lays out closes (possibly a time-major view); ``open``, ``high`` and ``low``
        are None when the market has closes only. A lazy market generates them block
        by block, as it does closes, and keeps them when they are all its paths and it
        is small (see :data:`KEEP_PRICES`). ``out`` receives them instead of new
        arrays: four arrays of that shape, or one (the closes) for a market of closes.

        Examples
        --------
        >>> import smartlev as sl
        >>> m = sl.scenarios.gbm(days=2, steps_per_day=24, paths=3, seed=0)
        >>> close, o, h, lo = m.bar_range(1, 3)
        >>> close.shape, bool((h >= close).all() and (lo <= o).all())
        ((2, 49), True)
        >>> sl.Market.from_prices([1.0, 2.0]).bar_range(0, 1)[1] is None
        True
        """
        self._check_range(start, stop)
        if self._open is not None:
            sl = slice(start, stop)
            bars = [self._prices[sl], self._open[sl], self._high[sl], self._low[sl]]
            return tuple(_into(out, bars))
        if self._bar_block_fn is None:
            close = self.path_range(start, stop, None if out is None else out[0])
            return close, None, None, None
        close, o, h, lo = self._assemble(
            start, stop, self._bar_block_fn, self._fills[1], None if out is None else list(out)
        )
        # the generators build open, high and low from the closes: checking those is enough
        check_positive(close, f"{self.name} generated prices")
        if out is None and self._keeps(start, stop):  # (not memory lent by the caller)
            self._prices, self._open, self._high, self._low = close, o, h, lo
        return close, o, h, lo

    def chunks(self, size: int) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first_path, prices)`` for consecutive groups of at most ``size`` paths."""
        size = check_int("size", size, low=1)
        for start in range(0, self.paths, size):
            yield start, self.path_range(start, min(start + size, self.paths))

    def subset(self, paths: int) -> Market:
        """The first ``paths`` paths as a new (materialised) market, bars and times kept."""
        n = check_int("paths", paths, low=1, high=self.paths)
        close, o, h, lo = self.bar_range(0, n)
        m = Market(
            close,
            steps_per_day=self.steps_per_day,
            name=self.name,
            timestamps=self.timestamps,
        )
        if o is not None:  # already checked: stored as they are
            m._open, m._high, m._low = o, h, lo
        return m

    def __repr__(self) -> str:
        lazy = ", lazy" if self.is_lazy else ""
        bars = ", bars" if self.has_bars else ""
        return (
            f"Market({self.name!r}, paths={self.paths}, steps={self.steps}, "
            f"steps_per_day={self.steps_per_day}, days={self.days:g}{bars}{lazy})"
        )


def _takes_out(fn: Callable | None) -> bool:
    """Whether a generator function takes the keyword ``out``."""
    try:
        return fn is not None and "out" in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a callable without a signature
        return False


def _into(out: object, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """``arrays``, or copied into ``out`` when given (unless already there)."""
    if out is None:
        return arrays
    for o, a in zip(out, arrays, strict=True):
        if not np.may_share_memory(o, a):
            o[...] = a
    return list(out)
