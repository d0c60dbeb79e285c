"""Tests of smartlev.teach.plots: colours, row budgets, chart specs and input checks."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartlev.teach import plots

RNG = np.random.default_rng(7)
HOURLY_T = 365 * 24 + 1
TIME_HOURLY = np.arange(HOURLY_T) / 24.0


def _navs(paths: int, T: int, leverages=(1, 3, 5, 2), seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 0.8 / np.sqrt(365 * (T - 1) / 365), (paths, T - 1))
    names = ["Spot", "3x token", "Perpetual", "Smart Leverage"]
    out = {}
    for name, lev in zip(names, leverages, strict=False):
        growth = np.cumprod(np.clip(1 + lev * r, 0.0, None), axis=1)
        out[name] = np.concatenate([np.ones((paths, 1)), growth], axis=1)
    return out


@pytest.fixture(scope="module")
def hourly_navs() -> dict[str, np.ndarray]:
    return _navs(60, HOURLY_T)


def _spec(chart) -> dict:
    return chart.to_dict()  # validates against the Vega-Lite schema


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _encodings(spec: dict) -> list[dict]:
    return [layer.get("encoding", {}) for layer in _layers(spec)]


def _axis_titles(spec: dict) -> tuple[set, set]:
    xs, ys = set(), set()
    for enc in _encodings(spec):
        if "title" in enc.get("x", {}):
            xs.add(enc["x"]["title"])
        if "title" in enc.get("y", {}):
            ys.add(enc["y"]["title"])
    return xs, ys


def _has_legend(spec: dict) -> bool:
    return any(
        "color" in enc and enc["color"].get("legend", {}) is not None for enc in _encodings(spec)
    )


# ----------------------------------------------------------------------------- setup, colours


def test_import_enables_mimetype_renderer():
    assert alt.renderers.active == "mimetype"
    alt.renderers.enable("default")
    try:
        assert plots.setup() == "mimetype"
    finally:
        alt.renderers.enable("mimetype")
    bundle = plots.price_chart(None, [1.0, 2.0])._repr_mimebundle_()
    if isinstance(bundle, tuple):
        bundle = bundle[0]
    assert "application/vnd.vegalite.v5+json" in bundle


def test_product_colors_are_okabe_ito_and_distinct():
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00"}
    okabe_ito.add("#CC79A7")
    assert set(plots.PRODUCT_COLORS) == {
        "Spot",
        "3x token",
        "Inverse token",
        "Perpetual",
        "Smart Leverage",
        "Structured",
    }
    assert set(plots.PRODUCT_COLORS.values()) <= okabe_ito
    assert len(set(plots.PRODUCT_COLORS.values())) == len(plots.PRODUCT_COLORS)
    assert not set(plots.FALLBACK_COLORS) & set(plots.PRODUCT_COLORS.values())


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Spot", "Spot"),
        ("Perpetual 10x", "Perpetual"),
        ("perp 5x", "Perpetual"),
        ("Smart Leverage (vol target)", "Smart Leverage"),
        ("Bybit 3x token", "3x token"),
        ("Inverse token -3x", "Inverse token"),
        ("Structured (Bybit)", "Structured"),
    ],
)
def test_color_for_matches_family(name, family):
    assert plots.color_for(name) == plots.PRODUCT_COLORS[family]


def test_color_for_fallback_is_stable_and_from_palette():
    c = plots.color_for("regime A")
    assert c in plots.FALLBACK_COLORS
    assert plots.color_for("regime A") == c
    with pytest.raises(TypeError, match="name"):
        plots.color_for(3)


def test_product_scale_gives_distinct_colours_and_keeps_families():
    names = ["FTX 3x token", "3x token", "Spot", "Bybit 3x token", "A", "B", "Perpetual 20x"]
    s = plots.product_scale(names).to_dict()
    assert s["domain"] == names
    cmap = dict(zip(s["domain"], s["range"], strict=True))
    assert len(set(cmap.values())) == len(names)
    assert cmap["3x token"] == plots.PRODUCT_COLORS["3x token"]  # exact name wins
    assert cmap["Spot"] == plots.PRODUCT_COLORS["Spot"]
    assert cmap["Perpetual 20x"] == plots.PRODUCT_COLORS["Perpetual"]
    # the same mapping in every chart that shows the same names
    assert plots.product_scale(names).to_dict() == s
    # duplicates are ignored, many names still get colours
    many = plots.product_scale([f"s{i}" for i in range(30)] + ["s1"]).to_dict()
    assert len(many["domain"]) == 30 == len(many["range"])
    with pytest.raises(TypeError, match="names"):
        plots.product_scale("Spot")


# ----------------------------------------------------------------------------- utilities


def test_thin_index_keeps_ends_and_budget():
    idx = plots.thin_index(HOURLY_T, 400)
    assert idx[0] == 0 and idx[-1] == HOURLY_T - 1
    assert len(idx) <= 400
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(plots.thin_index(5, 400), np.arange(5))
    with pytest.raises(ValueError, match="max_points"):
        plots.thin_index(10, 1)


# ----------------------------------------------------------------------------- builders


def test_nav_paths_budget_and_spec(hourly_navs):
    c = plots.nav_paths(TIME_HOURLY, hourly_navs, n_paths=20)
    spec = _spec(c)
    df = plots.chart_data(c)
    assert len(df) <= plots.MAX_ROWS
    assert df["day"].min() == 0 and df["day"].max() == pytest.approx(365.0)
    assert df.groupby(["product", "path"]).size().max() <= plots.MAX_TIME_POINTS
    assert list(df["product"].unique()) == list(hourly_navs)
    # the same path indices for every product
    paths = df.groupby("product")["path"].unique()
    assert all(set(p) == set(paths.iloc[0]) for p in paths)
    assert spec["title"]["text"] == "Sample NAV paths"
    xs, ys = _axis_titles(spec)
    assert xs == {"Time (days)"} and ys == {"NAV (start = 1)"}
    assert _has_legend(spec)


def test_nav_paths_few_paths_keeps_up_to_400_points():
    navs = _navs(3, HOURLY_T)
    df = plots.chart_data(plots.nav_paths(TIME_HOURLY, {"Spot": navs["Spot"]}, n_paths=2))
    assert df.groupby("path").size().tolist() == [400, 400]


def test_nav_paths_log_scale_clips_zero():
    navs = {"Perpetual": np.array([[1.0, 0.5, 0.0, 0.0]])}
    c = plots.nav_paths(None, navs, log_scale=True)
    spec = _spec(c)
    assert plots.chart_data(c)["nav"].min() > 0
    assert any(enc.get("y", {}).get("scale", {}).get("type") == "log" for enc in _encodings(spec))


def test_nav_fan_matches_numpy_percentiles(hourly_navs):
    c = plots.nav_fan(TIME_HOURLY, hourly_navs)
    spec = _spec(c)
    df = plots.chart_data(c)
    assert len(df) <= plots.MAX_ROWS
    last = df[(df["product"] == "3x token") & (df["day"] == df["day"].max())].iloc[0]
    expect = np.percentile(hourly_navs["3x token"][:, -1], [5, 25, 50, 75, 95])
    got = last[["p5", "p25", "p50", "p75", "p95"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, expect, rtol=1e-4)
    assert "5-95%" in spec["title"]["subtitle"]
    assert _has_legend(spec)
    areas = [layer for layer in spec["layer"] if layer["mark"]["type"] == "area"]
    assert len(areas) == 2


def test_nav_fan_log_scale_does_not_stack():
    c = plots.nav_fan(None, _navs(20, 30), log_scale=True)
    for enc in _encodings(_spec(c)):
        assert enc["x"].get("stack", "none") is None
        assert enc["y"].get("stack", "none") is None


@settings(max_examples=25, deadline=None)
@given(
    paths=st.integers(1, 30),
    T=st.integers(2, 50),
    seed=st.integers(0, 10_000),
)
def test_nav_fan_bands_are_ordered(paths, T, seed):
    rng = np.random.default_rng(seed)
    navs = {"A": rng.lognormal(0, 0.3, (paths, T)), "Spot": rng.lognormal(0, 0.1, (paths, T))}
    df = plots.chart_data(plots.nav_fan(np.arange(T) * 0.5, navs))
    cols = ["p5", "p25", "p50", "p75", "p95"]
    vals = df[cols].to_numpy()
    assert np.all(np.diff(vals, axis=1) >= -1e-4 * np.abs(vals[:, 1:]))


@pytest.mark.parametrize(
    ("percentiles", "ok"),
    [((10, 90), True), ((50,), True), ((5, 50, 95), True), ((5, 25, 75), False), (("a",), False)],
)
def test_nav_fan_percentile_pairs(percentiles, ok):
    navs = {"Spot": np.ones((4, 5))}
    if ok:
        _spec(plots.nav_fan(None, navs, percentiles=percentiles))
    else:
        with pytest.raises((ValueError, TypeError), match="percentiles"):
            plots.nav_fan(None, navs, percentiles=percentiles)


def test_price_chart_one_path_many_paths_dict_and_hlines():
    c1 = plots.price_chart(np.arange(4.0), [100, 101, 102, 99])
    assert len(plots.chart_data(c1)) == 4
    c2 = plots.price_chart(TIME_HOURLY, 100 * _navs(50, HOURLY_T)["Spot"], n_paths=10)
    df2 = plots.chart_data(c2)
    assert df2["path"].nunique() == 10 and len(df2) <= plots.MAX_ROWS
    c3 = plots.price_chart(
        None,
        {"order A": [100, 90, 110, 100], "order B": [100, 110, 90, 100]},
        hlines={"Liquidation price": 91.0},
        title="Same start, same end",
    )
    spec = _spec(c3)
    assert spec["title"]["text"] == "Same start, same end"
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["order A", "order B", "Liquidation price"]
    assert len(set(scale["range"])) == 3
    _, ys = _axis_titles(spec)
    assert "Price (USD)" in ys


def test_leverage_chart_markers_by_reason():
    T = 24 * 30 + 1
    codes = np.zeros(T, dtype=np.int8)
    codes[::24] = 1
    codes[100] = 3
    lev = {"3x token": np.full(T, 3.0), "Smart Leverage": np.linspace(1.5, 3.5, T)}
    c = plots.leverage_chart(np.arange(T) / 24, lev, codes, {1: "schedule", 3: "breaker"})
    spec = _spec(c)
    df = plots.chart_data(c)
    markers = df[df["kind"] == "marker"]
    assert set(markers["reason"]) == {"schedule", "breaker"}
    assert (markers["product"] == "Smart Leverage").all()
    assert len(markers) == np.count_nonzero(codes)
    assert spec["resolve"]["scale"]["color"] == "independent"
    xs, ys = _axis_titles(spec)
    assert ys == {"Effective leverage (x)"}
    # unknown codes get a generic label; markers may sit on another series
    c2 = plots.leverage_chart(None, lev, codes, None, reasons_for="3x token")
    m2 = plots.chart_data(c2).query("kind == 'marker'")
    assert set(m2["reason"]) == {"code 1", "code 3"} and set(m2["product"]) == {"3x token"}


def test_leverage_chart_thins_frequent_markers_keeps_rare():
    T = 24 * 365 + 1
    codes = np.ones(T, dtype=np.int8)  # a trade every hour
    codes[5000] = 4
    c = plots.leverage_chart(None, {"Smart Leverage": np.full(T, 2.0)}, codes, {4: "breaker"})
    df = plots.chart_data(c)
    assert len(df) <= plots.MAX_ROWS
    assert "breaker" in set(df["reason"])


def test_leverage_chart_input_checks():
    with pytest.raises(ValueError, match="one path"):
        plots.leverage_chart(None, {"a": np.ones((3, 5))})
    with pytest.raises(ValueError, match="reasons"):
        plots.leverage_chart(None, {"a": np.ones(5)}, np.zeros(4))
    with pytest.raises(ValueError, match="reasons_for"):
        plots.leverage_chart(None, {"a": np.ones(5)}, np.zeros(5), reasons_for="b")


def test_outcome_histogram_shares_and_clipping():
    rng = np.random.default_rng(3)
    finals = {"Spot": rng.lognormal(0, 0.6, 2000), "3x token": np.r_[np.zeros(100), np.ones(900)]}
    c = plots.outcome_histogram(finals, bins=30, bin_range=(0.5, 2.0))
    df = plots.chart_data(c)
    assert len(df) == 60
    sums = df.groupby("product")["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 100.0, rtol=1e-3)
    tok = df[df["product"] == "3x token"]
    assert tok["share"].iloc[0] == pytest.approx(10.0)  # zeros counted in the first bin
    spec = _spec(c)
    xs, ys = _axis_titles(spec)
    assert ys == {"Share of paths (%)"} and "Final NAV (start = 1)" in xs
    log = plots.chart_data(plots.outcome_histogram(finals, log_x=True))
    assert log["bin_start"].min() > 0


def test_outcome_histogram_constant_values_and_bad_range():
    _spec(plots.outcome_histogram({"Spot": np.ones(10)}))
    _spec(plots.outcome_histogram({"Perpetual": np.zeros(10)}, log_x=True))
    with pytest.raises(ValueError, match="bin_range"):
        plots.outcome_histogram({"Spot": np.ones(10)}, bin_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="bins"):
        plots.outcome_histogram({"Spot": np.ones(10)}, bins=1)


def test_outcome_box_summary():
    v = np.linspace(0, 2, 201)
    c = plots.outcome_box({"Spot": v, "Smart Leverage": v**2})
    df = plots.chart_data(c).set_index("product")
    assert df.loc["Spot", "p50"] == pytest.approx(1.0)
    assert df.loc["Spot", "p5"] == pytest.approx(0.1)
    assert df.loc["Smart Leverage", "mean"] == pytest.approx(np.mean(v**2), rel=1e-4)
    spec = _spec(c)
    assert "whiskers" in spec["title"]["subtitle"]


def test_metrics_bar_from_compare_like_frame():
    df = pd.DataFrame(
        {"median_nav": [1.0, 0.7, 0.0], "prob_loss": [0.5, 0.6, 0.9]},
        index=pd.Index(["Spot", "3x token", "Perpetual"], name="product"),
    )
    c = plots.metrics_bar(df, "prob_loss", "Chance of a loss", percent=True)
    spec = _spec(c)
    assert plots.chart_data(c)["value"].tolist() == [50.0, 60.0, 90.0]
    assert spec["title"]["text"] == "Chance of a loss"
    _, ys = _axis_titles(spec)
    assert ys == {"prob loss (%)"}
    with pytest.raises(ValueError, match="metric"):
        plots.metrics_bar(df, "sharpe")
    with pytest.raises(TypeError, match="df"):
        plots.metrics_bar({"a": 1}, "a")
    # a 'product' column works as well as the index
    c2 = plots.metrics_bar(df.reset_index(), "median_nav")
    assert plots.chart_data(c2)["product"].tolist() == ["Spot", "3x token", "Perpetual"]


def test_scatter_final_single_dict_curve_and_thinning():
    x = np.exp(RNG.normal(0, 0.5, 10_000))
    c = plots.scatter_final(x, x**3, name="3x token", curve_x=x[:500], curve_y=x[:500] ** 3)
    df = plots.chart_data(c)
    assert (df["kind"] == "path").sum() <= plots.MAX_ROWS
    assert df.query("kind == 'curve'")["x"].is_monotonic_increasing
    spec = _spec(c)
    xs, ys = _axis_titles(spec)
    assert xs == {"Final price / start price"} and ys == {"Final NAV (start = 1)"}
    c2 = plots.scatter_final({"Spot": (x[:10], x[:10]), "3x token": (x[:10], x[:10] ** 3)})
    assert set(plots.chart_data(c2)["series"]) == {"Spot", "3x token"}
    with pytest.raises(ValueError, match="y"):
        plots.scatter_final(x)
    with pytest.raises(ValueError, match="curve"):
        plots.scatter_final(x, x, curve_x=x)
    with pytest.raises(ValueError, match="log"):
        plots.scatter_final(np.array([0.0, 1.0]), np.ones(2), log_x=True)


def test_line_chart_thins_and_escapes_columns():
    n = 5000
    df = pd.DataFrame(
        {
            "leverage (x)": np.tile(np.linspace(0, 5, n), 2),
            "growth.rate": np.arange(2 * n, dtype=float),
            "product": ["Spot"] * n + ["3x token"] * n,
        }
    )
    c = plots.line_chart(
        df, "leverage (x)", "growth.rate", "product", "Growth", "Leverage (x)", "Growth (%)"
    )
    spec = _spec(c)
    data = plots.chart_data(c)
    assert len(data) <= plots.MAX_ROWS
    assert spec["title"]["text"] == "Growth"
    xs, ys = _axis_titles(spec)
    assert xs == {"Leverage (x)"} and ys == {"Growth (%)"}
    with pytest.raises(ValueError, match="nope"):
        plots.line_chart(df, "nope", "growth.rate")
    # no colour column: no legend needed, still valid
    _spec(plots.line_chart(df.head(10), "leverage (x)", "growth.rate", title="t", hline=1.0))


def test_bar_chart_grouped_and_stacked():
    df = pd.DataFrame(
        {"regime": ["trend", "trend", "crash", "crash"], "nav": [1.2, 2.0, 0.5, 0.0]}
        | {"product": ["Spot", "3x token"] * 2}
    )
    g = _spec(plots.bar_chart(df, "regime", "nav", "product", "Median NAV"))
    assert g["encoding"]["xOffset"]["field"] == "product"
    s = _spec(plots.bar_chart(df, "regime", "nav", "product", "Median NAV", grouped=False))
    assert "xOffset" not in s["encoding"]


# ----------------------------------------------------------------------------- size, checks


def test_chart_json_stays_small(hourly_navs):
    finals = {k: v[:, -1] for k, v in hourly_navs.items()}
    charts = [
        plots.nav_paths(TIME_HOURLY, hourly_navs),
        plots.nav_fan(TIME_HOURLY, hourly_navs),
        plots.price_chart(TIME_HOURLY, 100 * hourly_navs["Spot"]),
        plots.leverage_chart(TIME_HOURLY, {k: v[0] for k, v in hourly_navs.items()}),
        plots.outcome_histogram(finals),
        plots.outcome_box(finals),
    ]
    for c in charts:
        assert len(json.dumps(c.to_dict())) < 150_000


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plots.nav_paths(None, {}), "navs"),
        (lambda: plots.nav_paths(None, {"a": np.ones(3), "b": np.ones(4)}), "same number"),
        (lambda: plots.nav_paths(np.arange(2), {"a": np.ones(3)}), "time_days"),
        (lambda: plots.nav_paths(None, {"a": [1.0, np.nan]}), "navs"),
        (lambda: plots.nav_paths(None, {"a": np.ones(3)}, n_paths=0), "n_paths"),
        (lambda: plots.nav_fan(None, {"a": np.ones((2, 2, 2))}), "navs"),
        (lambda: plots.price_chart(None, "abc"), "prices"),
        (lambda: plots.price_chart(None, [1.0, 2.0], width=10), "width"),
        (lambda: plots.price_chart(None, [1.0, 2.0], hlines=[1.0]), "hlines"),
        (lambda: plots.outcome_histogram({"a": np.ones((2, 2))}), "final_navs"),
        (lambda: plots.nav_fan(None, {"a": np.ones(3)}, title=3), "title"),
    ],
)
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_line_chart_dashed_series():
    df = pd.DataFrame(
        {"t": [0, 1, 0, 1], "v": [1, 2, 1, 3], "s": ["3x token"] * 2 + ["Theory"] * 2}
    )
    spec = _spec(plots.line_chart(df, "t", "v", "s", "decay", dashed=["Theory"]))
    dashes = [layer["mark"].get("strokeDash") for layer in spec["layer"]]
    assert dashes[:2] == [None, [6, 3]]
    with pytest.raises(ValueError, match="dashed"):
        plots.line_chart(df, "t", "v", dashed=["Theory"])
    with pytest.raises(TypeError, match="dashed"):
        plots.line_chart(df, "t", "v", "s", dashed="Theory")


def test_outcome_histogram_says_when_end_bins_hold_the_tail():
    finals = {"Perpetual": np.r_[np.zeros(50), np.linspace(0.5, 2, 940), np.full(10, 40.0)]}
    spec = _spec(plots.outcome_histogram(finals))
    assert any("last bin includes all NAVs above" in line for line in spec["title"]["subtitle"])
    df = plots.chart_data(plots.outcome_histogram(finals))
    assert df["share"].iloc[-1] >= 1.0  # the 1% of big winners sit in the last bin


def test_outcome_histogram_can_count_zeros_apart():
    finals = {
        "Perpetual 10x": np.r_[np.zeros(600), np.linspace(0.5, 3, 400)],
        "Spot": np.linspace(0.5, 2, 1000),
    }
    c = plots.outcome_histogram(finals, log_x=True, zeros="apart")
    df = plots.chart_data(c)
    shares = df.groupby("product")["share"].sum()
    np.testing.assert_allclose(shares["Perpetual 10x"], 40.0, atol=0.01)
    np.testing.assert_allclose(shares["Spot"], 100.0, atol=0.01)
    assert df["bin_start"].min() >= 0.49  # no bin stretched down to the clipped zeros
    sub = _spec(c)["title"]["subtitle"]
    assert any("ended at 0: Perpetual 10x 60%" in line for line in sub)
    # every path at zero: empty bars, no error
    c = plots.outcome_histogram({"Perpetual": np.zeros(10)}, zeros="apart")
    assert plots.chart_data(c)["share"].sum() == 0
    with pytest.raises(ValueError, match="zeros"):
        plots.outcome_histogram(finals, zeros="drop")


def test_fallback_colours_keep_away_from_colours_in_the_chart():
    # lesson 06: three variants of Smart Leverage beside the four families
    names = [
        "Spot",
        "3x token",
        "Perpetual",
        "Smart Leverage",
        "Smart Leverage, breaker 5 %",
        "Smart Leverage, no breaker",
        "Smart Leverage, max 2x",
    ]
    colours = plots.product_scale(names).to_dict()["range"]
    assert len(set(colours)) == len(names)
    for i, a in enumerate(colours):
        for b in colours[:i]:
            assert plots.color_distance(a, b) >= plots.MIN_COLOR_DISTANCE, (a, b)
    assert "#44AA99" not in colours  # Tol's teal is too close to Smart Leverage's green


def test_color_distance_is_a_metric_on_the_palette():
    assert plots.color_distance("#000000", "#000000") == 0.0
    a, b = "#009E73", "#44AA99"
    assert plots.color_distance(a, b) == pytest.approx(plots.color_distance(b, a))
    assert plots.color_distance(a, b) < plots.MIN_COLOR_DISTANCE


def test_scatter_final_legend_draws_the_curve_as_a_dashed_line():
    r = np.linspace(0.5, 1.5, 50)
    spec = _spec(
        plots.scatter_final(
            100 * r,
            100 * r**3,
            name="3x token",
            curve_x=100 * r,
            curve_y=100 * r,
            curve_name="3 x the price move",
        )
    )
    dots, curve = spec["layer"]
    assert dots["mark"]["type"] == "circle"
    assert dots["encoding"]["color"]["scale"]["domain"] == ["3x token"]
    assert dots["encoding"]["color"]["legend"]["symbolType"] == "circle"
    dash = curve["encoding"]["strokeDash"]
    assert dash["scale"] == {"domain": ["3 x the price move"], "range": [[6, 3]]}
    assert dash["legend"]["symbolType"] == "stroke"
    assert (
        curve["mark"]["color"]
        == plots.product_scale(["3x token", "3 x the price move"]).to_dict()["range"][1]
    )
    assert "color" not in curve["encoding"]  # its own legend entry, not a dot in the colour one


# ----------------------------------------------------------------------------- fast redraws


def _spec_cases():
    navs = _navs(40, 61, seed=3)
    t = np.arange(61.0)
    lev = {k: 1.0 + 0.01 * np.cumsum(np.abs(RNG.normal(size=61))) for k in navs}
    codes = np.zeros(61, dtype=np.int8)
    codes[[0, 3, 7, 30]] = [1, 2, 2, 5]
    finals = {k: v[:, -1] for k, v in navs.items()}
    finals["Perpetual"][:10] = 0.0
    return [
        (plots.nav_fan, (t, navs), {"title": "NAV", "width": 380, "max_points": 20}),
        (plots.nav_fan, (None, navs), {"log_scale": True, "percentiles": (10, 50, 90)}),
        (plots.nav_fan, (t, navs["Spot"]), {"percentiles": ()}),
        (plots.leverage_chart, (t, lev, codes, {1: "entry", 2: "band"}), {"title": "Path 3"}),
        (plots.leverage_chart, (t, lev), {"max_points": 30}),
        (plots.leverage_chart, (None, lev["Spot"], np.zeros(61)), {}),
        (plots.outcome_histogram, (finals,), {"bins": 30, "log_x": True, "zeros": "apart"}),
        (plots.outcome_histogram, ({"a": np.linspace(2.0, 3.0, 50)},), {"x_title": "x, y"}),
        (plots.outcome_histogram, ({"a": np.zeros(4)},), {"zeros": "apart"}),
    ]


@pytest.mark.parametrize("case", range(len(_spec_cases())))
def test_spec_is_the_charts_dict_key_for_key(case):
    builder, args, kwargs = _spec_cases()[case]
    expect = json.dumps(_spec(builder(*args, **kwargs)))  # validated
    for _ in range(2):  # the layout is made, then reused
        assert json.dumps(builder.spec(*args, **kwargs)) == expect
    pd.testing.assert_frame_equal(
        plots.chart_data(builder.spec(*args, **kwargs)), plots.chart_data(builder(*args, **kwargs))
    )


def test_spec_reuses_a_layout_with_new_data_and_title():
    t = np.arange(31.0)
    a = plots.nav_fan.spec(t, _navs(20, 31, seed=1), title="first")
    a["layer"][0]["mark"]["type"] = "bar"  # the caller's dict: the kept layout is not touched
    navs = _navs(20, 31, seed=2)
    b = plots.nav_fan.spec(t, navs, title="second")
    assert b == plots.nav_fan(t, navs, title="second").to_dict()
    assert b["layer"][0]["mark"]["type"] == "area" and b["title"]["text"] == "second"
    assert len(b["datasets"]) == 1 and b["data"]["name"] in b["datasets"]


def test_spec_follows_the_theme_colours_and_inline_data(monkeypatch):
    t = np.arange(31.0)
    navs = _navs(20, 31, seed=1)
    plots.nav_fan.spec(t, navs)
    with alt.theme.enable("dark"):
        assert plots.nav_fan.spec(t, navs) == plots.nav_fan(t, navs).to_dict()
    monkeypatch.setitem(plots.PRODUCT_COLORS, "Spot", "#123456")
    spec = plots.nav_fan.spec(t, navs)
    assert spec == plots.nav_fan(t, navs).to_dict()
    assert "#123456" in spec["layer"][0]["encoding"]["color"]["scale"]["range"]
    monkeypatch.setattr(alt.data_transformers, "consolidate_datasets", False)
    spec = plots.nav_fan.spec(t, navs)
    assert spec == plots.nav_fan(t, navs).to_dict() and "values" in spec["data"]


def test_builders_with_a_spec_take_columns_or_frames_alike():
    from smartlev.teach.plots._data import _inline

    cols = {
        "x": np.array([0.5, np.nan, 1e-7]),
        "n": np.array([1, 2, 3]),
        "ok": np.array([True, False, True]),
        "name": np.array(["a", "b,c", 'd"e'], dtype=object),
    }
    assert _inline(cols).to_dict() == _inline(pd.DataFrame(cols)).to_dict()
