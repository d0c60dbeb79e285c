"""Scratch arrays kept from block to block of a run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

# the scratch lent to the generators while a run in chunks makes its prices
_LENT: ContextVar[Scratch | None] = ContextVar("smartlev_lent_scratch", default=None)


class Scratch:
    """Named scratch arrays reused between the blocks of a run.

    Fresh memory is slow to fault in, so each name keeps one flat buffer, grown only when a
    larger shape is asked for, and hands out a view of the shape asked for.

    Examples
    --------
    >>> s = Scratch()
    >>> a = s.get("x", (2, 3))
    >>> b = s.get("x", (3, 2), order="F")  # the same memory, another shape
    >>> a.shape, b.shape, np.shares_memory(a, b)
    ((2, 3), (3, 2), True)
    """

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, int], order: str = "C") -> np.ndarray:
        """A ``shape`` view of the buffer ``name`` (contents undefined)."""
        size = shape[0] * shape[1]
        buf = self._bufs.get(name)
        if buf is None or buf.size < size:
            buf = self._bufs[name] = np.empty(size)
        return buf[:size].reshape(shape, order=order)


@contextmanager
def lent(scratch: Scratch) -> Iterator[None]:
    """Lend ``scratch`` to :func:`draws` in this thread while the block runs."""
    token = _LENT.set(scratch)
    try:
        yield
    finally:
        _LENT.reset(token)


def draws(name: str, shape: tuple[int, int]) -> np.ndarray:
    """A C-ordered array to draw random numbers into: from the scratch lent by a run in
    chunks (:func:`lent`), so that each generator block reuses the last one's memory
    instead of faulting in fresh memory, else a new array. Its contents are undefined,
    and it must not outlive the generator block that asked for it."""
    scratch = _LENT.get()
    return np.empty(shape) if scratch is None else scratch.get(name, shape)
