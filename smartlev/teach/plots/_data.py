"""What a chart stores in the notebook: the row budgets (:data:`MAX_ROWS`,
:data:`MAX_TIME_POINTS`) and even thinning of long series (:func:`thin_index`), the fast
percentiles that summarise paths before they reach a chart, the compact CSV (5
significant digits) or JSON records that embed the data, and :func:`chart_data`, which
reads the embedded data back as a DataFrame.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..._validate import check_int

#: Largest number of rows a chart embeds by default.
MAX_ROWS = 2000
#: Largest number of time points per series by default.
MAX_TIME_POINTS = 400


def _columns(data: pd.DataFrame | Mapping[str, object]) -> dict[str, object]:
    """The columns of a DataFrame, or of a dict of equally long 1-D arrays (name -> array),
    which the builders use to skip pandas on a redraw."""
    if isinstance(data, pd.DataFrame):
        return {c: data[c] for c in data.columns}
    return {c: np.asarray(v) for c, v in data.items()}


def _csv_and_parse(data: pd.DataFrame | Mapping[str, object]) -> tuple[str, dict[str, str]]:
    """The CSV text of a table (:func:`_columns`) and how Vega-Lite parses each column."""
    cols = _columns(data)
    parse = {}
    for c, col in cols.items():
        if pd.api.types.is_bool_dtype(col):
            parse[c] = "boolean"
        elif pd.api.types.is_numeric_dtype(col):
            parse[c] = "number"
        else:
            parse[c] = "string"
    return _csv_text(cols), parse


def _inline(data: pd.DataFrame | Mapping[str, object]) -> alt.InlineData:
    """Embed a table (a DataFrame or a dict of columns) as compact CSV text with explicit
    number parsing."""
    csv, parse = _csv_and_parse(data)
    return alt.InlineData(values=csv, format=alt.CsvDataFormat(type="csv", parse=parse))


def _csv_quote(s: str) -> str:
    if any(ch in s for ch in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _csv_cells(col: pd.Series | np.ndarray) -> list[str]:
    """The cells of one column as CSV text: 5 significant digits, empty for missing."""
    if pd.api.types.is_bool_dtype(col):
        return ["true" if v else "false" for v in col.tolist()]
    if pd.api.types.is_integer_dtype(col):
        return [str(v) for v in col.tolist()]
    if pd.api.types.is_float_dtype(col):
        if isinstance(col, np.ndarray) and not np.isnan(col).any():
            return list(map("{:.5g}".format, col.tolist()))
        return ["" if v != v else f"{v:.5g}" for v in col.tolist()]
    cache: dict[object, str] = {}
    out = []
    for v in col.tolist():
        if v not in cache:
            missing = v is None or (isinstance(v, float) and v != v) or v is pd.NA
            cache[v] = "" if missing else _csv_quote(str(v))
        out.append(cache[v])
    return out


def _csv_text(cols: Mapping[str, object]) -> str:
    """Columns (name -> Series or array) as CSV text (header line, then one line per row)."""
    header = ",".join(_csv_quote(str(c)) for c in cols)
    cells = [_csv_cells(col) for col in cols.values()]
    return header + "\n" + "".join(",".join(row) + "\n" for row in zip(*cells, strict=True))


def _percentiles(a: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Percentiles of each column of ``a`` (paths, T), numpy's default (linear) method.

    Sorting the contiguous transpose once is several times faster than
    ``np.percentile(a, qs, axis=0)`` for the shapes used here.
    """
    x = np.sort(np.ascontiguousarray(a.T), axis=1)
    n = x.shape[1]
    out = np.empty((len(qs), x.shape[0]))
    for i, q in enumerate(qs):
        h = (n - 1) * q / 100.0
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        out[i] = x[:, lo] + (h - lo) * (x[:, hi] - x[:, lo])
    return out


def _records(columns: dict) -> alt.InlineData:
    """A few rows (reference lines) embedded as JSON records."""
    frame = pd.DataFrame(columns)
    return alt.InlineData(values=json.loads(frame.to_json(orient="records")))


def chart_data(chart: alt.TopLevelMixin | dict) -> pd.DataFrame:
    """The data embedded in a chart made by this module, as a DataFrame.

    Parameters
    ----------
    chart : altair chart or dict
        A chart returned by one of the builders of :mod:`smartlev.teach.plots`, or its
        Vega-Lite dict (``chart.to_dict()``, or a builder's ``spec``).

    Returns
    -------
    pandas.DataFrame
        One row per embedded data row (numbers rounded to 5 significant digits).

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> c = plots.price_chart(np.arange(3), [100.0, 101.0, 99.5])
    >>> plots.chart_data(c)[["day", "value"]].to_numpy().tolist()
    [[0.0, 100.0], [1.0, 101.0], [2.0, 99.5]]
    """
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    data = spec.get("data") or {}
    values = data.get("values")
    if values is None and "name" in data:
        values = spec.get("datasets", {}).get(data["name"])
    if values is None:
        raise ValueError("chart has no inline data at its top level (was it made by smartlev?)")
    if isinstance(values, str):
        return pd.read_csv(io.StringIO(values))
    return pd.DataFrame(values)


def thin_index(n: int, max_points: int) -> np.ndarray:
    """Evenly spaced indices into ``n`` points, at most ``max_points``, ends included.

    Examples
    --------
    >>> from smartlev.teach.plots import thin_index
    >>> thin_index(10, 4).tolist()
    [0, 3, 6, 9]
    >>> thin_index(3, 400).tolist()
    [0, 1, 2]
    """
    n = check_int("n", n, low=1)
    max_points = check_int("max_points", max_points, low=2)
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))


def _budget_points(max_rows: int, series: int, max_points: int, floor: int = 2) -> int:
    return max(floor, min(max_points, max_rows // max(series, 1)))
