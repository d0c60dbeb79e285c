"""Exercises 03 · Volatility decay (``exercises/03_volatility_decay.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex03 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value (and the right choice of ``q4``) is computed from :mod:`smartlev`
when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, Factor, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "ZIGZAG", "BRIDGE", "MARKETS", "q1", "q2", "q3", "q4"]

# Exercise 1: 100 -> 110 -> 100, five times; a 3x token rebalanced daily
ZIGZAG = sl.Market.from_prices([100.0, 110.0] * 5 + [100.0])


def _zigzag_return() -> float:
    r = sl.simulate(sl.LeveragedToken(3), ZIGZAG, history=False)
    return float(r.final_nav[0]) - 1


def _way_back_as_minus_10(n: int) -> float:
    """Return of n round trips when the way back is taken as -10 % (a wrong answer)."""
    return (1.3 * 0.7) ** n - 1


q1 = NumericQuestion(
    "q1",
    expected=_zigzag_return,
    var="answer_1",
    rtol=1e-4,
    diagnoses=[Factor(3, "L")],
    wrong_answers={
        0.0: "the price is back at 100, but the token is not: it compounds five rounds of "
             "3x up and 3x down, and each round costs it money",
        _way_back_as_minus_10(5): "the way back from 110 to 100 is a fall of 1/11 "
                                  "(about 9.09 %), not 10 %",
    },
    hints=["Per round the token's NAV is multiplied by `1 + 3 * 0.10` on the way up and by "
           "`1 + 3 * (100 / 110 - 1)` on the way down.",
           "`((1 + 3 * 0.10) * (1 + 3 * (100 / 110 - 1))) ** 5 - 1`"],
    solution="`answer_1 = ((1 + 3 * 0.10) * (1 + 3 * (100 / 110 - 1))) ** 5 - 1`, a loss of "
             "about a quarter, while the coin is exactly where it started. Each round the "
             "token gains 30 % on a NAV and then loses 27 % on a bigger one.",
)


# Exercise 2: how far the price must rise for the token to break even
def _breakeven_rise(leverage, sigma, years):
    return sl.theory.volatility_decay(leverage, sigma, years) ** (-1 / leverage) - 1


q2 = FunctionQuestion(
    "q2",
    _breakeven_rise,
    cases=[(3, 0.8, 1.0), (2, 0.5, 0.25), (3, 0.0, 1.0), (1, 0.8, 1.0), (5, 1.2, 30 / 365),
           (-1, 0.8, 0.5)],
    var="breakeven_rise",
    rtol=1e-9,
    points=2,
    hidden_tests=True,
    hints=["The token ends at `(S_T / S_0) ** L * D` with the decay "
           "`D = exp(-(L**2 - L) / 2 * sigma**2 * T)`. Break even means that product is 1.",
           "Solve for the price ratio: `D ** (-1 / L)`. Simplified: "
           "`np.exp((L - 1) / 2 * sigma**2 * T) - 1`."],
)

# Exercise 3: a thousand routes back to the start
BRIDGE = dict(end_price=100.0, sigma=0.8, days=90, paths=1000, seed=4)


def _median_nav() -> float:
    m = sl.scenarios.bridge(**BRIDGE)
    return float(np.median(sl.simulate(sl.LeveragedToken(3), m, history=False).final_nav))


q3 = NumericQuestion(
    "q3",
    expected=_median_nav,
    var="answer_3",
    rtol=0.0,
    atol=0.0015,
    wrong_answers={1.0: "every route ends at 100, where it started, but the token does not "
                        "get back its money: run the simulation"},
    hints=["`m = sl.scenarios.bridge(**BRIDGE)` builds the paths; "
           "`sl.simulate(sl.LeveragedToken(3), m).final_nav` holds the 1,000 final NAVs.",
           "`np.median(...)` of those final NAVs. The closed form "
           "`sl.theory.volatility_decay(3, 0.8, 90 / 365)` predicts it closely."],
    solution="""
```python
m = sl.scenarios.bridge(**BRIDGE)
answer_3 = float(np.median(sl.simulate(sl.LeveragedToken(3), m).final_nav))
```
The typical route keeps a bit over 60 % of the money although the price ends where it
started, close to `sl.theory.volatility_decay(3, 0.8, 90 / 365)`.""",
    prompt="Median final NAV of the 3x token over the 1,000 routes (three decimals):",
)

# Exercise 4: which market hurts the token most: (price ratio, volatility) over one year
MARKETS = {"a": (1.0, 0.3), "b": (1.5, 0.4), "c": (1.0, 1.0)}


def _worst_market() -> str:
    one_year = {k: sl.theory.letf_ratio(x, 3, s, 1.0) for k, (x, s) in MARKETS.items()}
    return min(one_year, key=one_year.get)


q4 = ChoiceQuestion(
    "q4",
    {"a": "A year that ends where it started, with a volatility of 30 %",
     "b": "A year that ends 50 % higher, with a volatility of 40 %",
     "c": "A year that ends where it started, with a volatility of 100 %"},
    answer=_worst_market,
    var="answer_4",
    explanations={
        "a": "flat and calm: the token still decays, but far less than at 100 % volatility.",
        "b": "a trend with moderate swings is where a 3x token does well.",
        "c": "no trend to make up for it and a decay that grows with the square of the "
             "volatility.",
    },
)
