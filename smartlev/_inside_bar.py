"""What happens inside a bar: the price levels of each path and the walk along the route.

Inside bar ``t`` the price travels from the last close to the open (a gap: nothing can
trade inside it), then to the low and the high (the high first when the bar closed below
its open), then to the close, in straight lines; a market of closes only is one straight
line. :class:`Levels` keeps, per path, the prices at which its product acts (the
product's ``above``/``below`` leverage levels, a margin product's liquidation price, zero
NAV) and :func:`inside_bar` fills them where the route reaches them. The kernel in
:mod:`smartlev.engine` calls both; the per-path loop in :mod:`smartlev.reference` states
the same rules one path at a time.
"""

from __future__ import annotations

import numpy as np


class Levels:
    """The price levels of each path inside a bar, worked out from its units and cash.

    A leverage magnitude ``b`` is reached where :math:`s u S = b (c + u S)`, i.e. at
    :math:`S = b c / (u (s - b))` (``s`` the product's sign), from above or below as the
    sign of :math:`s (s - b)` says; NAV reaches zero at :math:`S = -c/u`, and a margin
    product is liquidated at its ``liquidation_price``. The levels of every path are kept
    (``price``, ``falls``: one row per kind), with the nearest on the way down (``fall``)
    and on the way up (``rise``), so that a step only compares its bar's range with them;
    they change only when units or cash do (or the product moves them at a close)."""

    def __init__(self, rules, book) -> None:
        self.rules, self.book = rules, book
        levels = (("above", rules.above), ("below", rules.below))
        self.kinds = [k for k, b in levels if b is not None] + ["death"]
        P = book.u.size
        self.price = np.empty((len(self.kinds), P))
        self.falls = np.empty((len(self.kinds), P), dtype=bool)
        self.fall, self.rise = np.empty(P), np.empty(P)  # -inf, inf: none
        self.fall_kind = np.empty(P, dtype=np.int64)  # rows of those nearest levels
        self.rise_kind = np.empty(P, dtype=np.int64)
        # a leverage level b is reached at c/u times b/(s - b), zero NAV at -c/u; when each
        # level is one number for every path, those factors and directions are known once
        self.static = all(np.ndim(getattr(rules, k)) == 0 for k in self.kinds[:-1])
        if self.static:
            self.factor, falls = self._factors(slice(None))
            self.falls[:] = falls
        self.update(slice(None))

    def _factors(self, paths) -> tuple[np.ndarray, np.ndarray]:
        """``b / (s - b)`` of each level (-1 for zero NAV) and whether a fall reaches it,
        ``(kinds, paths)`` or ``(kinds, 1)`` when every path has the same levels."""
        s = self.rules.sign
        b = [getattr(self.rules, k) for k in self.kinds[:-1]]
        b = [x if np.ndim(x) == 0 else x[paths] for x in b]  # one number, or one per path
        if b:
            b = np.array(np.broadcast_arrays(*b, 0.0)[:-1]).reshape(len(b), -1)
        else:  # a margin product: liquidation only
            b = np.ones((0, 1))
        above = np.array([k == "above" for k in self.kinds[:-1]])[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.vstack([b / (s - b), np.full((1, b.shape[1]), -1.0)])
        falls = np.vstack([(s * (s - b) < 0) == above, np.full((1, b.shape[1]), s > 0)])
        return factor, falls

    def update(self, paths) -> None:
        """Work the levels of ``paths`` out again (their units or cash changed)."""
        u, c = self.book.u[paths], self.book.c[paths]
        if self.static:
            factor, falls = self.factor, self.falls[:, paths]
        else:
            factor, falls = self._factors(paths)
            self.falls[:, paths] = falls
        price = factor * (c / u)
        if self.book.margin:
            price[-1] = self.rules.liquidation_price(u, c)
        price[~((price > 0) & (price < np.inf))] = np.nan  # a price no route reaches: none
        self.price[:, paths] = price
        down = np.where(falls & (price == price), price, -np.inf)  # NaN: no level
        up = np.where(~falls & (price == price), price, np.inf)
        self.fall_kind[paths], self.rise_kind[paths] = down.argmax(axis=0), up.argmin(axis=0)
        self.fall[paths], self.rise[paths] = down.max(axis=0), up.min(axis=0)

    def stop(self, prev: np.ndarray) -> np.ndarray | None:
        """The circuit breaker's price in this bar: its fall (rise) from the last close."""
        if self.rules.stop is None:
            return None
        return prev * (1.0 - self.rules.sign * (self.rules.stop - 1e-12))

    def reached(self, lo: np.ndarray, hi: np.ndarray, prev: np.ndarray) -> np.ndarray:
        """Paths whose bar, ranging over ``lo .. hi``, reached one of their levels."""
        fall, rise = self.fall, self.rise
        stop = self.stop(prev)
        if stop is not None:
            if self.rules.sign > 0:
                fall = np.maximum(fall, stop)
            else:
                rise = np.minimum(rise, stop)
        return np.flatnonzero((lo <= fall) | (hi >= rise))


def inside_bar(book, rules, levels: Levels, t: int, paths, prev, route) -> None:
    """Walk bar ``t``'s route for ``paths`` and fill each level where the route reaches it.

    ``route`` is ``(open, high, low, close)`` rows, or ``(close,)`` for closes only. The
    route runs from the last close to the open (a gap: a level passed in it fills at the
    open, and NAV gone at the open is gone), then to the low and the high (the high first
    when the bar closed below its open), then to the close, in straight lines. After a
    fill the path goes on from the fill's price with its new levels, so a price that keeps
    going fills again; the breaker fires once per bar.
    """
    paths = paths[~book.dead[paths]]
    if not paths.size:
        return
    gap = len(route) == 4
    if gap:
        o, h, lo, c = (row[paths] for row in route)
        up = c >= o
        pts = np.array([prev[paths], o, np.where(up, lo, h), np.where(up, h, lo), c])
    else:
        pts = np.array([prev[paths], route[0][paths]])
    nseg, m = pts.shape[0] - 1, paths.size
    seg = np.zeros(m, dtype=np.int64)  # the segment each path is on, and where on it
    pos = pts[0].copy()
    kinds, death = [*levels.kinds, "stop"], levels.kinds.index("death")
    stop = levels.stop(prev[paths])
    stopped = np.zeros(m, dtype=bool)
    order = np.arange(nseg)[:, None]
    live = np.arange(m)
    for _ in range(10_000):  # a product whose level fired and is still reached: a bug
        if not live.size:
            return
        g, n = paths[live], live.size
        fall, rise = levels.fall[g], levels.rise[g]  # each path's nearest levels
        fk, rk = levels.fall_kind[g], levels.rise_kind[g]
        if stop is not None:  # the breaker's price, once per bar
            st = np.where(stopped[live], np.nan, stop[live])
            if rules.sign > 0:
                fk = np.where(st >= fall, len(kinds) - 1, fk)
                fall = np.fmax(fall, st)
            else:
                rk = np.where(st <= rise, len(kinds) - 1, rk)
                rise = np.fmin(rise, st)
        # every segment still ahead at once: the first one that reaches a level
        A, B = pts[:-1, live], pts[1:, live].copy()
        A[seg[live], np.arange(n)] = pos[live]
        ahead = order >= seg[live]
        down, up = (B < A) & ahead, (B > A) & ahead
        on_seg = (down & (fall >= B)) | (up & (rise <= B))
        hit = on_seg.any(axis=0)
        col = np.flatnonzero(hit)
        if not col.size:
            return
        live, k = live[col], on_seg[:, col].argmax(axis=0)
        a, b, dn = A[k, col], B[k, col], down[k, col]
        # the highest level on a fall, the lowest on a rise
        first = np.where(dn, fk[col], rk[col])
        px = np.clip(np.where(dn, fall[col], rise[col]), np.minimum(a, b), np.maximum(a, b))
        if gap:  # nothing trades inside a gap: the open's price, and gone if NAV is
            in_gap = k == 0
            if in_gap.any():
                bottom, falls = levels.price[death, paths[live]], levels.falls[death, paths[live]]
                gone = np.where(falls, dn & (bottom >= b), ~dn & (bottom <= b))
                first[in_gap & gone] = death
                px[in_gap] = b[in_gap]
        seg[live], pos[live] = k, px
        for kind in np.unique(first) if first.size > 1 else first:
            sel = first == kind
            ids = paths[live[sel]]
            if kinds[kind] == "death":
                book.die(t, ids, book.death)
            else:
                if kinds[kind] == "stop":
                    stopped[live[sel]] = True
                target, why = rules.fill(kinds[kind], ids, t)
                book.trade(t, ids, px[sel], target, why)
        levels.update(paths[live])
        live = live[~book.dead[paths[live]]]
    raise RuntimeError(
        f"{type(rules).__name__}: a price level in bar {t} keeps firing after its trade; "
        "a product's levels must lie beyond the leverage it trades to"
    )
