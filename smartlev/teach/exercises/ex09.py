"""Exercises 09 · Three misconceptions, put to the test (``exercises/09_misconceptions.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex09 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import Factor, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "SMART", "ROUND_TRIPS", "JUMPS", "BULL", "q1", "q2", "q3", "q4"]

SMART = sl.SmartLeverage(management_fee=0.0001)

# Exercise 1: ten round trips 100 -> 110 -> 100
ROUND_TRIPS = [100.0, 110.0] * 10 + [100.0]


def _final_return(product) -> float:
    r = sl.simulate(product, sl.Market.from_prices(ROUND_TRIPS), history=False)
    return float(r.final_nav[0]) - 1


def _wrong_1() -> dict:
    one_trip = (1 + 3 * 0.10) * (1 + 3 * (100 / 110 - 1)) - 1
    return {
        _final_return(sl.Perpetual(leverage=3)): "that is what the 3x perpetual returns here: "
                                                 "the price came back and never got near its "
                                                 "liquidation price; the rebalanced product "
                                                 "did not come back",
        one_trip: "that is the loss of ONE round trip; there are ten, and they compound",
        10 * one_trip: "you added the ten round trips; compound them: multiply the ten "
                       "factors (the same factor to the power 10)",
    }


q1 = NumericQuestion(
    "q1",
    expected=lambda: _final_return(sl.LeveragedToken(3)),
    var="answer_1",
    rtol=1e-4,
    diagnoses=[Factor(3, "L")],
    wrong_answers=_wrong_1,
    hints=["Up day: the NAV is multiplied by `1 + 3 * 0.10`; down day (110 -> 100): by "
           "`1 + 3 * (100 / 110 - 1)`.",
           "One round trip multiplies the NAV by the product of those two factors; ten round "
           "trips by that product to the power 10. Subtract 1 at the end."],
    solution="`((1 + 3 * 0.10) * (1 + 3 * (100 / 110 - 1))) ** 10 - 1`. The 3x contract, held "
             "without rebalancing and without fees, ends exactly where it started: on this path "
             "the product without liquidation is the one that loses.",
)

# Exercise 2: a black-swan market and "no liquidation"
JUMPS = dict(sigma=0.6, jump_intensity=4, jump_mean=-0.15, jump_std=0.10, days=90, paths=500,
             seed=11)


def _lost_half() -> float:
    r = sl.simulate(SMART, sl.scenarios.jump_diffusion(**JUMPS), history=False)
    if r.liquidated.any():
        raise RuntimeError("exercise 09 q2 assumes Smart Leverage is never liquidated")
    return float(np.mean(r.final_nav < 0.5))


q2 = NumericQuestion(
    "q2",
    expected=_lost_half,
    var="answer_2",
    rtol=0.0,
    atol=0.0015,
    wrong_answers={0.0: "no path is liquidated, but that is not what was asked: count the "
                        "paths whose final NAV is below 0.5"},
    hints=["`r = sl.simulate(SMART, m)` gives `r.final_nav`, one number per path.",
           "`np.mean(r.final_nav < 0.5)` is the share of paths that lost more than half."],
    solution="""
```python
m = sl.scenarios.jump_diffusion(**JUMPS)
r = sl.simulate(SMART, m)
answer_2 = float(np.mean(r.final_nav < 0.5))
```
`r.liquidated.mean()` is 0 on the same run: no path was closed by force, and yet a large
share of them lost more than half of the money.""",
)


# Exercise 3: how often does a product beat spot, horizon by horizon?
def _beat_spot_by_horizon(nav, spot, horizons):
    nav, spot = np.asarray(nav, dtype=float), np.asarray(spot, dtype=float)
    return np.array([np.mean(nav[:, h] > spot[:, h]) for h in horizons])


_A = np.array([[1.0, 1.2, 0.9, 0.8], [1.0, 0.9, 1.1, 1.3], [1.0, 1.05, 1.0, 0.7]])
_B = np.array([[1.0, 1.1, 1.0, 0.9], [1.0, 0.95, 1.0, 1.2], [1.0, 1.0, 1.1, 0.7]])
q3 = FunctionQuestion(
    "q3",
    _beat_spot_by_horizon,
    cases=[(_A, _B, [1, 2, 3]), (_A, _B, [3]), (_B, _A, [0, 1]), (_A, _A, [2]),
           (_A[:1], _B[:1], [1, 3])],
    var="beat_spot_by_horizon",
    points=2,
    hidden_tests=True,
    hints=["`nav[:, h]` is the column of step `h`: one value per path.",
           "For each `h`, `np.mean(nav[:, h] > spot[:, h])`; collect them with `np.array([...])`. "
           "A tie is not a win: use `>`."],
)

# Exercise 4: two years in a rising market
BULL = dict(mu=0.3, sigma=0.7, days=730, steps_per_day=1, paths=500, seed=11)


def _beats_spot_2y() -> float:
    m = sl.scenarios.gbm(**BULL)
    r = sl.simulate(SMART, m, history=False)
    spot = m.prices[:, -1] / m.prices[:, 0]
    return float(np.mean(r.final_nav > spot))


q4 = NumericQuestion(
    "q4",
    expected=_beats_spot_2y,
    var="answer_4",
    rtol=0.0,
    atol=0.0015,
    hints=["Spot's NAV at the end is `m.prices[:, -1] / m.prices[:, 0]`.",
           "`np.mean(r.final_nav > spot_final)`, or your `beat_spot_by_horizon(r.nav, "
           "m.prices / m.prices[:, :1], [730])`."],
    solution="""
```python
m = sl.scenarios.gbm(**BULL)
r = sl.simulate(SMART, m)
spot = m.prices / m.prices[:, :1]
answer_4 = float(np.mean(r.nav[:, -1] > spot[:, -1]))
```
The coin rises 30 % a year on average here, and still Smart Leverage is behind spot on most
paths after two years: as a buy-and-hold investment it tends to lose to the coin itself.""",
    prompt="Share of paths on which Smart Leverage ends above spot after two years "
           "(a fraction):",
)
