"""Tests of smartlev.teach.widgets: every control to both ends, DOM classes, caching."""

from __future__ import annotations

import io
import itertools

import altair as alt
import ipywidgets as widgets
import numpy as np
import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema

import smartlev as sl
from smartlev.teach import plots
from smartlev.teach import widgets as slw

VEGA = "application/vnd.vegalite.v5+json"
PATHS, DAYS = 30, 60


@pytest.fixture(scope="module")
def vega_lite_schema() -> dict:
    return alt.vegalite.v5.schema.core.load_schema()


def _spec(out: widgets.Output) -> dict:
    (item,) = out.outputs
    return item["data"][VEGA]


def _data(spec: dict) -> pd.DataFrame:
    name = spec["data"]["name"]
    return pd.read_csv(io.StringIO(spec["datasets"][name]))


def _ends(control: widgets.Widget) -> list:
    """The values a sweep visits: both ends of a range, every option, both states."""
    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons)):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    if isinstance(control, widgets.Checkbox):
        return [not control.value, control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        return [control.min, control.max]
    raise AssertionError(f"no sweep rule for {type(control).__name__}")


def _sweep(w: slw.Dashboard) -> int:
    """Move every control to each end (every option) and back; count the updates."""
    moves = 0
    for name, control in w.controls.items():
        start = control.value
        for v in _ends(control):
            control.value = v
            moves += 1
            assert w.last_error is None, f"{name}={v!r}: {w.last_error}"
        with w.hold_updates():  # the next control's first move redraws anyway
            control.value = start
    w.update()
    assert w.last_error is None, f"all controls back to their start: {w.last_error}"
    return moves


def _corners(w: slw.Dashboard) -> None:
    """All range controls at their minimum together, then at their maximum."""
    ranged = {k: c for k, c in w.controls.items() if hasattr(c, "min") and hasattr(c, "max")}
    start = {k: c.value for k, c in ranged.items()}
    for end in ("min", "max"):
        for c in ranged.values():
            c.value = getattr(c, end)
        assert w.last_error is None, f"all controls at {end}: {w.last_error}"
    for k, c in ranged.items():
        c.value = start[k]


@pytest.fixture(scope="module")
def pg() -> slw.Playground:
    return slw.playground(paths=PATHS, days=DAYS, seed=1)


# ----------------------------------------------------------------------------- playground


def test_playground_dom_contract(pg):
    assert "sl-playground" in pg._dom_classes
    assert "sl-scenario" in pg.controls["scenario"]._dom_classes
    assert isinstance(pg.controls["scenario"], widgets.Dropdown)
    assert list(pg.controls["scenario"].options) == [
        "Sideways",
        "Trend up",
        "Trend down",
        "High volatility",
        "Crash",
        "GBM",
        "BTC 2020-03 (real)",
        "BTC 2021-05 (real)",
        "BTCUSDT June 2022 hourly (real)",
    ]
    assert "sl-metrics" in pg.table._dom_classes and isinstance(pg.table, widgets.HTML)

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)

    everything = list(walk(pg))
    assert pg.controls["scenario"] in everything and pg.table in everything
    assert all(c in everything for c in pg.controls.values())
    assert sum(isinstance(w, widgets.Output) for w in everything) == 3


def test_playground_shows_valid_vega_lite_charts(pg, vega_lite_schema):
    for out in (pg.out_fan, pg.out_lev, pg.out_hist):
        spec = _spec(out)
        validate_jsonschema(spec, vega_lite_schema)
        assert spec["title"]["text"]
    fan = _data(_spec(pg.out_fan))
    assert set(fan["product"]) == {"Spot", "3x token", "Perpetual 10x", "Smart Leverage"}
    assert "<table" in pg.table.value and "Median return" in pg.table.value
    assert list(pg.metrics.index) == list(pg.results)


def test_playground_metrics_match_compare(pg):
    products = pg.products()
    expect = sl.compare(products, pg.market)
    pd.testing.assert_frame_equal(pg.metrics, expect, check_exact=False, rtol=1e-12)


def test_every_playground_control_moves_to_both_ends(pg):
    moves = _sweep(pg)
    assert moves >= 2 * len(pg.controls)
    _corners(pg)


@pytest.mark.parametrize("policy", ["Volatility target", "Band (BLVT-like)", "Trend", "CPPI floor"])
def test_smart_policy_at_both_leverage_ends(pg, policy):
    pg.controls["smart_policy"].value = policy
    for v in (pg.controls["smart_max"].min, pg.controls["smart_max"].max):
        pg.controls["smart_max"].value = v
        assert pg.last_error is None, f"{policy} at max leverage {v}: {pg.last_error}"
    pg.controls["smart_policy"].value = "Volatility target"
    pg.controls["smart_max"].value = 4.0


