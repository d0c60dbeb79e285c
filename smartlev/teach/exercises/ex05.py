"""Exercises 05 · Smart Leverage (``exercises/05_smart_leverage.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex05 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "TWO_DAYS", "PRODUCT_1", "MARKET", "q1", "q2", "q3", "q4"]

# Exercise 1: right about the direction, still a loss
TWO_DAYS = sl.Market.from_prices([100.0, 88.0, 107.36])
PRODUCT_1 = sl.SmartLeverage(min_leverage=3, max_leverage=3, tolerance=0.0, circuit_breaker=0.10,
                             breaker_leverage=1.5, cooldown_days=2)
_COIN_1 = 107.36 / 100 - 1


def _return_1() -> float:
    r = sl.simulate(PRODUCT_1, TWO_DAYS, triggers="close")  # decided at the day's closes
    if not (r.reason[0, 1] == 5 and r.leverage[0, 1] == 1.5):
        raise RuntimeError("exercise 05 q1 assumes the circuit breaker trips after the fall")
    return float(r.final_nav[0]) - 1


q1 = NumericQuestion(
    "q1",
    expected=_return_1,
    var="answer_1",
    rtol=1e-4,
    wrong_answers={
        3 * _COIN_1: "that is 3 times the coin's +7.36 %; the leverage was not 3x all the way",
        _COIN_1: "that is the coin's return",
        (1 + 3 * -0.12) * (1 + 3 * 0.22) - 1: "that keeps 3x on the second day; the breaker "
                                              "cut the leverage to 1.5x after the fall",
    },
    hints=["Day 1 at 3x: the NAV is multiplied by `1 + 3 * (88 / 100 - 1)`. The 12 % fall "
           "trips the breaker, so day 2 runs at 1.5x.",
           "Day 2: the coin goes from 88 to 107.36, a return of `107.36 / 88 - 1` (22 %), and "
           "the NAV is multiplied by `1 + 1.5 * 0.22`."],
    solution="`answer_1 = (1 + 3 * -0.12) * (1 + 1.5 * (107.36 / 88 - 1)) - 1`, a loss of "
             "about 15 % while the coin gained 7.36 %. The full fall was taken at 3x, the "
             "recovery at only 1.5x: the leverage was lowest exactly when it would have paid.",
)


# Exercise 2: a volatility-target leverage rule
def _vol_target_leverage(est_vol, target_vol=1.6, min_leverage=1.25, max_leverage=4.0):
    return float(np.clip(target_vol / est_vol, min_leverage, max_leverage))


q2 = FunctionQuestion(
    "q2",
    _vol_target_leverage,
    cases=[(0.8,), (0.2,), (2.0,), (0.64,), (1.0, 1.2, 1.0, 3.0), (0.3, 0.6, 1.25, 4.0),
           (1.5, 1.0, 0.0, 2.0)],
    var="vol_target_leverage",
    points=2,
    hidden_tests=True,
    hints=["The raw leverage is `target_vol / est_vol`: high when the market is calm, low "
           "when it is wild.",
           "Then keep it inside the range: `min(max(raw, min_leverage), max_leverage)`."],
)

# Exercise 3: how often does a right call still lose money?
MARKET = dict(mu=0.0, sigma=0.8, days=90, steps_per_day=1, paths=1000, seed=21)


def _run_3() -> tuple[np.ndarray, np.ndarray]:
    m = sl.scenarios.gbm(**MARKET)
    nav = sl.simulate(sl.SmartLeverage(), m, history=False).final_nav
    return nav, m.prices[:, -1] > m.prices[:, 0]


def _right_call_lost() -> float:
    nav, up = _run_3()
    return float(np.mean(nav[up] < 1))


def _wrong_3() -> dict:
    nav, up = _run_3()
    return {
        float(np.mean(up)): "that is the share of paths on which the coin rose; among "
                            "those, count the ones where Smart Leverage lost money",
        float(np.mean(up & (nav < 1))): "that divides by all 1,000 paths; divide by the "
                                        "number of paths on which the coin rose",
    }


q3 = NumericQuestion(
    "q3",
    expected=_right_call_lost,
    var="answer_3",
    rtol=2e-3,
    wrong_answers=_wrong_3,
    hints=["`m = sl.scenarios.gbm(**MARKET)`, `nav = sl.simulate(sl.SmartLeverage(), "
           "m).final_nav`, `up = m.prices[:, -1] > m.prices[:, 0]`.",
           "`np.mean(nav[up] < 1)`: the share of the rising paths that ended below 1."],
    solution="""
```python
m = sl.scenarios.gbm(**MARKET)
nav = sl.simulate(sl.SmartLeverage(), m).final_nav
up = m.prices[:, -1] > m.prices[:, 0]
answer_3 = float(np.mean(nav[up] < 1))
```
On a sizeable share of the paths where buying was the right call, the leveraged position still
lost money: swings along the way and leverage cut at the wrong moments ate the gain.""",
    prompt="Share of the rising paths on which Smart Leverage lost money (a fraction):",
)

# Exercise 4: what is left for you to control
q4 = ChoiceQuestion(
    "q4",
    {"a": "How much money you put in, and when you buy and sell",
     "b": "The leverage the position holds on each day",
     "c": "The price at which the position is liquidated"},
    answer="a",
    var="answer_4",
    explanations={
        "a": "position size and timing are the controls left to you, so use them.",
        "b": "the system sets and changes the leverage; you cannot fix it.",
        "c": "there is no liquidation price; losses show up as a falling NAV instead.",
    },
)
