"""Exercises 02 · Leveraged tokens (``exercises/02_leveraged_tokens.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex02 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import numpy as np

import smartlev as sl

from ._core import ChoiceQuestion, Fee, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "FEE", "UP3", "q1", "q2", "q3", "q4"]

# Exercise 1: three days up 5 % each, a 3x token with a management fee
FEE = 0.0003  # management fee per day (0.03 %)
UP3 = sl.Market.from_prices(100 * 1.05 ** np.arange(4))


def _token_return(fee: float) -> float:
    r = sl.simulate(sl.LeveragedToken(3, management_fee=fee), UP3, history=False)
    return float(r.final_nav[0]) - 1


def _coin_return() -> float:
    return float(UP3.prices[0, -1] / UP3.prices[0, 0]) - 1


def _fee_cost() -> list:
    return [Fee(_token_return(0.0) - _token_return(FEE), "management fee")]


def _wrong_1() -> dict:
    coin = _coin_return()
    return {
        3 * coin: "that is 3 times the coin's three-day return; the token compounds three "
                  "daily moves of 3 x 5 %, which in a steady trend gives more",
        3 * coin - 3 * FEE: "that is 3 times the coin's three-day return (minus the fee); "
                            "the token compounds three daily moves of 3 x 5 %",
        coin: "that is the coin's own return; the token is 3x",
    }


q1 = NumericQuestion(
    "q1",
    expected=lambda: _token_return(FEE),
    var="answer_1",
    rtol=1e-4,
    diagnoses=_fee_cost,
    wrong_answers=_wrong_1,
    hints=["Each day the token's NAV is multiplied by `1 + 3 * 0.05` (its daily rebalance puts "
           "it back to 3x) and by `1 - FEE`.",
           "`((1 + 3 * 0.05) * (1 - FEE)) ** 3 - 1`"],
    solution="`answer_1 = ((1 + 3 * 0.05) * (1 - FEE)) ** 3 - 1`. Three times the coin's "
             "return (1.05³ − 1 ≈ 15.8 %) would be about 47 %; the token makes more because "
             "each day's 15 % is earned on a bigger NAV. The same compounding works against "
             "the token when the price goes back and forth.",
)


# Exercise 2: the NAV of a daily rebalanced token
def _token_navs(prices, leverage):
    m = sl.Market.from_prices(np.asarray(prices, dtype=float))
    return sl.simulate(sl.LeveragedToken(leverage), m).nav[0]


q2 = FunctionQuestion(
    "q2",
    _token_navs,
    cases=[([100.0, 110.0, 99.0], 3), ([100.0, 105.0, 110.25, 115.7625], 3),
           ([100.0, 90.0, 99.0, 95.0], 2), ([100.0, 110.0, 60.0, 70.0], 3),
           ([100.0, 110.0, 60.0, 70.0], -1), ([50.0, 50.0], 3)],
    var="token_navs",
    points=2,
    hidden_tests=True,
    hints=["Start with `navs = [1.0]`; for each day, the underlying's return is "
           "`r = prices[t] / prices[t - 1] - 1` and the NAV is multiplied by `1 + leverage * r`.",
           "A fall of more than `1 / leverage` in one day would make the NAV negative: the "
           "token is wiped out, so floor the NAV at 0 (`max(nav, 0.0)`)."],
)

# Exercise 3: how far the leverage drifts after a bad day
_DRIFT = sl.LeveragedToken(3, rebalance_every_days=None, band=(1.0, None))  # never resets


def _leverage_after(price: float) -> float:
    r = sl.simulate(_DRIFT, sl.Market.from_prices([100.0, price]))
    return float(r.leverage[0, -1])


q3 = NumericQuestion(
    "q3",
    expected=lambda: _leverage_after(90.0),
    var="answer_3",
    rtol=1e-3,
    wrong_answers=lambda: {
        3.0: "3x is the target; between rebalances the token holds a fixed number of coins, "
             "so its leverage drifts with the price",
        _leverage_after(110.0): "that is the leverage after a 10 % rise; a fall makes "
                                "the leverage go up, not down",
    },
    hints=["Per 1 of NAV the token holds 3 of coins and owes 2. After the day, the coins are "
           "worth `3 * 0.9` and the NAV is `1 + 3 * (-0.10)`.",
           "Leverage = value of the coins / NAV = `3 * 0.9 / (1 - 0.3)`."],
    solution="`answer_3 = 3 * 0.9 / (1 + 3 * -0.10)`, about 3.86x. To get back to 3x the "
             "token **sells** coins after the fall (and buys after a rise): it sells low and "
             "buys high, which is where its losses in a choppy market come from.",
    prompt="Leverage of the 3x token after a 10 % fall, before it rebalances:",
)

# Exercise 4: what a fixed multiplier promises
q4 = ChoiceQuestion(
    "q4",
    {"a": "Over a month, a 3x token returns three times the coin's return for the month",
     "b": "Over one rebalancing period it returns 3 times the coin's move; over many "
          "periods the moves compound, which beats 3x in a steady trend and falls short "
          "when the price swings back and forth",
     "c": "After a fall the token rebalances by buying more coins, which is why it "
          "recovers faster than the coin"},
    answer="b",
    var="answer_4",
    explanations={
        "a": "only over one rebalancing period; Exercise 1 already beat 3x in three days.",
        "c": "after a fall its leverage is above target (Exercise 3), so it sells coins.",
    },
)
