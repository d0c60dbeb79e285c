"""Price paths on a regular clock, materialised at once or generated lazily in blocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ._validate import check_int, check_prices

__all__ = ["Market", "DAYS_PER_YEAR"]

#: Crypto trades every day: a year is 365 days.
DAYS_PER_YEAR = 365

BlockFn = Callable[[int, int], np.ndarray]


class Market:
    """Price paths of one underlying, sampled ``steps_per_day`` times a day.

    A market is an array of prices of shape ``(paths, steps + 1)``: column 0 is the
    start, and every product simulated on it starts with a NAV of 1 there. Large
    Monte Carlo markets are *lazy*: they generate their paths block by block when a
    simulation asks for them, so 100,000 paths of hourly prices never sit in memory
    at once. Path ``i`` is the same whatever the number of paths asked for.

    The array may be stored path-major (one row per path, as a NumPy array usually is)
    or time-major (each step's prices side by side: generated scenarios and a DataFrame
    with one column per path). The engine steps through time, so it reads time-major
    prices directly and path-major ones through a transposed copy; the numbers are the
    same.

    Parameters
    ----------
    prices : array_like
        Prices, 1-D (one path) or 2-D (paths x time), all finite and > 0.
    steps_per_day : int
        Number of price steps per day (1 = daily, 24 = hourly, 1440 = minutes).
    name : str
        A label used in tables and charts.
    timestamps : array_like, optional
        One timestamp per column (for price histories loaded from files).

    Notes
    -----
    Time is measured in years of 365 days: one step lasts
    :math:`\\Delta t = 1 / (365\\, n)` years for ``n`` steps per day.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100, 110, 99, 100])
    >>> m.paths, m.steps, m.steps_per_day
    (1, 3, 1)
    >>> m.returns.round(3).tolist()
    [[0.1, -0.1, 0.01]]
    """

    def __init__(
        self,
        prices: object = None,
        *,
        steps_per_day: int = 1,
        name: str = "market",
        timestamps: object = None,
        _block_fn: BlockFn | None = None,
        _paths: int | None = None,
        _steps: int | None = None,
        _block_size: int = 1024,
    ) -> None:
        self.steps_per_day = check_int("steps_per_day", steps_per_day, low=1, high=86_400)
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        self.name = name
        self._block_fn = _block_fn
        self._block_size = _block_size
        if _block_fn is None:
            arr = check_prices(prices)
            self._prices: np.ndarray | None = arr
            self.paths, n = arr.shape
            self.steps = n - 1
        else:
            self._prices = None
            self.paths = check_int("paths", _paths, low=1)
            self.steps = check_int("steps", _steps, low=1)
        self.timestamps = None
        if timestamps is not None:
            ts = np.asarray(timestamps)
            if ts.shape != (self.steps + 1,):
                raise ValueError(
                    f"timestamps must have one entry per price column ({self.steps + 1}), "
                    f"got shape {ts.shape}"
                )
            self.timestamps = ts

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_prices(
        cls, prices: object, steps_per_day: int = 1, name: str = "prices", timestamps=None
    ) -> Market:
        """Build a market from prices: a list, 1-D or 2-D array, Series or DataFrame.

        A DataFrame is read as one column per path; a Series or 1-D array is one path.

        Examples
        --------
        >>> import numpy as np, smartlev as sl
        >>> sl.Market.from_prices(np.array([[1.0, 2.0], [1.0, 0.5]])).paths
        2
        >>> sl.Market.from_prices([1.0, -2.0])
        Traceback (most recent call last):
        ...
        ValueError: prices must be finite and > 0, got -2.0 at path 0, point 1
        """
        return cls(prices, steps_per_day=steps_per_day, name=name, timestamps=timestamps)

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
    ) -> Market:
        """A market whose paths are generated on demand.

        ``block_fn(block_index, n)`` must return the first ``n`` paths (``n <= block_size``)
        of block ``block_index`` as an array ``(n, steps + 1)``, deterministically.
        """
        return cls(
            steps_per_day=steps_per_day,
            name=name,
            _block_fn=block_fn,
            _paths=paths,
            _steps=steps,
            _block_size=block_size,
        )

    # ---------------------------------------------------------------- properties
    @property
    def is_lazy(self) -> bool:
        """True while the paths have not been generated and kept in memory."""
        return self._prices is None

    @property
    def prices(self) -> np.ndarray:
        """All prices, shape ``(paths, steps + 1)`` (generated and kept on first use)."""
        if self._prices is None:
            self._prices = self.path_range(0, self.paths)
        return self._prices

    @property
    def days(self) -> float:
        """Length of the market in days."""
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

    # -------------------------------------------------------------------- access
    def path_range(self, start: int, stop: int) -> np.ndarray:
        """Prices of paths ``start`` to ``stop - 1``, shape ``(stop - start, steps + 1)``."""
        if not (0 <= start < stop <= self.paths):
            raise ValueError(
                f"path range must satisfy 0 <= start < stop <= {self.paths}, got {start}, {stop}"
            )
        if self._prices is not None:
            return self._prices[start:stop]
        bs = self._block_size

        def block(b: int) -> np.ndarray:  # the paths of generator block b in the range
            lo, hi = b * bs, min((b + 1) * bs, self.paths)
            need = min(hi, stop) - lo
            return np.asarray(self._block_fn(b, need), dtype=float)[max(start - lo, 0) : need]

        first, last = start // bs, (stop - 1) // bs
        out = block(first)
        if last > first:  # filled block by block: one block beside the result at a time
            part = out
            if part.strides[0] == part.itemsize:  # time-major blocks stay time-major
                out = np.empty((part.shape[1], stop - start)).T
            else:
                out = np.empty((stop - start, part.shape[1]))
            row = 0
            for b in range(first, last + 1):
                if b > first:
                    part = block(b)
                out[row : row + part.shape[0]] = part
                row += part.shape[0]
                del part
        return check_prices(out, name=f"{self.name} generated prices")

    def chunks(self, size: int) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first_path, prices)`` for consecutive groups of at most ``size`` paths."""
        size = check_int("size", size, low=1)
        for start in range(0, self.paths, size):
            yield start, self.path_range(start, min(start + size, self.paths))

    def subset(self, paths: int) -> Market:
        """The first ``paths`` paths as a new (materialised) market."""
        n = check_int("paths", paths, low=1, high=self.paths)
        return Market(
            self.path_range(0, n),
            steps_per_day=self.steps_per_day,
            name=self.name,
            timestamps=self.timestamps,
        )

    def __repr__(self) -> str:
        lazy = ", lazy" if self.is_lazy else ""
        return (
            f"Market({self.name!r}, paths={self.paths}, steps={self.steps}, "
            f"steps_per_day={self.steps_per_day}, days={self.days:g}{lazy})"
        )
