"""Input checks shared by the engine.

Each error names the parameter, the value and what is allowed.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = [
    "check_real",
    "check_int",
    "check_choice",
    "check_prices",
    "check_bars",
    "check_timestamps",
]


def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """Return ``value`` as a float after checking type, finiteness and range.

    Raises
    ------
    TypeError
        When ``value`` is not a real number (booleans are refused too).
    ValueError
        When ``value`` is NaN, infinite or outside ``[low, high]`` (open ends as asked).
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    lo_bad = low is not None and (v <= low if low_open else v < low)
    hi_bad = high is not None and (v >= high if high_open else v > high)
    if lo_bad or hi_bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value!r}")
    return v


def check_int(
    name: str, value: object, *, low: int | None = None, high: int | None = None
) -> int:
    """Return ``value`` as an int after checking type and range."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return v


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """Return ``value`` when it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_prices(prices: object, name: str = "prices") -> np.ndarray:
    """Convert prices to a float64 array of shape (paths, points) and check them.

    Accepts a list, a 1-D or 2-D array, a pandas Series (one path) or a DataFrame
    (one column per path). Every price must be finite and strictly positive and a path
    needs at least two points.
    """
    try:
        import pandas as pd

        if isinstance(prices, pd.DataFrame):
            prices = prices.to_numpy(dtype=float).T
        elif isinstance(prices, pd.Series):
            prices = prices.to_numpy(dtype=float)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(prices, (str, bytes)) or prices is None:
        raise TypeError(
            f"{name} must be an array, list, pandas Series or DataFrame of numbers, "
            f"got {type(prices).__name__}"
        )
    try:
        arr = np.asarray(prices, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must contain only numbers (array, list, Series or DataFrame): {exc}"
        ) from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 1-D (one path) or 2-D (paths x time), got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] < 2:
        raise ValueError(
            f"{name} needs at least one path of at least 2 points, got shape {arr.shape}"
        )
    check_positive(arr, name)
    if arr.flags.c_contiguous or arr.flags.f_contiguous:
        return arr  # path-major or time-major, as given: the engine reads either
    return np.ascontiguousarray(arr)


def check_positive(arr: np.ndarray, name: str) -> None:
    """Check that every price of a float array ``(paths, points)`` is finite and > 0."""
    if not (arr.min() > 0 and arr.max() < np.inf):  # (a NaN makes both NaN)
        p, t = np.argwhere(~np.isfinite(arr) | (arr <= 0))[0]
        raise ValueError(
            f"{name} must be finite and > 0, got {float(arr[p, t])!r} "
            f"at path {int(p)}, point {int(t)}"
        )


def _bar_array(name: str, value: object, shape: tuple[int, int]) -> np.ndarray:
    arr = check_prices(value, name=name)
    if arr.shape != shape:
        raise ValueError(
            f"{name} must have the shape of prices {shape} (paths x time), got shape {arr.shape}"
        )
    return arr


def check_bars(
    close: np.ndarray, open: object, high: object, low: object  # noqa: A002
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check and complete the bars of closes ``close`` ``(paths, steps + 1)``.

    Returns ``(open, high, low)``, float arrays of the shape of ``close`` (new arrays:
    column 0 is set to the start price). A missing ``open`` is the previous close; a
    missing ``high``/``low`` is ``max``/``min`` of open and close. Every value must be
    finite and > 0 (column 0 included, though it is then ignored), with
    ``low <= min(open, close)`` and ``max(open, close) <= high`` in bars 1..steps.
    """
    shape = close.shape
    o = None if open is None else _bar_array("open", open, shape)
    h = None if high is None else _bar_array("high", high, shape)
    lo = None if low is None else _bar_array("low", low, shape)
    if o is None:
        o = np.empty(shape)
        o[:, 1:] = close[:, :-1]
    else:
        o = np.array(o, dtype=float)
    o[:, 0] = close[:, 0]
    top = np.maximum(o, close)
    bottom = np.minimum(o, close)
    h = top.copy() if h is None else np.array(h, dtype=float)
    lo = bottom.copy() if lo is None else np.array(lo, dtype=float)
    h[:, 0] = close[:, 0]
    lo[:, 0] = close[:, 0]
    for side, x, bad, ok, wrong, f in (
        ("high", h, h < top, ">=", "<", "max"),
        ("low", lo, lo > bottom, "<=", ">", "min"),
    ):
        if bad.any():
            p, t = np.argwhere(bad)[0]
            raise ValueError(
                f"{side} must be {ok} {f}(open, close) in every bar, got {side}="
                f"{float(x[p, t])!r} {wrong} {f}(open={float(o[p, t])!r}, "
                f"close={float(close[p, t])!r}) at path {int(p)}, step {int(t)}"
            )
    return o, h, lo


def check_timestamps(timestamps: object, count: int) -> np.ndarray:
    """Times as ``datetime64[ns]`` (UTC, no time zone), ``count`` of them, increasing.

    Accepts ``datetime64`` values, a pandas DatetimeIndex or Series (time-zone aware
    ones are converted to UTC), or strings such as ``"2024-01-01"`` or
    ``"2024-01-01 08:00"`` (read as UTC unless they name an offset).
    """
    import pandas as pd

    if isinstance(timestamps, (str, bytes)):
        raise TypeError(
            f"timestamps must be a sequence of times (one per price column), got a single "
            f"string {timestamps!r}"
        )
    kind = getattr(timestamps, "dtype", None)
    if kind is None:
        kind = np.asarray(timestamps).dtype
    if kind.kind in "iufb":  # epoch numbers: their unit would be a guess
        raise TypeError(
            "timestamps must be times (datetime64, a DatetimeIndex or Series, or date "
            f"strings), got numbers of dtype {kind}; convert epoch numbers first, e.g. "
            "pd.to_datetime(values, unit='ms')"
        )
    try:
        if isinstance(timestamps, np.ndarray) and np.issubdtype(timestamps.dtype, np.datetime64):
            ts = timestamps.astype("datetime64[ns]")
        else:
            idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(timestamps).to_numpy(), utc=True))
            ts = idx.tz_convert(None).to_numpy().astype("datetime64[ns]")
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(
            "timestamps must be datetime64 values, a pandas DatetimeIndex or Series, or "
            f"date strings such as '2024-01-01 08:00': {exc}"
        ) from None
    if ts.ndim != 1 or ts.shape[0] != count:
        raise ValueError(
            f"timestamps must have one entry per price column ({count}), got shape {ts.shape}"
        )
    if np.isnat(ts).any():
        i = int(np.argmax(np.isnat(ts)))
        raise ValueError(f"timestamps must all be times, got a missing time (NaT) at position {i}")
    bad = np.diff(ts.astype(np.int64)) <= 0
    if bad.any():
        i = int(np.argmax(bad)) + 1
        raise ValueError(
            "timestamps must be strictly increasing, got "
            f"{pd.Timestamp(ts[i])} at position {i} after {pd.Timestamp(ts[i - 1])} "
            f"at position {i - 1}"
        )
    return ts
