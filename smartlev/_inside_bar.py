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
    :math:`S = q\\,b/(s - b)` with :math:`q = c/u` (``s`` the product's sign), from above or
    below as the sign of :math:`s (s - b)` says; NAV reaches zero at :math:`S = -q`, and a
    margin product is liquidated at its ``liquidation_price``. A step only compares its
    bar's range with each path's nearest level on the way down (``fall``, ``-inf``: none)
    and on the way up (``rise``, ``inf``: none); ``fall_kind`` and ``rise_kind`` say which
    level they are (rows of ``kinds``). They change only when units or cash do (or the
    product moves its levels at a close).

    When every path has the same leverage levels (numbers, not arrays), which of them is
    nearest depends only on the sign of :math:`q`, so it is worked out once, as a table
    (``near_factor``, ``near_kind``), and a path's levels are a column of it times ``q``."""

    def __init__(self, rules, book) -> None:
        self.rules, self.book = rules, book
        levels = (("above", rules.above), ("below", rules.below))
        self.kinds = [k for k, b in levels if b is not None] + ["death"]
        self.death = len(self.kinds) - 1
        self.names = np.array([*self.kinds, "stop"])  # a walk's kinds, by number
        P = book.u.size
        self.fall, self.rise = np.full(P, -np.inf), np.full(P, np.inf)
        # reached()'s working memory: the paths that reached a level, and those up
        self._hit, self._up = np.empty(P, dtype=bool), np.empty(P, dtype=bool)
        self.fall_kind = np.zeros(P, dtype=np.int8)
        self.rise_kind = np.zeros(P, dtype=np.int8)
        # whether any path may have a level on the way down, and on the way up
        self.ways = [True, True]
        self.kind_of = None  # (fall kind, rise kind) when every path's are these
        self.static = all(np.ndim(getattr(rules, k)) == 0 for k in self.kinds[:-1])
        # levels at multiples of q: leverage levels, zero NAV (not a margin product's)
        self.multiples = len(self.kinds) > 1 or not book.margin
        self.empty = rules.stop is None  # no path has a level (spot: zero NAV is at price 0)
        # no level but death (a perpetual, a token without a band): reaching it is dying
        self.only_death = len(self.kinds) == 1 and rules.stop is None
        if self.static:
            factor, falls = self._factors(slice(None))
            self.near_factor, self.near_kind = self._nearest(factor[:, 0], falls[:, 0])
            # by the sign of q: ((factor, kind) on the way down, (factor, kind) up), as
            # numbers (a factor None: no level that way)
            self.near = [
                tuple((None if f != f else float(f), int(k)) for f, k in
                      zip(self.near_factor[:, side], self.near_kind[:, side], strict=True))
                for side in (0, 1)
            ]  # fmt: skip
        with np.errstate(divide="ignore", invalid="ignore"):
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

    def _nearest(self, factor: np.ndarray, falls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Factor and kind of the nearest level on the way down (row 0) and up (row 1),
        for ``q > 0`` (column 0) and ``q < 0`` (column 1); factor NaN: none.

        A level lies at the positive price ``factor * q`` when ``factor`` has the sign of
        ``q``; the highest such price is nearest on the way down, the lowest on the way up
        (the first kind on a tie). A margin product's liquidation is left out: its price
        is not a multiple of ``q``."""
        kinds = range(len(self.kinds) - 1 if self.book.margin else len(self.kinds))
        near_factor, near_kind = np.full((2, 2), np.nan), np.zeros((2, 2), dtype=np.int64)
        for side, sign in enumerate((1.0, -1.0)):  # the sign of q
            for way, down in enumerate((True, False)):
                # (price per unit of |q|, kind) of the levels reached this way, above zero
                found = [(factor[k] * sign, k) for k in kinds
                         if falls[k] == down and factor[k] * sign > 0]  # fmt: skip
                if found:  # max and min keep the first kind on a tie
                    k = (max if down else min)(found, key=lambda level: level[0])[1]
                    near_factor[way, side], near_kind[way, side] = factor[k], k
        return near_factor, near_kind

    def update(self, paths) -> None:
        """Work the levels of ``paths`` out again (their units or cash changed)."""
        u, c = self.book.u[paths], self.book.c[paths]
        if not self.multiples:  # a margin product without leverage levels: liquidation only
            fall, rise, fall_kind, rise_kind = -np.inf, np.inf, self.death, self.death
        else:
            fall, rise, fall_kind, rise_kind = self._multiples(paths, u, c)
        if self.book.margin:  # liquidation: reached on a fall for a long, a rise for a short
            liq = self.rules.liquidation_price(u, c)
            ok = (liq > 0) & (liq < np.inf)
            if self.rules.sign > 0:
                ok &= liq > fall
                fall, fall_kind = np.where(ok, liq, fall), np.where(ok, self.death, fall_kind)
            else:
                ok &= liq < rise
                rise, rise_kind = np.where(ok, liq, rise), np.where(ok, self.death, rise_kind)
        self.fall[paths], self.rise[paths] = fall, rise
        arrays = isinstance(fall_kind, np.ndarray) or isinstance(rise_kind, np.ndarray)
        kinds = None if arrays else (int(fall_kind), int(rise_kind))  # the same for all these
        known = kinds is not None and kinds == self.kind_of  # every path holds them already
        if not known:
            self.fall_kind[paths], self.rise_kind[paths] = fall_kind, rise_kind
        # a way has no level when it is one number for all these paths: -inf, or inf up
        ways = (isinstance(fall, np.ndarray) or fall > -np.inf,
                isinstance(rise, np.ndarray) or rise < np.inf)  # fmt: skip
        if isinstance(paths, slice):  # every path: the ways and kinds are known afresh
            self.ways, self.kind_of = list(ways), kinds
        else:  # some paths: what the others hold still counts
            self.ways = [self.ways[0] or ways[0], self.ways[1] or ways[1]]
            self.kind_of = self.kind_of if known else None
        if self.empty:  # (once a level exists, the bars are checked from then on)
            self.empty = not (np.any(fall > -np.inf) or np.any(rise < np.inf))

    def _multiples(self, paths, u: np.ndarray, c: np.ndarray) -> tuple:
        """The nearest levels at multiples of ``q = c / u`` each way, and their kinds."""
        q = c / u  # (the kernel ignores division warnings: u = 0 is no level)
        if self.static:
            neg = q < 0
            negative = _count(neg)
            if negative in (0, neg.size):  # usual: every path on one side, one column
                (fall, fall_kind), (rise, rise_kind) = self.near[int(negative > 0)]
                fall = -np.inf if fall is None else fall * q
                rise = np.inf if rise is None else rise * q
                if _count(np.isfinite(q)) == q.size and _count(q) == q.size:  # finite, not 0
                    return fall, rise, fall_kind, rise_kind  # no fix-up below
            else:
                side = neg.view(np.uint8)  # the table's column: 0 for q > 0, 1 for q < 0
                f, k = self.near_factor, self.near_kind
                fall, rise = f[0].take(side) * q, f[1].take(side) * q
                fall_kind, rise_kind = k[0].take(side), k[1].take(side)
            # no level (NaN, infinite or zero prices) where units are 0 (q infinite or NaN)
            # or cash is 0 (q = 0: a leverage of 1 stays 1)
            if isinstance(fall, np.ndarray):
                fall = np.where(fall < np.inf, fall, -np.inf)
            if isinstance(rise, np.ndarray):
                rise = np.where(rise > 0, rise, np.inf)
            return fall, rise, fall_kind, rise_kind
        # each path's own levels: the nearest positive price each way (NaN: none)
        factor, falls = self._factors(paths)
        price = factor * q
        price[~((price > 0) & (price < np.inf))] = np.nan  # a price no route reaches
        if self.book.margin:
            price[-1] = np.nan  # liquidation is not a multiple of q: added below
        down = np.where(falls & (price == price), price, -np.inf)
        up = np.where(~falls & (price == price), price, np.inf)
        return down.max(axis=0), up.min(axis=0), down.argmax(axis=0), up.argmin(axis=0)

    def drop(self, paths) -> None:
        """``paths`` died: no level any more."""
        self.fall[paths], self.rise[paths] = -np.inf, np.inf

    def death_price(self, paths) -> np.ndarray:
        """Where ``paths`` die: liquidation for a margin product, else NAV zero (NaN: never)."""
        u, c = self.book.u[paths], self.book.c[paths]
        p = self.rules.liquidation_price(u, c) if self.book.margin else -(c / u)
        return np.where((p > 0) & (p < np.inf), p, np.nan)

    def stop(self, prev: np.ndarray) -> np.ndarray | None:
        """The circuit breaker's price in this bar: its fall (rise) from the last close."""
        if self.rules.stop is None:
            return None
        return prev * (1.0 - self.rules.sign * (self.rules.stop - 1e-12))

    def reached(self, low: np.ndarray, high: np.ndarray, prev: np.ndarray) -> np.ndarray:
        """Paths whose bar, from the last close ``prev`` down to ``low`` and up to ``high``,
        reached one of their levels.

        A level fills only where a segment of the route *ends* beyond it (a level the path
        was already past at the last close fills where the route next heads towards it),
        and every segment ends inside the bar: at the open, the low, the high or the close.
        So the last close is left out of the range, and a path whose bar stayed between
        its levels is never walked."""
        fall, rise = self.fall, self.rise
        down, up = self.ways  # (a way where no path has a level is not looked at)
        stop = self.stop(prev)
        if stop is not None:
            if self.rules.sign > 0:
                fall, down = np.maximum(fall, stop), True
            else:
                rise, up = np.minimum(rise, stop), True
        if down and up:
            hit = np.less_equal(low, fall, out=self._hit)
            hit |= np.greater_equal(high, rise, out=self._up)
        elif down:
            hit = np.less_equal(low, fall, out=self._hit)
        elif up:
            hit = np.greater_equal(high, rise, out=self._hit)
        else:
            return np.empty(0, dtype=np.intp)
        return hit.nonzero()[0]


# How many of a mask are true. A walk asks a dozen times a bar, on a handful of paths,
# whether any or all are: ``count_nonzero`` is one C call, about a third of the time of
# ``mask.any()``, which numpy wraps in Python.
_count = np.count_nonzero


def inside_bar(book, rules, levels: Levels, t: int, paths, prev, route) -> None:
    """Walk bar ``t``'s route for ``paths`` and fill each level where the route reaches it.

    ``route`` is ``(open, high, low, close)`` rows, or ``(close,)`` for closes only. The
    route runs from the last close to the open (a gap: a level passed in it fills at the
    open, and NAV gone at the open is gone), then to the low and the high (the high first
    when the bar closed below its open), then to the close, in straight lines. After a
    fill the path goes on from the fill's price with its new levels, so a price that keeps
    going fills again; the breaker fires once per bar. A product whose only level is
    death (a perpetual, a token without a band) needs no walk: a path whose route reached
    it dies, wherever it did.

    Each round fills, for every path still walking, the first level its route reaches,
    all paths at once; ``live`` holds the walking paths (columns of ``pts``), ``seg`` the
    segment each is on and ``pos`` its price there.
    """
    if book.any_dead:
        paths = paths[~book.dead[paths]]
        if not paths.size:
            return
    if levels.only_death:  # no walk: wherever the route reached it, the path dies
        book.die(t, paths, book.death)
        levels.drop(paths)
        return
    gap = len(route) == 4
    if gap:
        o, h, lo, c = (row[paths] for row in route)
        up = c >= o
        pts = np.array([prev[paths], o, np.where(up, lo, h), np.where(up, h, lo), c])
    else:
        pts = np.array([prev[paths], route[0][paths]])
    names, death, long = levels.names, levels.death, rules.sign > 0
    breaker = len(names) - 1  # the breaker's kind, after the product's levels
    stop = levels.stop(pts[0])
    stopped = np.zeros(paths.size, dtype=bool) if stop is not None else None
    stops_left = paths.size  # paths whose breaker has not fired in this bar
    live = order = np.arange(paths.size)  # (order[:n]: the numbers 0 .. n - 1)
    seg, pos = None, None
    for rounds in range(10_000):  # a product whose level fired and is still reached: a bug
        if not rounds:  # (after a fill, g is still paths[live])
            g = paths
        fall, rise = levels.fall[g], levels.rise[g]  # each path's nearest levels
        by_stop = None
        if stop is not None and stops_left:  # the breaker's price, once per bar
            st = np.where(stopped[live], np.nan, stop[live]) if rounds else stop
            if long:
                by_stop, fall = st >= fall, np.fmax(fall, st)
            else:
                by_stop, rise = st <= rise, np.fmin(rise, st)
        if rounds:  # after a fill: is a level still ahead, on the rest of the route?
            # (as in Levels.reached, only where segments end: from the end of seg on)
            if gap:
                if rounds == 1:  # the lowest and highest price from each segment's end
                    low_after = np.minimum.accumulate(pts[:0:-1], axis=0)[::-1]
                    high_after = np.maximum.accumulate(pts[:0:-1], axis=0)[::-1]
                low, high = low_after[seg, live], high_after[seg, live]
            else:  # one segment: what is left of it ends at the close
                low = high = pts[1, live]
            rest = (low <= fall) | (high >= rise)
            n = _count(rest)
            if not n:
                return
            if n < live.size:
                live, seg, pos, fall, rise = (x[rest] for x in (live, seg, pos, fall, rise))
                by_stop = None if by_stop is None else by_stop[rest]
            # every segment still ahead: the path is part-way along segment seg
            A, B = pts[:-1, live], pts[1:, live]
            A[seg, order[: live.size]] = pos
            moves = (B != A) & (np.arange(len(pts) - 1)[:, None] >= seg)
        else:  # every path at the start of the route
            A, B = pts[:-1], pts[1:]
            moves = B != A
        # the first segment that reaches a level: falls to the level, or rises to it
        down = B < A
        on_seg = np.where(down, fall >= B, rise <= B) & moves
        if gap:  # each path's first such segment, and where it starts and ends
            seg = on_seg.argmax(axis=0)
            j = order[: live.size]
            hit, a, dn, b = on_seg[seg, j], A[seg, j], down[seg, j], B[seg, j]
        else:  # one segment: it is the first
            seg, hit, a, dn = np.zeros(live.size, np.intp), on_seg[0], A[0], down[0]
        n = _count(hit)
        if not n:
            return
        if n < live.size:
            live, seg, a, dn, fall, rise = (x[hit] for x in (live, seg, a, dn, fall, rise))
            b = b[hit] if gap else None
            by_stop = None if by_stop is None else by_stop[hit]
        g = paths[live]
        # the level: the highest on a fall, the lowest on a rise (the breaker's, if it is)
        fk, rk = levels.kind_of or (levels.fall_kind[g], levels.rise_kind[g])
        if by_stop is not None:
            if long:
                fk = np.where(by_stop, breaker, fk)
            else:
                rk = np.where(by_stop, breaker, rk)
        first = np.where(dn, fk, rk)
        # on a fall the level lies at or below the segment's start, on a rise at or above
        pos = np.where(dn, np.minimum(fall, a), np.maximum(rise, a))
        if gap and _count(seg) < seg.size:  # in the gap: the open's price, gone if NAV is
            in_gap = seg == 0
            bottom = levels.death_price(g)
            gone = (dn & (bottom >= b)) if long else (~dn & (bottom <= b))
            first[in_gap & gone] = death
            pos[in_gap] = b[in_gap]
        count = np.bincount(first, minlength=len(names))
        if count[death]:
            trade = first != death
            book.die(t, g[~trade], book.death)
            levels.drop(g[~trade])
            live, seg, pos, first, g = (x[trade] for x in (live, seg, pos, first, g))
        if live.size:
            if stop is not None and count[breaker]:
                stopped[live[first == breaker]] = True
                stops_left -= count[breaker]
            target, why = rules.fill(names[first], g, t)
            book.trade(t, g, pos, target, why)
        if book.any_dead:  # a trade's cost can take what was left
            gone = book.dead[g]
            if _count(gone):
                levels.drop(g[gone])
                live, seg, pos, g = (x[~gone] for x in (live, seg, pos, g))
        if not live.size:
            return
        levels.update(g)
    raise RuntimeError(
        f"{type(rules).__name__}: a price level in bar {t} keeps firing after its trade; "
        "a product's levels must lie beyond the leverage it trades to"
    )
