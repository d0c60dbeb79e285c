"""Exercises 08 · Using Smart Leverage rationally (``exercises/08_using_it_rationally.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex08 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, Factor, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "MU", "SIGMA", "PRODUCT_LEVERAGE", "SMART", "SIDEWAYS",
           "q1", "q2", "q3", "q4"]

# Exercise 1: a position size from half Kelly
MU, SIGMA, PRODUCT_LEVERAGE = 0.3, 0.8, 2.5

q1 = NumericQuestion(
    "q1",
    expected=lambda: 0.5 * sl.theory.kelly_leverage(MU, SIGMA) / PRODUCT_LEVERAGE,
    var="answer_1",
    rtol=1e-4,
    diagnoses=[
        Factor(PRODUCT_LEVERAGE, reason="off by a factor of the product's leverage (2.5): the "
               "share times the product's leverage must equal the target exposure"),
        Factor(2, reason="off by a factor of 2: the target is HALF the Kelly exposure"),
    ],
    wrong_answers={
        0.5 * MU / SIGMA / PRODUCT_LEVERAGE: "Kelly divides the drift by the variance "
                                             "sigma**2, not by the volatility sigma",
    },
    hints=["Kelly leverage is the drift over the variance: `MU / SIGMA**2` "
           "(or `sl.theory.kelly_leverage(MU, SIGMA)`).",
           "Half of it is the total exposure you want; the exposure of a share `f` of the "
           "portfolio in a product of leverage 2.5 is `2.5 * f`. Solve for `f`."],
    solution="`0.5 * (MU / SIGMA**2) / PRODUCT_LEVERAGE`: under a fifth of the portfolio, "
             "and that is for a drift of 30 % a year that nobody can promise.",
)


# Exercise 2: a position-sizing rule
def _position_share(mu, sigma, product_leverage, kelly_fraction=0.5, max_share=1.0):
    exposure = kelly_fraction * sl.theory.kelly_leverage(mu, sigma)
    return float(min(max(exposure / product_leverage, 0.0), max_share))


q2 = FunctionQuestion(
    "q2",
    _position_share,
    cases=[(0.3, 0.8, 2.5), (0.2, 0.7, 3.0, 1.0), (-0.1, 0.6, 2.0), (1.0, 0.4, 1.5),
           (0.5, 0.5, 2.0, 0.5, 0.25), (0.0, 0.9, 3.0)],
    var="position_share",
    points=2,
    hidden_tests=True,
    hints=["Target exposure: `kelly_fraction * mu / sigma**2`. Share: that divided by "
           "`product_leverage`.",
           "Then clip: not below 0 (a negative drift means no position) and not above "
           "`max_share`, e.g. `min(max(share, 0.0), max_share)`."],
)

# Exercise 3: the holding period in a sideways market
SMART = sl.SmartLeverage(management_fee=0.0001)
SIDEWAYS = dict(sigma=0.7, days=365, paths=500, seed=3)


def _beats_spot_90() -> float:
    m = sl.scenarios.sideways(**SIDEWAYS)
    r = sl.simulate(SMART, m)
    spot = m.prices / m.prices[:, :1]
    return float(np.mean(r.nav[:, 90] > spot[:, 90]))


q3 = NumericQuestion(
    "q3",
    expected=_beats_spot_90,
    var="answer_3",
    rtol=0.0,
    atol=0.0015,
    hints=["Spot's NAV on every path is `m.prices / m.prices[:, :1]` (it starts at 1 like the "
           "product's NAV).",
           "Compare column 90 of `r.nav` with column 90 of spot's NAV, and take the mean of "
           "the comparison (True counts as 1)."],
    solution="""
```python
m = sl.scenarios.sideways(**SIDEWAYS)
r = sl.simulate(SMART, m)
spot = m.prices / m.prices[:, :1]
answer_3 = float(np.mean(r.nav[:, 90] > spot[:, 90]))
```
Compare with the same share after 7 or 30 days (`r.nav[:, 7]`, ...): the longer it is held in
a market without a trend, the smaller the share of paths on which it beats spot.""",
    prompt="Share of paths on which Smart Leverage is above spot after 90 days (a fraction):",
)

# Exercise 4: choosing the market
q4 = ChoiceQuestion(
    "q4",
    {"a": "Stay out of leverage (or keep a small position in spot): a market that swings "
          "without a direction erodes leveraged positions",
     "b": "Buy Smart Leverage and hold it for the year: the system adjusts the leverage, so "
          "it will handle the sideways market",
     "c": "Buy Smart Leverage with all the capital, because there is no liquidation"},
    answer="a",
    var="answer_4",
    explanations={
        "a": "leverage pays in trends; without one it bleeds slowly.",
        "b": "the rebalancing is what loses money in a choppy market, and holding longer "
             "makes it worse.",
        "c": "no liquidation does not cap the loss of the capital put in, and all-in is far "
             "beyond any sensible Kelly exposure.",
    },
)
