"""Exercises 06 · Black swans (``exercises/06_black_swans.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex06 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, Factor, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "PRICES_1", "CRASH", "q1", "q2", "q3", "q4"]

# Exercise 1: a 3x token rebalanced daily; the price goes 100 -> 110 -> 88
PRICES_1 = [100.0, 110.0, 88.0]
_PRICE_MOVE_1 = PRICES_1[-1] / PRICES_1[0] - 1


def _return_1() -> float:
    r = sl.simulate(sl.LeveragedToken(3), sl.Market.from_prices(PRICES_1), history=False)
    return float(r.final_nav[0]) - 1


q1 = NumericQuestion(
    "q1",
    expected=_return_1,
    var="answer_1",
    rtol=1e-6,
    diagnoses=[Factor(3, "L")],
    wrong_answers={
        3 * _PRICE_MOVE_1: "you multiplied the two-day price change by 3; the token compounds "
                           "each day's 3x move, and its NAV was higher when the crash came",
        _PRICE_MOVE_1: "that is the price's return; the token carries 3x the exposure",
    },
    hints=["Each day the NAV is multiplied by (1 + 3 r), where r is that day's price return.",
           "Day 1: r = +10 %, day 2: r = 88/110 - 1 = -20 %. Multiply the two factors and "
           "subtract 1."],
    solution="`(1 + 3 * 0.10) * (1 + 3 * (88 / 110 - 1)) - 1` = 1.3 x 0.4 - 1 = -0.48: "
             "a loss of 48 %, most of it on one day, with no liquidation anywhere.",
)


# Exercise 2: a product with a circuit breaker that reacts after a big fall
def _breaker_nav(daily_returns, leverage, trigger=0.10, breaker_leverage=1.0):
    nav, lev = 1.0, leverage
    for r in daily_returns:
        nav = max(nav * (1 + lev * r), 0.0)
        lev = breaker_leverage if r <= -trigger else leverage
    return nav


q2 = FunctionQuestion(
    "q2",
    _breaker_nav,
    cases=[([0.05, -0.20, 0.10, 0.05], 3), ([-0.12, 0.10], 3, 0.10, 1.0), ([-0.40, 0.10], 3),
           ([0.02] * 5, 2, 0.05, 0.5), ([], 3), ([-0.08, -0.25, -0.05], 4, 0.10, 2.0)],
    var="breaker_nav",
    points=2,
    hidden_tests=True,
    hints=["Keep two things between days: the NAV and the leverage for the next day.",
           "Update the NAV with today's return first (`max(nav * (1 + lev * r), 0.0)`), then "
           "decide tomorrow's leverage from today's return: `breaker_leverage` if "
           "`r <= -trigger`, else `leverage`."],
)

# Exercise 3: Smart Leverage on a crash market
CRASH = dict(drop=0.30, at_day=45, sigma=0.6, days=90, paths=500, seed=6)


def _crash_day_loss() -> float:
    m = sl.scenarios.crash(**CRASH)
    r = sl.simulate(sl.SmartLeverage(), m)
    d = CRASH["at_day"]
    return float(np.median(1 - r.nav[:, d + 1] / r.nav[:, d]))


q3 = NumericQuestion(
    "q3",
    expected=_crash_day_loss,
    var="answer_3",
    rtol=0.01,
    wrong_answers={CRASH["drop"]: "0.30 is the price's fall on that day; the product was "
                                  "carrying leverage when it came"},
    hints=["`r.nav[:, 45]` is the NAV at the start of day 45 on every path and `r.nav[:, 46]` "
           "the NAV one day later.",
           "The loss on a path is `1 - r.nav[:, 46] / r.nav[:, 45]`; take `np.median` of it."],
    solution="""
```python
m = sl.scenarios.crash(**CRASH)
r = sl.simulate(sl.SmartLeverage(), m)
answer_3 = float(np.median(1 - r.nav[:, 46] / r.nav[:, 45]))
```
The product was carrying its usual leverage when the 30 % fall came, so it lost that
leverage times the fall in one day. Its circuit breaker cut the leverage only afterwards.""",
    prompt="Median one-day NAV loss of Smart Leverage on the crash day (a fraction):",
)

# Exercise 4: what automated risk controls can and cannot do
q4 = ChoiceQuestion(
    "q4",
    {"a": "The circuit breaker stops the crash-day loss, so the NAV cannot fall more than "
          "the trigger (10 %) in a day",
     "b": "The loss of the crash day is already taken when the breaker fires; it only lowers "
          "the leverage for the days after",
     "c": "Smart Leverage is liquidated on the crash day, like a perpetual contract"},
    answer="b",
    var="answer_4",
    explanations={
        "a": "the breaker looks at a fall that has already happened; it cannot undo it.",
        "b": "the rule reacts to the move, so the move itself hits the full leverage.",
        "c": "there is no margin and no liquidation, only a NAV that can fall towards zero.",
    },
)
