"""Chunks of paths: how many a run takes at a time, and their prices, made ahead.

Large Monte Carlo runs are simulated a chunk of paths at a time so that memory stays
bounded; a generated (lazy) market makes the next chunk in a background thread while the
kernel in :mod:`smartlev.engine` simulates the current one.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._scratch import Scratch, lent
from .market import Market

_CHUNK = 16_384  # paths per chunk at most, without history
# a generated market's next chunk is made during the simulation of the current one when
# the two chunks and a generator block's working arrays fit in this many bytes (1.3 GiB:
# with the interpreter and libraries a run stays within 1.5 GB)
_AHEAD_BYTES = 1_400_000_000


def default_chunk(paths: int, steps: int, history: bool, market: Market) -> int:
    """Paths per chunk: all with history (the result holds every step anyway); else
    chunks of about equal size, at most ``_CHUNK`` paths and, for a generated market, at
    most about 64 million prices (~540 MB; closes, opens, highs and lows together) in
    whole generator blocks. The next chunk of a generated market is made while one is
    simulated, when both fit in ``_AHEAD_BYTES`` (:func:`chunk_bars`)."""
    if history:
        return paths
    cap = _CHUNK
    if market.is_lazy:
        per_path = max(steps, 1) * _arrays(market)
        cap = max(64, min(cap, 2**26 // per_path))
    n = -(-paths // cap)
    chunk = -(-paths // n)
    bs = market.block_size
    if market.is_lazy and chunk > bs:  # equal-sized buffers: memory stays flat
        chunk = min(paths, bs * max(1, round(chunk / bs)))
    return chunk


def chunk_bars(market: Market, starts: range, chunk: int) -> Iterator[tuple]:
    """The bars ``(close, open, high, low)`` of each chunk of paths, in order.

    A generated (lazy) market in more than one chunk makes chunk ``k + 1`` in a
    background thread while chunk ``k`` is simulated (numpy's random generators and
    array operations release the GIL, so the two overlap on two cores), when two chunks
    and a generator block's working arrays fit in ``_AHEAD_BYTES``; otherwise, and for
    prices held in memory, one chunk at a time. The numbers are the same either way.

    Fresh memory is slow to fault in, so a generated market in several chunks is
    written into time-major arrays lent to it and used again: two sets in turn with the
    thread (chunk ``k``'s arrays receive chunk ``k + 2`` once the caller has asked for
    chunk ``k + 1``), one set without. The caller must not keep a chunk's arrays. The
    generator's random draws reuse their memory from block to block as well
    (:func:`smartlev._scratch.lent`).
    """
    paths = market.paths
    lend = market.is_lazy and len(starts) > 1
    ahead = lend and ahead_fits(market, chunk)
    sets: list = [None, None]  # the arrays lent to the market
    scratch = Scratch()  # and the generator's random draws, from block to block

    def load(start: int) -> tuple:
        stop = min(start + chunk, paths)
        if not lend:
            return market.bar_range(start, stop)
        k = start // chunk % 2 if ahead else 0
        if sets[k] is None:
            sets[k] = [np.empty((market.steps + 1, chunk)).T for _ in range(_arrays(market))]
        with lent(scratch):
            return market.bar_range(start, stop, out=[a[: stop - start] for a in sets[k]])

    if not ahead:
        for start in starts:
            yield load(start)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smartlev-chunks")
    try:
        ahead_job = pool.submit(load, starts[0])
        for after in [*starts[1:], None]:
            bars = ahead_job.result()
            # the next chunk is started; the finished future (which keeps its result) goes
            ahead_job = None if after is None else pool.submit(load, after)
            yield bars
            del bars  # simulated: its arrays may receive the chunk after next
    finally:  # also on an error or an interrupt: a chunk being made is finished, then freed
        pool.shutdown(cancel_futures=True)


def ahead_fits(market: Market, chunk: int) -> bool:
    """Whether two chunks of prices and the working arrays of one generator block (about
    three arrays of prices of the block's size: the draws) fit in ``_AHEAD_BYTES``."""
    row = (market.steps + 1) * 8  # bytes of one path's prices
    block = min(market.block_size, chunk)
    return 2 * chunk * _arrays(market) * row + 3 * block * row <= _AHEAD_BYTES


def _arrays(market: Market) -> int:
    """Arrays of prices a chunk holds: closes, opens, highs and lows, or closes only."""
    return 4 if market.has_bars else 1