def test_token_rules_at_both_leverage_ends(pg):
    c = pg.controls
    for rules, costs in zip(c["token_rules"].options, itertools.cycle(c["costs"].options)):
        c["token_rules"].value = rules
        c["costs"].value = costs
        for v in (c["token_lev"].min, c["token_lev"].max):
            c["token_lev"].value = v
            assert pg.last_error is None, f"{rules} at {v}x, costs={costs}: {pg.last_error}"
    c["token_rules"].value = "Daily rebalance"
    c["costs"].value = "No costs"
    c["token_lev"].value = 3.0


def test_metrics_table_changes_with_the_scenario(pg):
    tables = {}
    for scenario in pg.controls["scenario"].options:
        pg.controls["scenario"].value = scenario
        assert pg.last_error is None
        tables[scenario] = pg.table.value
        assert pg.market.name == scenario
    assert len(set(tables.values())) == len(tables)
    pg.controls["scenario"].value = "GBM"


@pytest.mark.parametrize("scenario", list(slw.SCENARIOS))
def test_each_scenario_at_the_market_extremes(pg, scenario):
    c = pg.controls
    c["scenario"].value = scenario
    for end in ("min", "max"):
        with pg.hold_updates():
            for k in ("vol", "drift", "days"):
                c[k].value = getattr(c[k], end)
        pg.update()
        assert pg.last_error is None, f"{scenario} with market controls at {end}: {pg.last_error}"
        assert np.isfinite(pg.metrics["median_return"]).all()
    c["scenario"].value = "GBM"
    c["days"].value = DAYS


def test_scenario_presets_and_drift_switch(pg):
    c = pg.controls
    c["scenario"].value = "Trend down"
    assert (c["vol"].value, c["drift"].value) == (60.0, -50.0)
    assert not c["drift"].disabled
    c["scenario"].value = "Sideways"
    assert c["drift"].disabled and not c["vol"].disabled
    c["scenario"].value = "GBM"
    assert not c["drift"].disabled


def test_product_change_reuses_market_and_other_results(pg):
    c = pg.controls
    market, before = pg.market, dict(pg.results)
    c["perp_lev"].value = 20 if c["perp_lev"].value != 20 else 25
    assert pg.market is market
    assert pg.results["Spot"] is before["Spot"]
    assert pg.results["Smart Leverage"] is before["Smart Leverage"]
    c["seed"].value = c["seed"].value + 1
    assert pg.market is not market
    assert pg.results["Spot"] is not before["Spot"]


def test_view_options_redraw_only_their_charts(pg):
    fan, lev, hist = pg.out_fan.outputs, pg.out_lev.outputs, pg.out_hist.outputs
    options = list(pg.controls["path"].options)
    pg.controls["path"].value = options[(options.index(pg.controls["path"].value) + 1) % 3]
    assert pg.out_fan.outputs is fan and pg.out_hist.outputs is hist
    assert pg.out_lev.outputs is not lev
    pg.controls["log_nav"].value = not pg.controls["log_nav"].value
    assert pg.out_fan.outputs is not fan and pg.out_hist.outputs is hist
    spec = _spec(pg.out_fan)
    assert "log" in spec["layer"][0]["encoding"]["y"]["title"] or not pg.controls["log_nav"].value
    pg.controls["log_nav"].value = False
    pg.controls["path"].value = options[0]


def test_no_product_selected_is_not_an_error(pg):
    c = pg.controls
    for k in ("spot", "token", "perp", "smart"):
        c[k].value = False
    assert pg.last_error is None and pg.metrics.empty
    assert "No product" in pg.table.value
    for k in ("spot", "token", "perp", "smart"):
        c[k].value = True
    assert len(pg.metrics) == 4


def test_errors_are_shown_not_raised():
    pg = slw.playground(paths=5, days=30)

    def boom():
        raise ValueError("leverage must be positive, got -1")

    pg._render = boom
    pg.update()
    assert pg.last_error.startswith("ValueError: leverage")
    assert "sl-error" in pg.status.value


def test_playground_input_checks():
    with pytest.raises(ValueError, match="paths"):
        slw.playground(paths=0)
    with pytest.raises(ValueError, match="days"):
        slw.playground(days=5)
    with pytest.raises(TypeError, match="seed"):
        slw.playground(seed="a")


