"""Input checks shared by the chart builders: strings, chart sizes, finite numeric arrays,
``{name: array}`` dicts (or a bare array) and the time axis in days; every error names the
parameter at fault.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..._validate import check_int


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")
    return value


def _check_size(width: int, height: int) -> tuple[int, int]:
    return (
        check_int("width", width, low=50, high=4000),
        check_int("height", height, low=50, high=4000),
    )


def _as_array(name: str, value: object, ndim: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """A float array of an allowed number of dimensions, finite everywhere."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.ndim not in ndim:
        allowed = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"{name} must be {allowed}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        bad = arr.ravel()[~np.isfinite(arr.ravel())][0]
        raise ValueError(f"{name} must be finite (no NaN or inf), got {bad!r}")
    return arr


def _as_series_dict(
    name: str, value: object, ndim: tuple[int, ...] = (1, 2), default: str = "series"
) -> dict[str, np.ndarray]:
    """Accept ``{name: array}`` or a bare array (named ``default``)."""
    if isinstance(value, pd.DataFrame):
        value = {str(c): value[c].to_numpy() for c in value.columns}
    if isinstance(value, Mapping):
        if len(value) == 0:
            raise ValueError(f"{name} must not be an empty dict")
        out = {}
        for k, v in value.items():
            out[str(k)] = _as_array(f"{name}[{k!r}]", v, ndim)
        return out
    return {default: _as_array(name, value, ndim)}


def _time_axis(time_days: object, n: int) -> np.ndarray:
    """Time in days for ``n`` points: given, or 0..n-1 when ``time_days`` is None."""
    if time_days is None:
        return np.arange(n, dtype=float)
    t = _as_array("time_days", time_days, (1,))
    if t.shape[0] != n:
        raise ValueError(
            f"time_days has {t.shape[0]} points but the series have {n}; they must match"
        )
    return t
