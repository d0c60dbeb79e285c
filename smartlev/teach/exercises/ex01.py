"""Exercises 01 · Leverage and liquidation (``exercises/01_leverage_and_liquidation.ipynb``).

A learner's notebook runs ``from smartlev.teach.exercises.ex01 import *`` and gets the
placeholder ``____``, the data named in the statements and the questions ``q1`` ... ``q4``.
Every expected value is computed from :mod:`smartlev` when first checked.
"""

from __future__ import annotations

import smartlev as sl

from ._core import ChoiceQuestion, Factor, FunctionQuestion, NumericQuestion, ____

__all__ = ["____", "DROP", "FALL", "MM", "q1", "q2", "q3", "q4"]

# Exercise 1: a 10x long perpetual, the price falls from 100 to 96
DROP = sl.Market.from_prices([100.0, 96.0])
_PERP_1 = sl.Perpetual(leverage=10, maintenance_margin=0.004)


def _return_1() -> float:
    r = sl.simulate(_PERP_1, DROP, history=False)
    if r.liquidated[0]:
        raise RuntimeError("exercise 01 q1 assumes the 10x long survives a 4 % fall")
    return float(r.final_nav[0]) - 1


q1 = NumericQuestion(
    "q1",
    expected=_return_1,
    var="answer_1",
    rtol=1e-6,
    diagnoses=[Factor(10, "L")],
    hints=["The position is 10 times the margin, so every 1 % the price moves is 10 % of "
           "the margin.",
           "`10 * (96 / 100 - 1)`"],
    solution="`answer_1 = 10 * (96 / 100 - 1)`, a loss of 40 % of the margin for a 4 % "
             "fall. The same 4 % rise would have been a 40 % gain: leverage multiplies both "
             "directions by the same factor.",
)


# Exercise 2: the liquidation price of an isolated-margin perpetual
def _liq_price(entry, leverage, side="long", maintenance_margin=0.004):
    return sl.theory.liquidation_price(entry, leverage, side, maintenance_margin)


q2 = FunctionQuestion(
    "q2",
    _liq_price,
    cases=[(50_000, 10, "long", 0.004), (50_000, 10, "short", 0.004), (100.0, 3, "long", 0.005),
           (2_000.0, 125, "long", 0.004), (100.0, 2, "short", 0.01), (1.0, 20)],
    var="liq_price",
    points=2,
    hidden_tests=True,
    hints=["Equity of a long of Q coins: margin `Q * entry / L` plus profit `Q * (P - entry)`. "
           "Liquidation comes when equity falls to `maintenance_margin * Q * P`.",
           "Solve for P. Long: `entry * (1 - 1/L) / (1 - m)`; short: "
           "`entry * (1 + 1/L) / (1 + m)`."],
)

# Exercise 3: the highest leverage that survives a 20 % fall
FALL, MM = 0.20, 0.005


def _max_leverage() -> float:
    # liquidation_price(1, L, "long", MM) = 1 - FALL, solved for L
    lev = 1 / (1 - (1 - FALL) * (1 - MM))
    if abs(sl.theory.liquidation_price(1.0, lev, "long", MM) - (1 - FALL)) > 1e-12:
        raise RuntimeError("exercise 01 q3: the closed form disagrees with sl.theory")
    return lev


q3 = NumericQuestion(
    "q3",
    expected=_max_leverage,
    var="answer_3",
    rtol=1e-3,
    wrong_answers={
        1 / FALL: "that is where the whole margin is gone; the exchange liquidates earlier, "
                  "when equity reaches the maintenance margin, so the leverage must be a "
                  "little lower",
    },
    hints=["A long opened at 1 is liquidated at `(1 - 1/L) / (1 - MM)`. You want that price "
           "to be exactly `1 - FALL`.",
           "Solve `(1 - 1/L) / (1 - MM) = 1 - FALL` for L, or try leverages in "
           "`sl.theory.liquidation_price(1.0, L, \"long\", MM)` until it gives 0.8."],
    solution="`answer_3 = 1 / (1 - (1 - FALL) * (1 - MM))`, about 4.9x. Without the "
             "maintenance margin the answer would be 1 / 0.2 = 5x; the exchange closes the "
             "position a little before the margin is gone.",
    prompt="Highest leverage of a long that survives a 20 % fall (maintenance margin 0.5 %):",
)

# Exercise 4: what a contract gives you, and what it costs
q4 = ChoiceQuestion(
    "q4",
    {"a": "On isolated margin a perpetual can lose more than the margin you put up",
     "b": "Leverage multiplies gains, while losses stay the size of the price move",
     "c": "You choose the leverage, can add margin or close at any time, and the price of "
          "that control is a liquidation price: reach it and the margin is gone"},
    answer="c",
    var="answer_4",
    explanations={
        "a": "isolated margin caps the loss at the margin; the risk is losing all of it, "
             "at the liquidation price.",
        "b": "a 10x long loses 10 % of its margin for each 1 % the price falls, exactly as "
             "it gains 10 % for each 1 % rise.",
        "c": "a contract is flexible, and that flexibility comes with the risk of being "
             "closed out at a loss.",
    },
)