def test_playground_generates_each_market_once(monkeypatch):
    from smartlev.market import Market

    pg = slw.playground(paths=PATHS, days=DAYS, seed=1)
    calls = []
    assemble = Market._assemble

    def counting(self, *args):
        calls.append(args[:2])
        return assemble(self, *args)

    monkeypatch.setattr(Market, "_assemble", counting)
    pg.controls["seed"].value = 2  # a new market: four products run on it
    assert pg.last_error is None and len(pg.results) == 4
    assert calls == [(0, PATHS)] and not pg.market.is_lazy  # generated once, then kept
    pg.controls["smart_max"].value = 5.0  # a product dial: the same market, from memory
    assert calls == [(0, PATHS)]


def test_playground_charts_are_the_builders_charts():
    """The playground sends the builders' dicts (their spec); they are the charts."""
    pg = slw.playground(paths=PATHS, days=DAYS, seed=3)
    pg.controls["log_nav"].value = True
    r = pg.results
    t = pg.market.time_days
    fan = plots.nav_fan(
        t,
        {k: v.nav for k, v in r.items()},
        title=f"NAV across {PATHS} paths - {pg.market.name}",
        log_scale=True,
        width=380,
        height=240,
        max_points=150,
    )
    assert _spec(pg.out_fan) == fan.to_dict()


def test_show_chart_takes_a_chart_or_its_dict():
    from smartlev.teach._dashboard import show_chart

    chart = plots.nav_fan(None, {"Spot": np.ones((3, 5))})
    a, b = widgets.Output(), widgets.Output()
    show_chart(a, chart)
    show_chart(b, plots.nav_fan.spec(None, {"Spot": np.ones((3, 5))}))
    assert a.outputs == b.outputs


def test_playground_update_seconds_reports_each_kind():
    t = slw.playground_update_seconds(paths=10, days=30, repeats=1)
    assert set(t) == {
        "product_change",
        "market_change",
        "redraw",
        "market_change_simulate",
        "market_change_draw",
    }
    assert all(np.isfinite(v) and v > 0 for v in t.values())


@pytest.mark.parametrize("scenario", [k for k, s in slw.SCENARIOS.items() if not s.replay])
def test_make_market_each_scenario(scenario):
    m = slw.make_market(scenario, vol=50, drift=20, days=40, paths=7, seed=3)
    assert (m.paths, m.steps, m.steps_per_day, m.name) == (7, 40, 1, scenario)
    assert m.has_bars  # renaming keeps the highs and lows the intrabar triggers use
    again = slw.make_market(scenario, vol=50, drift=20, days=40, paths=7, seed=3)
    np.testing.assert_array_equal(m.prices, again.prices)


def test_make_market_rejects_unknown_scenario():
    with pytest.raises(ValueError, match="scenario"):
        slw.make_market("Moon")


def test_metrics_html_formats_units():
    df = pd.DataFrame(
        {"median_return": [-0.25], "leverage_mean": [2.5], "rebalances": [12.0]},
        index=pd.Index(["Smart Leverage"], name="product"),
    )
    text = slw.metrics_html(df)
    assert "-25.0%" in text and "2.50x" in text and "12.0" in text
    assert plots.color_for("Smart Leverage") in text


# ----------------------------------------------------------------------------- explorers


@pytest.mark.parametrize(
    "builder", [slw.decay_explorer, slw.liquidation_explorer, slw.path_explorer]
)
def test_every_explorer_control_moves_to_both_ends(builder):
    w = builder()
    assert "sl-explorer" in w._dom_classes
    assert w.last_error is None
    assert _sweep(w) >= 2 * len(w.controls)
    _corners(w)


def test_decay_explorer_no_volatility_no_decay():
    w = slw.decay_explorer()
    w.controls["vol"].value = 0.0
    assert w.last_error is None
    assert "<b>1.000</b>" in w.children[-2].value  # readout: token NAV back to 1 exactly
    w.controls["vol"].value = 150.0
    assert "<b>1.000</b>" not in w.children[-2].value


def test_liquidation_explorer_price_matches_theory():
    w = slw.liquidation_explorer()
    w.controls["leverage"].value = 10.0
    w.controls["mmr"].value = 0.4
    spec = next(o.outputs[0]["data"][VEGA] for o in w.children if isinstance(o, widgets.Output))
    lp = sl.theory.liquidation_price(100.0, 10.0, "long", 0.004)
    assert f"{lp:,.2f}" in spec["title"]["text"]
    # leverage above what the margin allows is capped, with a note, not an error
    w.controls["mmr"].value = 5.0
    w.controls["leverage"].value = 125.0
    assert w.last_error is None
    assert "largest usable leverage" in w.children[-2].value


