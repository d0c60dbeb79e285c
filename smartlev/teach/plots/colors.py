"""Colours of the course's charts: the Okabe-Ito colour of each product family, the
fallback colours for other names, the keyword rules that map a series name to its family
(:func:`color_for`), the CIELAB distance that keeps two series of one chart apart
(:func:`color_distance`), and the Altair colour scale built from them
(:func:`product_scale`). The table of colours is in the docstring of
:mod:`smartlev.teach.plots`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import altair as alt
import numpy as np

#: Okabe-Ito colour of each product family (colour-blind safe).
PRODUCT_COLORS: dict[str, str] = {
    "Spot": "#000000",
    "3x token": "#E69F00",
    "Inverse token": "#56B4E9",
    "Perpetual": "#0072B2",
    "Smart Leverage": "#009E73",
    "Structured": "#CC79A7",
}

#: Colours for names that are not a product family, in order of use.
FALLBACK_COLORS: tuple[str, ...] = (
    "#D55E00",  # Okabe-Ito vermillion
    "#882255",  # Tol muted: wine
    "#44AA99",  # teal
    "#332288",  # indigo
    "#999933",  # olive
    "#AA4499",  # purple
    "#88CCEE",  # cyan
    "#117733",  # green
    "#DDCC77",  # sand
    "#888888",  # grey
)

#: Colours of reference lines that are not products.
_REFERENCE_COLORS: dict[str, str] = {"Theory": "#444444"}

# keyword -> family, checked in order (the first match wins)
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("smart", "Smart Leverage"),
    ("structured", "Structured"),
    ("perp", "Perpetual"),
    ("contract", "Perpetual"),
    ("futures", "Perpetual"),
    ("inverse", "Inverse token"),
    ("short token", "Inverse token"),
    ("-3x", "Inverse token"),
    ("token", "3x token"),
    ("letf", "3x token"),
    ("etf", "3x token"),
    ("spot", "Spot"),
    ("price", "Spot"),
    ("hold", "Spot"),
)


def _family(name: str) -> str | None:
    if name in PRODUCT_COLORS:
        return name
    low = name.lower()
    for key, family in _KEYWORDS:
        if key in low:
            return family
    return None


def color_for(name: str) -> str:
    """Colour of one series name: its product family's colour, or a stable fallback.

    Parameters
    ----------
    name : str
        A series name such as ``"Spot"``, ``"3x token"`` or ``"Perpetual 10x"``.

    Returns
    -------
    str
        A hex colour. Names of no known family always get the same colour of
        :data:`FALLBACK_COLORS` (chosen from a CRC-32 of the name, not Python's salted
        ``hash``), so a series keeps its colour from one run to the next.

    Notes
    -----
    Family colours follow the Okabe-Ito palette (see the module docstring). Inside one
    chart, :func:`product_scale` also makes sure two series never share a colour.

    Examples
    --------
    >>> from smartlev.teach.plots import color_for
    >>> color_for("Spot"), color_for("Perpetual 10x"), color_for("Bybit 3x token")
    ('#000000', '#0072B2', '#E69F00')
    >>> color_for("my series") == color_for("my series")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r} ({type(name).__name__})")
    if name in _REFERENCE_COLORS:
        return _REFERENCE_COLORS[name]
    family = _family(name)
    if family is not None:
        return PRODUCT_COLORS[family]
    return FALLBACK_COLORS[zlib.crc32(name.encode("utf-8")) % len(FALLBACK_COLORS)]


def _color_map(names: Sequence[str]) -> dict[str, str]:
    """Distinct colours for the names of one chart (exact family names win)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    # 1) exact family or reference names keep their own colour
    for n in names:
        if n in PRODUCT_COLORS or n in _REFERENCE_COLORS:
            out[n] = color_for(n)
            used.add(out[n])
    # 2) keyword matches claim their family colour if still free
    for n in names:
        if n in out:
            continue
        fam = _family(n)
        if fam is not None and PRODUCT_COLORS[fam] not in used:
            out[n] = PRODUCT_COLORS[fam]
            used.add(out[n])
    # 3) everything else: the next free fallback colour (then any unused family colour)
    #    that is not too close to a colour already in the chart; a near twin is taken
    #    only when no distinct colour is left
    spare = [c for c in (*FALLBACK_COLORS, *PRODUCT_COLORS.values()) if c not in used]
    for n in names:
        if n in out:
            continue
        pick = next((c for c in spare if _distinct(c, used)), spare[0] if spare else None)
        if pick is None:  # more series than colours: reuse, deterministically
            out[n] = color_for(n)
            continue
        out[n] = pick
        used.add(pick)
        spare.remove(pick)
    return out


#: Smallest CIELAB distance (Delta E 1976) between two colours of one chart; below it
#: two lines read as the same colour (Okabe-Ito's bluish green and Tol's teal are 19).
MIN_COLOR_DISTANCE = 25.0


def _lab(color: str) -> np.ndarray:
    """CIELAB coordinates of a ``#rrggbb`` colour (sRGB, D65 white)."""
    rgb = np.array([int(color[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = (m @ lin) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.array([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])


def color_distance(a: str, b: str) -> float:
    """Perceived distance of two colours: CIELAB Delta E (1976).

    Examples
    --------
    >>> from smartlev.teach.plots import color_distance
    >>> round(color_distance("#009E73", "#44AA99")), round(color_distance("#000000", "#E69F00"))
    (19, 104)
    """
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _distinct(color: str, used: set[str]) -> bool:
    return all(color_distance(color, u) >= MIN_COLOR_DISTANCE for u in used)


def product_scale(names: Sequence[str]) -> alt.Scale:
    """An Altair colour scale that gives every name its course-wide colour.

    Parameters
    ----------
    names : sequence of str
        The series names of one chart, in legend order. Duplicates are ignored.

    Returns
    -------
    altair.Scale
        ``alt.Scale(domain=names, range=colours)``.

    Notes
    -----
    Names equal to a product family (``"Spot"``, ``"3x token"``, ...) always get their
    family colour; other names get their family's colour when no other series of the
    chart has it yet, else the next free colour of :data:`FALLBACK_COLORS`.

    Examples
    --------
    >>> from smartlev.teach.plots import product_scale
    >>> s = product_scale(["Spot", "3x token", "FTX 3x token"]).to_dict()
    >>> s["domain"], s["range"]
    (['Spot', '3x token', 'FTX 3x token'], ['#000000', '#E69F00', '#D55E00'])
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a sequence of strings, got the string {names!r}")
    uniq = list(dict.fromkeys(str(n) for n in names))
    cmap = _color_map(uniq)
    return alt.Scale(domain=uniq, range=[cmap[n] for n in uniq])
