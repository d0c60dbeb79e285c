"""Exercises 04 · Path dependency (``exercises/04_path_dependency.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex04 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value (and the right choices of ``q4``) is computed from :mod:`smartlev`
when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "ROUTES", "ONE", "SHUFFLE", "q1", "q2", "q3", "q4"]

# Exercise 1: two routes from 100 to 121 in two days
ROUTES = {"steady": [100.0, 110.0, 121.0], "dip first": [100.0, 90.0, 121.0]}


def _route_return(route: str) -> float:
    m = sl.Market.from_prices(ROUTES[route])
    return float(sl.simulate(sl.LeveragedToken(3), m, history=False).final_nav[0]) - 1


q1 = NumericQuestion(
    "q1",
    expected=lambda: _route_return("dip first"),
    var="answer_1",
    rtol=1e-4,
    wrong_answers=lambda: {
        _route_return("steady"): "that is the steady route (+10 %, +10 %); the dip-first "
                                 "route has other daily moves",
        3 * 0.21: "that is 3 times the overall move of 21 %; the token compounds the two "
                  "daily moves, and here they are -10 % and then a big rise",
        0.21: "that is the coin's own return on both routes",
    },
    hints=["Day 1: 100 -> 90 is a return of -10 %; day 2: 90 -> 121 is a return of "
           "`121 / 90 - 1`.",
           "`(1 + 3 * -0.10) * (1 + 3 * (121 / 90 - 1)) - 1`"],
    solution="`answer_1 = (1 + 3 * -0.10) * (1 + 3 * (121 / 90 - 1)) - 1`, about +42 %, "
             "against +69 % on the steady route: the same start, the same end, a different "
             "result.",
)


# Exercise 2: the token's result from the route's end point and its shakiness
def _predicted_nav(prices, leverage):
    p = np.asarray(prices, dtype=float)
    realised_var = np.sum(np.diff(np.log(p)) ** 2)
    return (p[-1] / p[0]) ** leverage * np.exp(-(leverage**2 - leverage) / 2 * realised_var)


_DEMO = sl.scenarios.gbm(sigma=0.8, days=90, steps_per_day=1, paths=1, seed=3)
q2 = FunctionQuestion(
    "q2",
    _predicted_nav,
    cases=[([100.0, 110.0, 121.0], 3), ([100.0, 90.0, 121.0], 3),
           (list(_DEMO.prices[0]), 3), ([100.0, 105.0, 95.0, 100.0], 2),
           ([100.0, 100.0], 5), ([50.0, 40.0, 45.0], -1)],
    var="predicted_nav",
    rtol=1e-9,
    points=2,
    hidden_tests=True,
    hints=["The realised variance of the route is the sum of the squared daily log returns: "
           "`np.sum(np.diff(np.log(prices)) ** 2)` (it plays the part of sigma² T).",
           "`(prices[-1] / prices[0]) ** L * np.exp(-(L**2 - L) / 2 * realised_var)`; turn "
           "`prices` into an array first with `np.asarray(prices, dtype=float)`."],
)

# Exercise 3: the same 90 daily moves in 300 orders
ONE = sl.scenarios.gbm(sigma=0.8, days=90, steps_per_day=1, paths=1, seed=13)
SHUFFLE = dict(paths=300, seed=1)


def _final_navs(product) -> np.ndarray:
    orders = sl.scenarios.shuffle(ONE, **SHUFFLE)
    return sl.simulate(product, orders, history=False).final_nav


q3 = NumericQuestion(
    "q3",
    expected=lambda: float(np.ptp(_final_navs(sl.SmartLeverage()))),
    var="answer_3",
    rtol=1e-3,
    wrong_answers={0.0: "zero is the daily 3x token's range (multiplying the same daily "
                        "factors in another order gives the same product); Smart Leverage's "
                        "leverage depends on what came before"},
    hints=["`orders = sl.scenarios.shuffle(ONE, **SHUFFLE)`, then "
           "`sl.simulate(sl.SmartLeverage(), orders).final_nav`.",
           "Best minus worst: `nav.max() - nav.min()` (or `np.ptp(nav)`)."],
    solution="""
```python
orders = sl.scenarios.shuffle(ONE, **SHUFFLE)
nav = sl.simulate(sl.SmartLeverage(), orders).final_nav
answer_3 = float(nav.max() - nav.min())
```
The moves are the same on every path, and so is the coin's final price, yet Smart Leverage
ends anywhere in a wide range: its leverage on a given day depends on the moves that came
before.""",
    prompt="Best minus worst final NAV of Smart Leverage over the 300 orderings:",
)

# Exercise 4: which results do not depend on the order of the moves?
_PRODUCTS_4 = {"a": sl.Spot(), "b": sl.LeveragedToken(3), "c": sl.LeveragedToken.bybit(3),
               "d": sl.SmartLeverage()}


def _order_free() -> set:
    return {k for k, p in _PRODUCTS_4.items() if np.ptp(_final_navs(p)) < 1e-9}


q4 = ChoiceQuestion(
    "q4",
    {"a": "Spot",
     "b": "A 3x token rebalanced at every daily close",
     "c": "A 3x token with Bybit's rule (rebalanced only when its leverage leaves 2x-4x)",
     "d": "Smart Leverage"},
    answer=_order_free,
    var="answer_4",
    explanations={
        "b": "its NAV is the product of the daily factors `1 + 3 r`, and a product does not "
             "depend on the order.",
        "c": "when it rebalances depends on the route, so the order of the moves matters.",
        "d": "its leverage follows the recent moves, so the order matters.",
    },
)