def test_path_explorer_routes_share_start_and_end():
    w = slw.path_explorer()
    w.controls["end_change"].value = 20
    box = next(
        c
        for c in w.children
        if type(c) is widgets.Box and isinstance(c.children[0], widgets.Output)
    )
    prices = _data(box.children[0].outputs[0]["data"][VEGA])
    ends = prices[prices["day"] == prices["day"].max()].groupby("series")["value"].first()
    starts = prices[prices["day"] == 0].groupby("series")["value"].first()
    np.testing.assert_allclose(ends.to_numpy(), 120.0, rtol=1e-4)
    np.testing.assert_allclose(starts.to_numpy(), 100.0, rtol=1e-4)


# ----------------------------------------------------------------------------- playground set-up


def test_playground_starting_dials_are_parameters():
    pg = slw.playground(
        paths=20,
        days=90,
        seed=7,
        scenario="Trend up",
        scenarios={"Trend up": {"drift": 150}, "Crash": {"drop": 0.3}},
        products=("spot", "token", "smart"),
        token_rules="FTX-style (daily + 4/3 cap)",
        perp_leverage=3,
        costs="Fees and funding",
    )
    c = pg.controls
    assert pg.last_error is None
    assert (c["scenario"].value, c["drift"].value, c["days"].value) == ("Trend up", 150.0, 90)
    assert not c["perp"].value and list(pg.metrics.index) == ["Spot", "3x token", "Smart Leverage"]
    assert pg.scenarios["Crash"].params["drop"] == 0.3
    c["perp"].value = True
    products = pg.products()
    assert products["3x token"] == sl.LeveragedToken.ftx(3.0)  # the issuer's fee, nothing else
    assert products["Perpetual 3x"] == sl.Perpetual(3.0, fee=0.0005, funding_rate=0.0001)
    assert products["Smart Leverage"] == sl.SmartLeverage(management_fee=0.0001)


def test_playground_costs_levels():
    pg = slw.playground(paths=10, days=30, token_rules="FTX-style (daily + 4/3 cap)")
    c = pg.controls
    c["costs"].value = "No costs"
    none = pg.products()
    assert none["3x token"].management_fee == 0.0 and none["Perpetual 10x"].fee == 0.0
    c["costs"].value = "Fees, funding and trading costs"
    everything = pg.products()
    assert everything["3x token"].trading_cost == 0.0005
    assert everything["Smart Leverage"].funding_rate == 0.0001
    assert "0.05%" in pg.cost_help.value
    assert pg.last_error is None


def test_playground_rejects_bad_starting_dials():
    with pytest.raises(ValueError, match="products"):
        slw.playground(paths=5, days=30, products=("spot", "bond"))
    with pytest.raises(TypeError, match="products"):
        slw.playground(paths=5, days=30, products="spot")
    with pytest.raises(ValueError, match="token_rules"):
        slw.playground(paths=5, days=30, token_rules="Weekly")
    with pytest.raises(ValueError, match="costs"):
        slw.playground(paths=5, days=30, costs="some")
    with pytest.raises(ValueError, match="Moon"):
        slw.playground(paths=5, days=30, scenarios={"Moon": {"drift": 1000}})
    with pytest.raises(ValueError, match="scenario"):
        slw.playground(paths=5, days=30, scenario="Moon")


def test_one_more_scenario_is_one_entry():
    """A replay of fixed prices (as sl.data.market will give) needs no playground change."""
    prices = 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.04, (3, 120)), axis=1))

    def replay(days, paths, seed, **_):
        return sl.Market.from_prices(prices[:, : days + 1], steps_per_day=1)

    extra = slw.Scenario("Replay", replay, vol=None, drift=None, help="fixed prices")
    pg = slw.playground(
        paths=3, days=60, scenarios=[*slw.SCENARIOS.values(), extra], scenario="Replay"
    )
    assert pg.last_error is None and pg.market.name == "Replay"
    assert pg.controls["vol"].disabled and pg.controls["drift"].disabled
    np.testing.assert_array_equal(pg.market.prices, prices[:, :61])
    pg.controls["scenario"].value = "GBM"
    assert not pg.controls["vol"].disabled and pg.last_error is None


