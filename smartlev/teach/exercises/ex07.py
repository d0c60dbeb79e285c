"""Exercises 07 · Comparisons (``exercises/07_comparisons.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex07 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, Factor, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "SLIDE", "PRODUCTS", "WILD", "q1", "q2", "q3", "q4"]

# Exercise 1: a slide of 40 % over 10 days, the same fall every day
SLIDE = 100 * 0.6 ** (np.arange(11) / 10)
_MOVE_1 = float(SLIDE[-1] / SLIDE[0] - 1)


def _token_return() -> float:
    m = sl.Market.from_prices(SLIDE)
    token = sl.simulate(sl.LeveragedToken(3), m, history=False)
    perp = sl.simulate(sl.Perpetual(leverage=3, maintenance_margin=0.004), m, history=False)
    if not (perp.liquidated[0] and not token.wiped_out[0]):
        raise RuntimeError("exercise 07 q1 assumes the perpetual is liquidated, the token not")
    return float(token.final_nav[0]) - 1


q1 = NumericQuestion(
    "q1",
    expected=_token_return,
    var="answer_1",
    rtol=1e-4,
    diagnoses=[Factor(3, "L")],
    wrong_answers={
        3 * _MOVE_1: "3 x (-40 %) is a loss larger than everything invested; the token "
                     "compounds ten daily 3x moves, and each one hits a smaller NAV",
        -1.0: "losing everything is what happens to the 3x perpetual here (it is liquidated); "
              "the token has no margin and survives",
        _MOVE_1: "that is the price's return; the token carries 3x the exposure",
    },
    hints=["The daily price return is the same every day: `d = 0.6 ** (1 / 10) - 1`.",
           "Each day the token's NAV is multiplied by `1 + 3 * d`; do it ten times and "
           "subtract 1."],
    solution="`(1 + 3 * (0.6 ** 0.1 - 1)) ** 10 - 1`: a heavy loss, but the token is "
             "still alive. The 3x perpetual opened at 100 is liquidated when the price "
             "crosses `sl.theory.liquidation_price(100, 3)` on the way down: its margin "
             "is gone and it does not take part in any later recovery.",
)


# Exercise 2: the closed form of a fixed-multiplier token
def _token_ratio(price_ratio, leverage, sigma, years, fee=0.0):
    return sl.theory.letf_ratio(price_ratio, leverage, sigma, years, fee=fee)


q2 = FunctionQuestion(
    "q2",
    _token_ratio,
    cases=[(1.0, 3, 0.8, 1.0), (1.5, 3, 0.6, 0.25), (0.7, 2, 0.8, 1.0, 0.1), (2.0, 1, 0.9, 1.0),
           (1.2, -1, 0.5, 0.5, 0.02), (1.0, 3, 0.0, 2.0)],
    var="token_ratio",
    points=2,
    hidden_tests=True,
    hints=["Two factors: the price ratio raised to the power L, and an exponential drag.",
           "`price_ratio ** leverage * np.exp(-(leverage**2 - leverage) / 2 * sigma**2 * years "
           "- fee * years)`"],
)

# Exercise 3: how often is the 3x perpetual liquidated in a wild market?
PRODUCTS = {
    "Spot": sl.Spot(),
    "3x token": sl.LeveragedToken.ftx(3),
    "Perpetual": sl.Perpetual(leverage=3, maintenance_margin=0.004, fee=0.0005,
                              funding_rate=0.0001),
    "Smart Leverage": sl.SmartLeverage(management_fee=0.0001),
}
WILD = dict(long_run_vol=1.2, days=90, paths=500, seed=7)


def _liquidated_share() -> float:
    r = sl.simulate(PRODUCTS["Perpetual"], sl.scenarios.garch(**WILD), history=False)
    return float(np.mean(r.liquidated))


q3 = NumericQuestion(
    "q3",
    expected=_liquidated_share,
    var="answer_3",
    rtol=0.0,
    atol=0.0015,
    hints=["`sl.compare(PRODUCTS, m)` has a column `liquidated`: the share of paths liquidated.",
           "`sl.compare(PRODUCTS, m).loc[\"Perpetual\", \"liquidated\"]`, or "
           "`sl.simulate(PRODUCTS[\"Perpetual\"], m).liquidated.mean()`."],
    solution="""
```python
m = sl.scenarios.garch(**WILD)
table = sl.compare(PRODUCTS, m)
answer_3 = float(table.loc["Perpetual", "liquidated"])
```
The same table shows that no path of the 3x token or of Smart Leverage is liquidated: they
have no margin to lose. They do lose money in this market, as a NAV that falls instead.""",
    prompt="Share of paths on which the 3x perpetual is liquidated (a fraction):",
)

# Exercise 4: the bargain against a contract
q4 = ChoiceQuestion(
    "q4",
    {"a": "Smart Leverage removes liquidation and also gives you more control over the "
          "leverage than a contract",
     "b": "Smart Leverage has exactly the risk of a contract with the same average leverage",
     "c": "Smart Leverage removes liquidation, but you give up control: the system sets the "
          "leverage, so what a given price move pays is not fixed in advance"},
    answer="c",
    var="answer_4",
    explanations={
        "a": "with a contract you choose the leverage, add margin, set stops; with Smart "
             "Leverage a rule chooses for you.",
        "b": "the risk takes another form: no liquidation, but rebalancing losses and a "
             "leverage that moves with the market.",
        "c": "the liquidation risk becomes uncertainty about the return.",
    },
)