def test_scenario_but_changes_presets_and_params():
    s = slw.SCENARIOS["Crash"].but(drop=0.25, vol=50.0)
    assert (s.vol, s.params["drop"]) == (50.0, 0.25)
    assert slw.SCENARIOS["Crash"].params["drop"] == 0.4  # the default is untouched
    assert s.market(days=20, paths=2, seed=1).name == "Crash"


def test_histogram_counts_liquidated_paths_apart_and_table_explains_peak_leverage():
    pg = slw.playground(paths=60, days=365, seed=0, perp_leverage=20)
    spec = _spec(pg.out_hist)
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert any("ended at 0: Perpetual 20x" in line for line in spec["title"]["subtitle"])
    assert "Peak leverage, typical path" in pg.table.value
    assert "1 / maintenance margin" in pg.note.value
    pg.controls["perp"].value = False
    assert pg.note.value == ""


def test_playground_has_no_thread_pool():
    import smartlev.teach.playground as module

    assert not hasattr(module, "_executor") and not hasattr(slw, "_executor")


def test_controls_have_their_label_above_and_sliders_show_values(pg):
    for name, control in pg.controls.items():
        if isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
            assert control.readout, name
        if isinstance(control, (widgets.FloatSlider, widgets.IntSlider, widgets.Dropdown)):
            assert control.description == "" and control.sl_label, name


# ----------------------------------------------------------------------------- real-price replays

REPLAYS = [k for k, s in slw.SCENARIOS.items() if s.replay]


def test_replay_scenarios_are_offered_next_to_the_generated_ones():
    assert {"BTC 2020-03 (real)", "BTC 2021-05 (real)", "BTCUSDT June 2022 hourly (real)"} <= set(
        REPLAYS
    )
    assert list(slw.SCENARIOS)[: len(slw.SCENARIOS) - len(REPLAYS)][0] == "Sideways"


@pytest.mark.parametrize("scenario", REPLAYS)
def test_replay_is_the_real_history_whatever_the_dials(scenario):
    s = slw.SCENARIOS[scenario]
    p = s.params
    real = sl.data.market(p["dataset"], p["start"], p["end"], missing="ffill")
    m = s.market(vol=50, drift=20, days=40, paths=7, seed=3)
    assert (m.paths, m.name, m.steps_per_day) == (1, scenario, real.steps_per_day)
    np.testing.assert_array_equal(m.prices, real.prices)
    np.testing.assert_array_equal(m.low, real.low)  # bars kept: wicks act inside the bar
    np.testing.assert_array_equal(m.timestamps, real.timestamps)


def test_playground_replays_real_prices_one_path():
    pg = slw.playground(paths=40, days=60, seed=2, scenario="BTC 2020-03 (real)")
    c = pg.controls
    assert pg.last_error is None and pg.market.paths == 1
    assert all(c[k].disabled for k in ("vol", "drift", "days", "seed"))
    # 2020-03-12 fell 37 % from the close before: a daily-rebalanced 3x token is wiped out
    # (the fall passes 1/3), the 10x long is liquidated, spot and Smart Leverage survive
    assert pg.metrics.shape[0] == 4
    assert pg.results["3x token"].wiped_out[0] and pg.results["Perpetual 10x"].liquidated[0]
    assert 0 < pg.results["Smart Leverage"].final_nav[0] < pg.results["Spot"].final_nav[0] < 1
    # one path: the histogram becomes one bar per product with the final NAVs
    chart = pg._drawn["hist"]
    assert chart is not None
    market = pg.market
    c["days"].value = 90  # disabled and ignored: the same market object, no re-run
    assert pg.market is market
    # the hourly replay: 24 steps a day, a month of bars
    c["scenario"].value = "BTCUSDT June 2022 hourly (real)"
    assert pg.last_error is None and pg.market.steps_per_day == 24
    assert pg.market.steps > 700
    # back to a generated market: the dials come back and the paths too
    c["scenario"].value = "GBM"
    assert not any(c[k].disabled for k in ("vol", "drift", "days", "seed"))
    assert pg.market.paths == 40 and pg.market.steps == 90  # the horizon set above


def test_replay_redraw_latency_is_reasonable():
    import time

    pg = slw.playground(paths=200, days=60, seed=0, scenario="GBM")
    times = {}
    for scenario in REPLAYS:
        t0 = time.perf_counter()
        pg.controls["scenario"].value = scenario
        times[scenario] = time.perf_counter() - t0
        assert pg.last_error is None
    assert max(times.values()) < 5.0, times
