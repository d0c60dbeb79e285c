"""Scenario generators, the CSV loader and the synthetic sample file.

Statistical checks use fixed seeds; each tolerance is a few standard errors of the
estimate it bounds (stated next to it).
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from smartlev import data, scenarios
from smartlev.market import Market

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "course" / "data" / data.SAMPLE_FILE_NAME

# Every random generator with small settings, as (name, callable(**common)).
RANDOM = {
    "gbm": lambda **kw: scenarios.gbm(**kw),
    "trend": lambda **kw: scenarios.trend(**kw),
    "sideways": lambda **kw: scenarios.sideways(**kw),
    "jump_diffusion": lambda **kw: scenarios.jump_diffusion(jump_intensity=50.0, **kw),
    "crash": lambda **kw: scenarios.crash(**kw),
    "garch": lambda **kw: scenarios.garch(**kw),
    "garch_normal": lambda **kw: scenarios.garch(dist="normal", **kw),
    "regime_switching": lambda **kw: scenarios.regime_switching(switch_prob_per_day=0.3, **kw),
    "bridge": lambda **kw: scenarios.bridge(end_price=130.0, **kw),
    "shuffle": lambda paths, seed, **kw: scenarios.shuffle(
        scenarios.gbm(paths=1, seed=99, **kw), paths=paths, seed=seed
    ),
}


def acf1_of_squares(log_returns: np.ndarray) -> float:
    """Lag-1 autocorrelation of squared (demeaned) returns, pooled over paths."""
    sq = (log_returns - log_returns.mean()) ** 2
    sq = sq - sq.mean(axis=1, keepdims=True)
    return float((sq[:, 1:] * sq[:, :-1]).mean() / (sq * sq).mean())


def excess_kurtosis(x: np.ndarray) -> float:
    x = x.ravel() - x.mean()
    return float((x**4).mean() / (x**2).mean() ** 2 - 3.0)


# --------------------------------------------------------------- shapes, determinism
@pytest.mark.parametrize("kind", sorted(RANDOM))
def test_shape_start_and_positivity(kind):
    m = RANDOM[kind](days=10, steps_per_day=2, paths=3, seed=1)
    assert isinstance(m, Market)
    assert m.is_lazy
    assert (m.paths, m.steps, m.steps_per_day) == (3, 20, 2)
    p = m.prices
    assert p.shape == (3, 21)
    assert np.all(np.isfinite(p)) and np.all(p > 0)
    assert_array_equal(p[:, 0], 100.0)


@pytest.mark.parametrize("kind", sorted(RANDOM))
def test_same_seed_same_numbers_other_seed_other_numbers(kind):
    a = RANDOM[kind](days=5, steps_per_day=1, paths=4, seed=11).prices
    b = RANDOM[kind](days=5, steps_per_day=1, paths=4, seed=11).prices
    c = RANDOM[kind](days=5, steps_per_day=1, paths=4, seed=12).prices
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("kind", sorted(RANDOM))
def test_path_i_does_not_depend_on_number_of_paths(kind):
    small = RANDOM[kind](days=4, steps_per_day=1, paths=5, seed=3).prices
    big = RANDOM[kind](days=4, steps_per_day=1, paths=1500, seed=3)
    assert_array_equal(big.path_range(0, 5), small)
    # a path in the second block, asked for through markets of different sizes
    other = RANDOM[kind](days=4, steps_per_day=1, paths=1101, seed=3)
    assert_array_equal(big.path_range(1100, 1101), other.path_range(1100, 1101))


def test_chunked_access_equals_full_access():
    m = scenarios.garch(days=6, paths=2100, seed=8)
    parts = np.concatenate([chunk for _, chunk in m.chunks(333)])  # generated chunk by chunk
    edge = m.path_range(1000, 1050)  # across a block edge
    assert m.is_lazy
    full = m.path_range(0, m.paths)  # generated whole (and kept: the market is small)
    assert_array_equal(parts, full)
    assert_array_equal(edge, full[1000:1050])
    assert_array_equal(m.prices, full)
    # generated prices are stored time-major (a step's prices side by side), also when a
    # range spans several blocks
    assert full.flags.f_contiguous
    assert edge.strides[0] == full.itemsize


@pytest.mark.parametrize(
    "draw",
    [
        lambda g, n: g.standard_normal((n, 40)),
        lambda g, n: g.standard_t(4.0, (n, 40)),
        lambda g, n: g.poisson(0.05, (n, 40)),
        lambda g, n: g.random((n, 40)),
    ],
    ids=["normal", "student_t", "poisson", "uniform"],
)
def test_generator_fills_rows_first(draw):
    """The design relies on this: the first n rows of a (1024, steps) draw equal a (n, steps)."""

    def rng():
        return np.random.default_rng(np.random.SeedSequence(5, spawn_key=(0, 3)))

    assert_array_equal(draw(rng(), 1024)[:7], draw(rng(), 7))


def test_huge_lazy_market_is_instant_and_reads_one_chunk():
    m = scenarios.gbm(paths=100_000, days=365, steps_per_day=24, seed=0)
    assert m.is_lazy and (m.paths, m.steps) == (100_000, 8760)
    first = m.path_range(0, 8)
    last = m.path_range(99_998, 100_000)
    assert first.shape == (8, 8761) and last.shape == (2, 8761)
    assert m.is_lazy  # nothing was kept
    assert_array_equal(first, scenarios.gbm(paths=8, days=365, steps_per_day=24).prices)


def test_fractional_days_and_clock():
    m = scenarios.gbm(days=0.5, steps_per_day=24, paths=2)
    assert m.steps == 12 and m.days == 0.5
    with pytest.raises(ValueError, match=r"days \* steps_per_day must be a whole number"):
        scenarios.gbm(days=0.3, steps_per_day=1)
    with pytest.raises(ValueError, match="days must be in"):
        scenarios.gbm(days=0)


def test_shared_shocks_give_the_same_luck_across_models():
    kw = dict(days=200, steps_per_day=1, paths=20, seed=4)
    g = scenarios.gbm(mu=0.3, sigma=0.6, **kw).prices
    # trend is gbm with mu = log(1 + R) + sigma^2 / 2
    t = scenarios.trend(annual_return=0.5, sigma=0.6, **kw).prices
    assert_allclose(t, scenarios.gbm(mu=math.log(1.5) + 0.18, sigma=0.6, **kw).prices, rtol=1e-12)
    # no jumps: jump diffusion is gbm
    j = scenarios.jump_diffusion(jump_intensity=0.0, mu=0.3, sigma=0.6, **kw).prices
    assert_allclose(j, g, rtol=1e-12)
    # no pull: sideways is a driftless walk in log price, gbm with mu = sigma^2 / 2
    s = scenarios.sideways(sigma=0.6, mean_reversion=0.0, **kw).prices
    assert_allclose(s, scenarios.gbm(mu=0.18, sigma=0.6, **kw).prices, rtol=1e-12)
    # no switching: each regime alone is gbm with its parameters
    for regime, (mu, sigma) in enumerate([(0.5, 0.4), (-0.5, 1.2)]):
        r = scenarios.regime_switching(switch_prob_per_day=0.0, start_regime=regime, **kw).prices
        assert_allclose(r, scenarios.gbm(mu=mu, sigma=sigma, **kw).prices, rtol=1e-12)
    # normal GARCH shocks are the shared ones: with alpha = beta = 0 it is gbm
    gn = scenarios.garch(alpha=0.0, beta=0.0, long_run_vol=0.6, dist="normal", mu=0.3, **kw)
    assert_allclose(gn.prices, g, rtol=1e-12)


# ---------------------------------------------------------------- statistical sanity
def test_gbm_volatility_and_drift():
    sigma, mu = 0.8, 0.3
    m = scenarios.gbm(mu=mu, sigma=sigma, days=365, steps_per_day=1, paths=4000, seed=0)
    lr = m.log_returns
    # 1.46 million returns: standard error of the annualised vol ~ 0.0005
    assert abs(lr.std() * math.sqrt(365) - sigma) < 0.005
    total = lr.sum(axis=1)  # N(mu - sigma^2/2, sigma^2): se of its mean 0.8/sqrt(4000) = 0.013
    assert abs(total.mean() - (mu - sigma**2 / 2)) < 0.04
    # E[S_T / S_0] = e^mu; se ~ 1.28 / sqrt(4000) = 0.02
    assert abs(m.prices[:, -1].mean() / 100 - math.exp(mu)) < 0.07


def test_gbm_hourly_volatility():
    m = scenarios.gbm(days=60, paths=200, seed=2)  # defaults: sigma 0.8, hourly
    assert abs(m.log_returns.std() * math.sqrt(365 * 24) - 0.8) < 0.01


def test_trend_median_hits_the_annual_return():
    m = scenarios.trend(annual_return=1.0, sigma=0.6, paths=4001, seed=1)
    # median of a lognormal with log-sd 0.6 over 4001 paths: se of log median ~ 0.012
    assert abs(math.log(np.median(m.prices[:, -1]) / 200.0)) < 0.04
    down = scenarios.trend(annual_return=-0.5, sigma=0.0, days=730)
    assert_allclose(down.prices[0, -1], 25.0, rtol=1e-12)


def test_sideways_ends_near_its_level():
    sigma, kappa = 0.7, 36.5
    m = scenarios.sideways(sigma=sigma, mean_reversion=kappa, level=120.0, paths=3000, seed=5)
    p = m.prices
    assert_array_equal(p[:, 0], 100.0)
    end = np.log(p[:, -1] / 120.0)
    sd = sigma / math.sqrt(2 * kappa)  # stationary sd of the log price: 0.082
    assert abs(end.mean()) < 0.006  # se 0.082 / sqrt(3000) = 0.0015
    assert abs(end.std() / sd - 1) < 0.05  # se of a sd estimate ~ 1.3%
    # no trend: the mean log price over the second half sits on the level
    assert abs(np.log(p[:, 183:] / 120.0).mean()) < 0.005
    # each day still moves: annualised vol of the steps close to sigma
    assert 0.6 < m.log_returns.std() * math.sqrt(365) < 0.75


def test_jump_diffusion_has_fatter_tails_than_gbm_and_keeps_its_mean():
    kw = dict(days=365, steps_per_day=1, paths=400, seed=7)
    jd = scenarios.jump_diffusion(**kw).log_returns
    g = scenarios.gbm(sigma=0.6, **kw).log_returns
    # 146,000 returns: se of the excess kurtosis of a normal sample ~ 0.013
    assert abs(excess_kurtosis(g)) < 0.1
    assert excess_kurtosis(jd) > 3.0
    # total annual variance sigma^2 + lambda (m^2 + s^2) = 0.49
    assert abs(jd.var() * 365 - 0.49) < 0.04
    mean_end = scenarios.jump_diffusion(mu=0.1, paths=4000, seed=8).prices[:, -1].mean()
    assert abs(mean_end / 100 - math.exp(0.1)) < 0.06  # compensated drift, se ~ 0.013


def test_crash_is_gbm_with_a_gap():
    kw = dict(sigma=0.5, mu=0.1, days=40, steps_per_day=1, paths=6, seed=3)
    c = scenarios.crash(drop=0.4, at_day=10, **kw).prices
    g = scenarios.gbm(**kw).prices
    ratio = c / g
    assert_allclose(ratio[:, :11], 1.0, rtol=1e-12)
    assert_allclose(ratio[:, 11:], 0.6, rtol=1e-12)
    spread = scenarios.crash(drop=0.5, at_day=2, over_steps=4, sigma=0.0, days=10).prices[0]
    assert_allclose(spread[[2, 4, 6]], [100.0, 100.0 * 0.5**0.5, 50.0], rtol=1e-12)
    mid = scenarios.crash(sigma=0.0, days=100).prices[0]
    assert_allclose(mid[[50, 51]], [100.0, 60.0], rtol=1e-12)
    with pytest.raises(ValueError, match=r"drop must be in \(0, 1\), got 1.0"):
        scenarios.crash(drop=1.0)
    with pytest.raises(ValueError, match="at_day must be in"):
        scenarios.crash(at_day=365, days=365)


def test_garch_clusters_volatility_and_keeps_its_long_run_level():
    kw = dict(days=1500, steps_per_day=1, paths=100, seed=9)
    for dist in ("t", "normal"):
        m = scenarios.garch(long_run_vol=0.7, dist=dist, **kw)
        lr = m.log_returns
        assert acf1_of_squares(lr) > 0.05, dist
        assert abs(lr.std() * math.sqrt(365) / 0.7 - 1) < 0.1, dist
    g = scenarios.gbm(sigma=0.7, **kw).log_returns
    assert abs(acf1_of_squares(g)) < 0.02  # se ~ 1 / sqrt(150,000) = 0.003
    t = scenarios.garch(**kw).log_returns
    assert excess_kurtosis(t) > excess_kurtosis(g) + 2


def test_garch_omega_replaces_long_run_vol():
    dt = 1 / 365
    w = 0.5**2 * dt * (1 - 0.05 - 0.9)
    a = scenarios.garch(omega=w, alpha=0.05, beta=0.9, days=30, paths=3).prices
    b = scenarios.garch(long_run_vol=0.5, alpha=0.05, beta=0.9, days=30, paths=3).prices
    assert_allclose(a, b, rtol=1e-12)


def test_regime_switching_mixes_two_volatilities():
    m = scenarios.regime_switching(days=1000, paths=100, seed=3)
    lr = m.log_returns
    vol = lr.std() * math.sqrt(365)
    # long-run variance 0.5 * 0.4^2 + 0.5 * 1.2^2 = 0.8 -> vol 0.89 (regimes persist: loose)
    assert abs(vol - math.sqrt(0.8)) < 0.06
    assert acf1_of_squares(lr) > 0.1
    one_sided = scenarios.regime_switching(switch_prob_per_day=(0.0, 1.0), days=200, paths=50)
    # leaving regime 1 at once and never leaving regime 0: all calm from day 2 on
    assert abs(one_sided.log_returns[:, 1:].std() * math.sqrt(365) - 0.4) < 0.02


def test_bridge_pins_both_ends_and_tilts_gbm():
    kw = dict(sigma=0.8, days=365, steps_per_day=1, seed=2)
    b = scenarios.bridge(end_price=150.0, paths=4000, **kw)
    p = b.prices
    assert np.all(p[:, 0] == 100.0) and np.all(p[:, -1] == 150.0)
    # variance of the log price in the middle: sigma^2 t (T - t) / T = 0.16; se ~ 2.2%
    assert abs(np.log(p[:, 182]).var() / (0.64 * 182 * 183 / 365 / 365) - 1) < 0.08
    g = np.log(scenarios.gbm(paths=5, **kw).prices / 100.0)
    frac = np.arange(366) / 365
    tilted = g - frac * g[:, -1:] + frac * math.log(1.5)
    assert_allclose(np.log(p[:5] / 100.0), tilted, atol=1e-12)


def test_shuffle_same_moves_other_order():
    source = scenarios.gbm(paths=3, days=30, steps_per_day=1, seed=5)
    m = scenarios.shuffle(source, paths=50, seed=1, path=2)
    p = m.prices
    original = source.prices[2]
    assert_array_equal(p[0], original)  # path 0 is the original order
    assert np.all(p[:, -1] == original[-1])  # same end price on every path
    moves = np.sort(source.log_returns[2])
    assert_allclose(np.sort(m.log_returns, axis=1), np.broadcast_to(moves, (50, 30)), atol=1e-12)
    assert len({tuple(np.round(row, 8)) for row in p}) == 50  # the orders differ
    assert m.steps_per_day == 1 and m.name == f"{source.name} shuffled"
    with pytest.raises(TypeError, match="market must be a smartlev Market"):
        scenarios.shuffle([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="path must be an integer in"):
        scenarios.shuffle(source, path=3)


def test_shuffle_works_on_a_loaded_history():
    m = scenarios.shuffle(data.sample_market(days=60), paths=10, seed=0)
    assert m.paths == 10 and np.all(m.prices[:, -1] == m.prices[0, -1])


def test_sawtooth_returns_exactly_to_start():
    m = scenarios.sawtooth(amplitude=0.1, days=30)
    p = m.prices[0]
    assert_allclose(p[::2], 100.0, rtol=0, atol=0)
    assert_allclose(p[1::2], 110.0, rtol=1e-15)
    gross = 1 + m.returns[0]
    assert_allclose(gross[0::2] * gross[1::2], 1.0, rtol=1e-15)
    slow = scenarios.sawtooth(amplitude=0.2, cycles=2, days=8, steps_per_day=1, paths=3).prices
    assert slow.shape == (3, 9) and np.all(slow[:, -1] == 100.0) and np.all(slow[:, 4] == 100.0)
    assert_allclose(slow[0, 2], 120.0, rtol=1e-15)
    with pytest.raises(ValueError, match="even number of steps"):
        scenarios.sawtooth(days=5)
    with pytest.raises(ValueError, match=r"multiple of 2 \* cycles"):
        scenarios.sawtooth(days=10, cycles=3)


def test_from_returns_round_trip():
    m = scenarios.gbm(paths=3, days=10, steps_per_day=1)
    back = scenarios.from_returns(m.returns, steps_per_day=1)
    assert_allclose(back.prices, m.prices, rtol=1e-12)
    logs = scenarios.from_returns(m.log_returns, kind="log", start_price=100.0)
    assert_allclose(logs.prices, m.prices, rtol=1e-12)
    with pytest.raises(ValueError, match="kind must be one of"):
        scenarios.from_returns([0.1], kind="pct")
    with pytest.raises(ValueError, match=r"returns must be finite, got nan"):
        scenarios.from_returns([0.1, float("nan")], kind="log")


# ------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: scenarios.gbm(sigma=-0.1), ValueError, r"sigma must be in \[0, 10\], got -0.1"),
        (lambda: scenarios.gbm(paths=0), ValueError, r"paths must be an integer in \[1, inf\]"),
        (lambda: scenarios.gbm(paths=2.0), TypeError, "paths must be an integer, got 2.0"),
        (lambda: scenarios.gbm(seed=-1), ValueError, r"seed must be an integer in \[0, inf\]"),
        (lambda: scenarios.gbm(start_price=0), ValueError, r"start_price must be in \(0, inf\]"),
        (lambda: scenarios.gbm(steps_per_day=0), ValueError, "steps_per_day must be an integer"),
        (lambda: scenarios.gbm(mu="0.1"), TypeError, "mu must be a real number"),
        (lambda: scenarios.gbm(name=3), TypeError, "name must be a string"),
        (lambda: scenarios.trend(annual_return=-1.0), ValueError, r"annual_return must be in"),
        (lambda: scenarios.sideways(mean_reversion=-1), ValueError, "mean_reversion must be in"),
        (lambda: scenarios.sideways(level=0), ValueError, r"level must be in \(0, inf\]"),
        (
            lambda: scenarios.jump_diffusion(jump_intensity=-4),
            ValueError,
            "jump_intensity must be in",
        ),
        (lambda: scenarios.jump_diffusion(jump_std=-0.1), ValueError, "jump_std must be in"),
        (lambda: scenarios.crash(over_steps=0), ValueError, "over_steps must be an integer"),
        (lambda: scenarios.garch(alpha=0.2, beta=0.8), ValueError, "alpha \\+ beta must be < 1"),
        (lambda: scenarios.garch(dof=2), ValueError, r"dof must be in \(2, "),
        (lambda: scenarios.garch(dist="cauchy"), ValueError, "dist must be one of 't', 'normal'"),
        (lambda: scenarios.garch(omega=-1e-5), ValueError, r"omega must be in \(0, 1\]"),
        (lambda: scenarios.regime_switching(vols=(0.1, 0.2, 0.3)), ValueError, "exactly 2"),
        (lambda: scenarios.regime_switching(vols=0.5), TypeError, "vols must be a pair"),
        (
            lambda: scenarios.regime_switching(switch_prob_per_day=1.5),
            ValueError,
            r"switch_prob_per_day must be in \[0, 1\], got 1.5",
        ),
        (lambda: scenarios.regime_switching(start_regime=2), ValueError, "start_regime must"),
        (lambda: scenarios.bridge(end_price=-5), ValueError, r"end_price must be in \(0, inf\]"),
        (lambda: scenarios.sawtooth(amplitude=0), ValueError, r"amplitude must be in \(0, "),
    ],
)
def test_bad_input_names_parameter_value_and_range(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------------ CSV loader
DAY_MS = 86_400_000
T0_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC
CLOSES = [42_000.5, 42_500.0, 41_000.25, 43_100.0, 44_000.0]


def kline_rows(closes=CLOSES, step_ms=DAY_MS, unit=1):
    rows = []
    for i, c in enumerate(closes):
        t = (T0_MS + i * step_ms) * unit
        rows.append(
            f"{t},{c - 10},{c + 50},{c - 60},{c},123.4,{t + (step_ms - 1) * unit},5.1e6,"
            f"1000,60.0,2.5e6,0"
        )
    return rows


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_binance_klines_without_header(tmp_path):
    path = write(tmp_path, "BTCUSDT-1d-2024-01.csv", "\n".join(kline_rows()) + "\n")
    m = scenarios.load_csv(path)
    assert (m.paths, m.steps, m.steps_per_day) == (1, 4, 1)
    assert m.name == "BTCUSDT-1d-2024-01"
    assert_array_equal(m.prices[0], CLOSES)
    assert m.timestamps[0] == np.datetime64("2024-01-01T00:00", "ns")
    assert m.timestamps[-1] == np.datetime64("2024-01-05T00:00", "ns")
    opens = scenarios.load_csv(path, price="open")
    assert_allclose(opens.prices[0], np.array(CLOSES) - 10)


def test_load_binance_klines_with_header_hourly(tmp_path):
    header = ",".join(scenarios._KLINE_COLUMNS)
    rows = kline_rows(step_ms=3_600_000)
    m = scenarios.load_csv(write(tmp_path, "k.csv", header + "\n" + "\n".join(rows)))
    assert m.steps_per_day == 24 and m.steps == 4
    assert_array_equal(m.prices[0], CLOSES)


def test_load_binance_microsecond_timestamps(tmp_path):
    micro = scenarios.load_csv(write(tmp_path, "us.csv", "\n".join(kline_rows(unit=1000))))
    milli = scenarios.load_csv(write(tmp_path, "ms.csv", "\n".join(kline_rows())))
    assert_array_equal(micro.timestamps, milli.timestamps)
    # a 2024 file (ms) joined with a 2025 file (us) still lines up
    mixed = kline_rows()[:3] + kline_rows(unit=1000)[3:]
    both = scenarios.load_csv(write(tmp_path, "mixed.csv", "\n".join(mixed)))
    assert_array_equal(both.timestamps, milli.timestamps)


def test_load_binance_zip(tmp_path):
    path = tmp_path / "BTCUSDT-1d-2024-01.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("BTCUSDT-1d-2024-01.csv", "\n".join(kline_rows()))
    m = scenarios.load_csv(path)
    assert_array_equal(m.prices[0], CLOSES) and m.name == "BTCUSDT-1d-2024-01"


YAHOO = """Date,Open,High,Low,Close,Adj Close,Volume
2024-01-03,44000,45000,42500,42800,42700,100
2024-01-01,42000,43000,41000,42280,42200,100
2024-01-02,42280,45500,42000,44000,43900,100
"""


def test_load_yahoo_uses_close_unless_asked(tmp_path):
    path = write(tmp_path, "BTC-USD.csv", YAHOO)
    m = scenarios.load_csv(path)
    assert_array_equal(m.prices[0], [42280, 44000, 42800])  # sorted by date
    assert str(m.timestamps[0])[:10] == "2024-01-01"
    adj = scenarios.load_csv(path, price="Adj Close")
    assert_array_equal(adj.prices[0], [42200, 43900, 42700])
    assert_array_equal(scenarios.load_csv(path, price="adj_close").prices, adj.prices)


def test_load_yfinance_three_row_header():
    text = (
        "Price,Close,High,Low,Open,Volume\n"
        "Ticker,BTC-USD,BTC-USD,BTC-USD,BTC-USD,BTC-USD\n"
        "Date,,,,,\n"
        "2024-01-01,100.5,101,99,100,10\n"
        "2024-01-02,102.5,103,99,100,10\n"
    )
    m = scenarios.load_csv(io.StringIO(text))
    assert_array_equal(m.prices[0], [100.5, 102.5])


def test_load_generic_columns_and_buffers():
    text = (
        "timestamp,price\n2024-03-01T02:00:00Z,10\n2024-03-01T00:00:00Z,8\n2024-03-01T01:00:00Z,9\n"
    )
    m = scenarios.load_csv(io.StringIO(text), name="hourly")
    assert (m.name, m.steps_per_day) == ("hourly", 24)
    assert_array_equal(m.prices[0], [8, 9, 10])
    secs = "time,close\n1704067200,1.5\n1704153600,2.0\n1704240000,2.5\n"
    from_bytes = scenarios.load_csv(io.BytesIO(secs.encode()))
    assert_array_equal(from_bytes.prices[0], [1.5, 2.0, 2.5])
    assert from_bytes.timestamps[0] == np.datetime64("2024-01-01", "ns")
    no_time = scenarios.load_csv(io.StringIO("close\n1\n2\n4\n"), steps_per_day=1)
    assert_array_equal(no_time.prices[0], [1, 2, 4]) and no_time.timestamps is None
    assert scenarios.from_csv is scenarios.load_csv


def test_gaps_error_by_default_and_forward_fill_on_request(tmp_path):
    rows = kline_rows()
    path = write(tmp_path, "gap.csv", "\n".join(rows[:2] + rows[3:]))
    with pytest.raises(ValueError, match=r"gap.csv: rows are not evenly spaced.*line 2 .*line 3"):
        scenarios.load_csv(path)
    m = scenarios.load_csv(path, gaps="ffill")
    assert_array_equal(m.prices[0], [CLOSES[0], CLOSES[1], CLOSES[1], CLOSES[3], CLOSES[4]])
    assert m.timestamps[2] == np.datetime64("2024-01-03", "ns")


def test_missing_file_error(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(ValueError, match="price file not found: .*nope.csv") as info:
        scenarios.load_csv(missing)
    assert isinstance(info.value, FileNotFoundError)


@pytest.mark.parametrize(
    ("text", "kwargs", "pattern"),
    [
        ("", {}, "bad.csv: the file is empty"),
        ("\n  \n", {}, "bad.csv: the file is empty"),
        (
            "date,open,volume\n2024-01-01,1,2\n2024-01-02,1,2\n",
            {},
            r"no price column 'close'; columns found: \['date', 'open', 'volume'\]; "
            r"accepted names: close, price, adj close",
        ),
        ("date,close\n2024-01-01,1\n", {}, "needs at least 2 rows of prices, found 1"),
        (
            "date,close\n2024-01-01,1\n2024-01-02,abc\n2024-01-03,2\n",
            {},
            r"bad.csv, line 3: price column 'close' holds 'abc', which is not a number",
        ),
        (
            "date,close\n2024-01-01,1\n2024-01-02,\n",
            {},
            r"line 3: price column 'close' holds '', which is not a number",
        ),
        (
            "date,close\n2024-01-01,1\n2024-01-02,2\n2024-01-03,-2\n",
            {},
            r"bad.csv, line 4: prices must be > 0, got -2 in column 'close'",
        ),
        (
            "date,close\n2024-01-01,1\n2024-01-02,0\n",
            {},
            "line 3: prices must be > 0, got 0",
        ),
        (
            "date,close\n2024-01-01,1\n2024-01-02,2\n2024-01-02,3\n",
            {},
            r"duplicate timestamp 2024-01-02 00:00:00 on lines 3 and 4",
        ),
        (
            "date,close\n2024-01-01,1\n2024-01-02,2\n2024-01-05,3\n",
            {},
            r"not evenly spaced: expected one every 1 days.*line 3 \(2024-01-02 00:00:00\) "
            r"is followed by line 4 \(2024-01-05",
        ),
        (
            "date,close\n2024-01-01,1\n2024-01-08,2\n2024-01-15,3\n",
            {},
            "rows are 7 days 00:00:00 apart .* does not divide a day",
        ),
        ("date,close\n2024-01-01,1\nyesterday,2\n", {}, "line 3: time column 'date' holds"),
        ("close\n1\n2\n", {}, r"no time column; columns found: \['close'\]"),
        ("1,2,3\n4,5,6\n", {}, "no header and 3 columns"),
        (
            "date,close\n2024-01-01,1\n2024-01-02,2\n",
            {"steps_per_day": 24},
            "expected one every 0 days 01:00:00",
        ),
        (
            "date,close\n2024-01-01 00:00,1\n2024-01-02 00:00,2\n2024-01-03 00:00,2\n"
            "2024-01-05 05:00,2\n",
            {"gaps": "ffill"},
            "Remove or fix the rows off the clock",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "no-price-column",
        "one-row",
        "non-numeric",
        "missing-price",
        "negative",
        "zero",
        "duplicate",
        "gap",
        "weekly",
        "bad-date",
        "no-time-column",
        "three-columns",
        "wrong-steps-per-day",
        "off-grid",
    ],
)
def test_malformed_files_raise_clear_errors(tmp_path, text, kwargs, pattern):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ValueError, match=pattern):
        scenarios.load_csv(path, **kwargs)


def test_loader_argument_errors(tmp_path):
    path = write(tmp_path, "ok.csv", "date,close\n2024-01-01,1\n2024-01-02,2\n")
    with pytest.raises(ValueError, match="gaps must be one of 'error', 'ffill'"):
        scenarios.load_csv(path, gaps="drop")
    with pytest.raises(TypeError, match="price must be a column name"):
        scenarios.load_csv(path, price=4)
    with pytest.raises(TypeError, match="path_or_buffer must be a file path"):
        scenarios.load_csv(12)
    with pytest.raises(ValueError, match="is a folder"):
        scenarios.load_csv(tmp_path)


# --------------------------------------------------------------------- sample file
def test_committed_sample_is_exactly_what_the_generator_writes(tmp_path):
    fresh = data.write_sample_csv(tmp_path / "again.csv")
    assert SAMPLE.is_file(), f"missing {SAMPLE}; run python -m smartlev.data"
    assert fresh.read_bytes() == SAMPLE.read_bytes()
    assert "synthetic" in SAMPLE.name
    readme = (SAMPLE.parent / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and SAMPLE.name in readme


def test_sample_candles_are_consistent():
    k = data.sample_klines()
    assert list(k.columns) == list(scenarios._KLINE_COLUMNS) and len(k) == 730
    assert (k.high >= k[["open", "close"]].max(axis=1)).all()
    assert (k.low <= k[["open", "close"]].min(axis=1)).all()
    assert (k.low > 0).all() and (k.volume > 0).all() and (k.taker_buy_volume < k.volume).all()
    assert_array_equal(k.open.to_numpy()[1:], k.close.to_numpy()[:-1])
    assert_array_equal(k.close_time - k.open_time, DAY_MS - 1)
    assert_array_equal(np.diff(k.open_time), DAY_MS)
    # the closes are path 0 of the documented GARCH scenario, rounded to the cent
    g = scenarios.garch(**data.SAMPLE_MODEL, days=730, seed=7, start_price=20_000.0)
    assert np.abs(g.prices[0, 1:] - k.close.to_numpy()).max() <= 0.005 + 1e-9


def test_sample_market_matches_the_committed_file():
    from_file = scenarios.load_csv(SAMPLE)
    m = data.sample_market()
    assert_array_equal(m.prices, from_file.prices)
    assert_array_equal(m.timestamps, from_file.timestamps)
    assert m.steps_per_day == 1 and m.steps == 729
    assert pd.Timestamp(m.timestamps[0]) == pd.Timestamp("2023-01-01")


def test_write_sample_into_a_folder_and_command_line(tmp_path, capsys):
    out = data.write_sample_csv(tmp_path, days=10, seed=1)
    assert out == tmp_path / data.SAMPLE_FILE_NAME
    assert data._main([str(tmp_path / "cli" / "s.csv")]) == 0
    assert (tmp_path / "cli" / "s.csv").read_bytes() == SAMPLE.read_bytes()
    assert "synthetic" in capsys.readouterr().out


# ------------------------------------------------------------------- generated bars
# Closes produced by the code before bars existed (commit 6be3551), for these seeds:
# (scenario call, [(path, column), ...], [close, ...]). Bars must not change one of them.
STORED_CLOSES = [
    ("gbm(days=3, steps_per_day=24, paths=1100, seed=3)", [(0, 72), (1099, 36), (550, 7)],
     [89.67290242267187, 100.04974465356227, 98.60218828664243]),
    ("trend(paths=70, seed=1, days=60)", [(0, 60), (69, 30), (35, 7)],
     [132.77671379596566, 80.98275333466599, 98.07127843422352]),
    ("sideways(paths=70, seed=2, days=60)", [(0, 60), (69, 30), (35, 7)],
     [89.15251969043342, 91.39661602290208, 107.72183120605823]),
    ("jump_diffusion(paths=70, seed=4, days=200)", [(0, 200), (69, 100), (35, 7)],
     [156.92807560860388, 115.75714713278403, 103.39862978545898]),
    ("crash(paths=3, seed=5, days=60)", [(0, 60), (2, 30), (1, 7)],
     [63.75263198640461, 120.64315260753095, 116.72097962377606]),
    ("garch(paths=70, seed=6, days=100)", [(0, 100), (69, 50), (35, 7)],
     [93.44686194770195, 134.7188050510048, 89.9493878434802]),
    ("regime_switching(paths=70, seed=7, days=100)", [(0, 100), (69, 50), (35, 7)],
     [80.10094088377822, 80.0046275510709, 98.48985762206343]),
    ("bridge(150.0, paths=70, seed=8, days=60)", [(0, 60), (69, 30), (35, 7)],
     [150.0, 130.16394885878765, 132.4249664398001]),
    ("shuffle(scenarios.gbm(paths=1, days=30, seed=3), paths=70, seed=9)",
     [(0, 720), (69, 360), (35, 7)], [94.98375464664468, 93.6171397473876, 101.59733139787335]),
]


@pytest.mark.parametrize("call, where, closes", STORED_CLOSES, ids=[c[0] for c in STORED_CLOSES])
def test_bars_leave_every_close_as_it_was(call, where, closes):
    m = eval(f"scenarios.{call}")
    assert m.has_bars
    close = m.bar_range(0, m.paths)[0]
    got = [close[i, j] for i, j in where]
    # the same operations as before: equal to the last bit on one machine; 1e-14 allows
    # for another CPU's exp
    assert_allclose(got, closes, rtol=1e-14, atol=0)
    fresh = eval(f"scenarios.{call}")  # m kept its bars: generate the closes alone
    assert_array_equal(close, fresh.path_range(0, m.paths))  # with or without bars: the same
    no_bars = eval(f"scenarios.{call[:-1]}, bars=False)")
    assert not no_bars.has_bars and no_bars.bar_range(0, 1)[1] is None
    assert_array_equal(no_bars.prices, close)


ALL_GENERATORS = {
    **RANDOM,
    "sawtooth": lambda paths, seed, **kw: scenarios.sawtooth(paths=paths, **kw),
}


@pytest.mark.parametrize("name", sorted(ALL_GENERATORS))
@pytest.mark.parametrize("paths", [3, 70])  # path-major and time-major blocks
def test_generated_bars_hold_their_open_and_close(name, paths):
    m = ALL_GENERATORS[name](paths=paths, seed=11, days=20, steps_per_day=2)
    close, o, h, lo = m.bar_range(0, paths)
    for x in (o, h, lo):
        assert x.shape == close.shape and np.isfinite(x).all() and (x > 0).all()
        assert_array_equal(x[:, 0], close[:, 0])
    assert (h >= np.maximum(o, close)).all() and (lo <= np.minimum(o, close)).all()
    assert_array_equal(m.open, o)
    if name not in ("jump_diffusion", "crash", "shuffle"):
        assert_array_equal(o[:, 1:], close[:, :-1])  # no gaps: open at the previous close
    if name not in ("sawtooth",):
        assert (h[:, 1:] > np.maximum(o, close)[:, 1:]).mean() > 0.95  # a bar has a range


def test_gbm_highs_and_lows_follow_the_bridge_law():
    # P(max >= m) = exp(-2 m (m - b) / s^2) for a bridge from 0 to b: at the drawn maximum
    # this probability is uniform on (0, 1); likewise for the minimum. 200 x 240 draws:
    # the mean's standard error is 0.0012, the tolerance 0.005 (4 standard errors)
    sigma, spd = 0.8, 24
    m = scenarios.gbm(sigma=sigma, days=10, steps_per_day=spd, paths=200, seed=5)
    close, _, h, lo = m.bar_range(0, 200)
    s2 = sigma**2 / (365 * spd)
    prev = close[:, :-1]
    b = np.log(close[:, 1:] / prev)
    top, bottom = np.log(h[:, 1:] / prev), np.log(lo[:, 1:] / prev)
    u_high = np.exp(-2 * top * (top - b) / s2)
    u_low = np.exp(-2 * bottom * (bottom - b) / s2)
    for u in (u_high, u_low):
        assert abs(u.mean() - 0.5) < 0.005
        assert abs((u < 0.1).mean() - 0.1) < 0.005
    # drawn independently (the documented approximation): no correlation left
    assert abs(np.corrcoef(u_high.ravel(), u_low.ravel())[0, 1]) < 0.02  # 4.6 std errors


def test_garch_bars_use_each_steps_volatility():
    m = scenarios.garch(days=2000, paths=20, seed=3, dist="normal")
    close, _, h, lo = m.bar_range(0, 20)
    log_range = np.log(h[:, 1:] / lo[:, 1:])
    size = np.abs(np.diff(np.log(close), axis=1))
    calm, wild = size < np.quantile(size, 0.2), size > np.quantile(size, 0.8)
    assert log_range[wild].mean() > 1.5 * log_range[calm].mean()


def test_jumps_arrive_as_gaps_at_the_open():
    # no diffusion: a bar is its gap, then a straight drift from open to close
    m = scenarios.jump_diffusion(sigma=0.0, jump_intensity=30.0, days=365, paths=2, seed=1)
    close, o, h, lo = m.bar_range(0, 2)
    gapped = ~np.isclose(o[:, 1:], close[:, :-1], rtol=1e-12)
    assert 20 < gapped.sum() < 100
    drift = np.log(close[:, 1:] / o[:, 1:])
    assert_allclose(drift, drift[0, 0], atol=1e-12)  # the compensator, every bar alike
    assert_allclose(h, np.maximum(o, close), rtol=1e-12)
    assert_allclose(lo, np.minimum(o, close), rtol=1e-12)


def test_a_crash_gaps_down_at_the_open():
    m = scenarios.crash(drop=0.4, at_day=10, sigma=0.0, days=20)
    close, o, h, lo = m.bar_range(0, 1)
    assert_allclose([close[0, 10], o[0, 11], h[0, 11], lo[0, 11], close[0, 11]],
                    [100, 60, 60, 60, 60])
    spread = scenarios.crash(drop=0.5, at_day=1, over_steps=2, sigma=0.0, days=3)
    assert_allclose(spread.open[0, 1:4], [100, 100 * 0.5**0.5, 50])


def test_shuffle_moves_each_bar_with_its_return():
    base = data.market("btc-usd-daily", "2021-01-01", "2021-03-31")
    m = scenarios.shuffle(base, paths=5, seed=2)
    close, o, h, lo = m.bar_range(0, 5)
    for x, real in ((o, base.open), (h, base.high), (lo, base.low)):
        assert_allclose(x[0], real[0], rtol=1e-12)  # path 0 is the history itself
        rel = np.sort(x[:, 1:] / close[:, :-1], axis=1)
        assert_allclose(rel, np.broadcast_to(np.sort(real[0, 1:] / base.prices[0, :-1]),
                                             rel.shape), rtol=1e-12)
    plain = scenarios.shuffle(scenarios.gbm(paths=1, days=5, seed=1, bars=False), paths=3)
    c, o, h, lo = plain.bar_range(0, 3)
    assert (h >= c).all() and (h[:, 1:] > np.maximum(o, c)[:, 1:]).all()


def whole_array_prices(log_r, p0):
    """Prices as the generators made them before strips: the whole array, op by op."""
    out = np.zeros((log_r.shape[0], log_r.shape[1] + 1))
    np.cumsum(log_r, axis=1, out=out[:, 1:])
    return np.exp(out) * p0


def whole_array_bars(close, log_r, var, gap, seed, block):
    """Open, high and low as the generators made them before strips (same operations)."""
    prev = close[:, :-1]
    if gap is None:
        d = ends = log_r
        opens = prev.copy()
    else:
        g = np.broadcast_to(gap, log_r.shape)
        d, ends = log_r - g, log_r + g
        opens = np.exp(g) * prev
    two_var = 2.0 * var if np.isscalar(var) else var * 2.0
    d2 = d * d
    out = []
    for stream, keep in ((scenarios._BAR_HIGH, np.maximum), (scenarios._BAR_LOW, np.minimum)):
        e = scenarios._rng(seed, stream, block).standard_exponential(log_r.shape)
        e = np.sqrt(e * two_var + d2)
        e = (e + ends if keep is np.maximum else ends - e) * 0.5
        x = np.exp(e) * prev
        out.append(keep(keep(x, close[:, 1:]), opens))
    first = close[:, :1]
    return tuple(np.concatenate([first, x], axis=1) for x in (opens, *out))


@pytest.mark.parametrize("paths", [5, 70, 130])  # path-major and time-major
@pytest.mark.parametrize("var_kind", ["number", "array", "transposed"])
@pytest.mark.parametrize("gap_kind", [None, "per step", "per path and step"])
def test_strips_give_the_numbers_of_whole_array_operations(
    monkeypatch, paths, var_kind, gap_kind
):
    # strips of a few steps with a short last one; every value as on the whole array
    monkeypatch.setattr(scenarios, "_STRIP", 400)
    rng = np.random.default_rng(paths)
    steps = 251
    log_r = rng.normal(0.0, 0.01, (paths, steps))
    var = {"number": 1e-4, "array": rng.uniform(1e-5, 1e-3, (paths, steps)),
           "transposed": np.ascontiguousarray(rng.uniform(1e-5, 1e-3, (steps, paths))).T}
    var = var[var_kind]
    gap = {None: None, "per step": np.where(np.arange(steps) % 50 == 7, -0.2, 0.0),
           "per path and step": rng.normal(0.0, 0.05, (paths, steps))}[gap_kind]
    close = scenarios._prices(log_r, 100.0)
    assert close.flags.c_contiguous == (paths < 64)
    assert_array_equal(close, whole_array_prices(log_r, 100.0))
    got = scenarios._bar_arrays(close, log_r, var, gap, seed=3, block=2)
    for x, want in zip(got, whole_array_bars(close, log_r, var, gap, 3, 2), strict=True):
        assert x.flags.c_contiguous == (paths < 64)  # the layout of the closes
        assert_array_equal(x, want)


@pytest.mark.parametrize("name", sorted(ALL_GENERATORS))
def test_generated_numbers_do_not_depend_on_the_strip_size(monkeypatch, name):
    # 1100 paths: a time-major block of 1024 and a short one of 76
    make = ALL_GENERATORS[name]
    full = make(paths=1100, seed=6, days=3, steps_per_day=24).bar_range(0, 1100)
    monkeypatch.setattr(scenarios, "_STRIP", 2000)
    strips = make(paths=1100, seed=6, days=3, steps_per_day=24).bar_range(0, 1100)
    for a, b in zip(full, strips, strict=True):
        assert_array_equal(a, b)


def test_bars_flag_must_be_a_bool():
    with pytest.raises(TypeError, match="bars must be True or False, got 1"):
        scenarios.gbm(bars=1)


def test_sample_klines_bars_load_with_the_file(tmp_path):
    m = scenarios.load_csv(data.write_sample_csv(tmp_path, days=20))
    k = data.sample_klines(days=20)
    assert m.has_bars
    assert_array_equal(m.high[0, 1:], k["high"].iloc[1:])
    assert_array_equal(m.open[0, 1:], k["open"].iloc[1:])


# ------------------------------------------------------------- price files with bars
def test_load_yahoo_keeps_open_high_low(tmp_path):
    m = scenarios.load_csv(write(tmp_path, "BTC-USD.csv", YAHOO))
    assert_array_equal(m.open, [[42280, 42280, 44000]])
    assert_array_equal(m.high, [[42280, 45500, 45000]])
    assert_array_equal(m.low, [[42280, 42000, 42500]])
    adj = scenarios.load_csv(write(tmp_path, "BTC-USD.csv", YAHOO), price="Adj Close")
    assert not adj.has_bars  # other basis than the open, high and low


def test_load_klines_keep_bars(tmp_path):
    m = scenarios.load_csv(write(tmp_path, "k.csv", "\n".join(kline_rows())))
    assert m.has_bars and m.high.shape == m.prices.shape
    assert (m.high >= m.prices).all() and (m.low <= m.prices).all()


def test_load_refuses_a_bar_outside_its_high_and_low(tmp_path):
    bad = YAHOO.replace("2024-01-02,42280,45500,42000", "2024-01-02,42280,43500,42000")
    with pytest.raises(scenarios.PriceFileError, match=r"line 4: high 43500 must be at least "
                       r"the open and the close \(open 42280, close 44000\)"):
        scenarios.load_csv(write(tmp_path, "b.csv", bad))
    bad = YAHOO.replace("2024-01-02,42280,45500,42000", "2024-01-02,42280,45500,x")
    with pytest.raises(scenarios.PriceFileError, match="line 4: column 'low' holds 'x'"):
        scenarios.load_csv(write(tmp_path, "b.csv", bad))


def test_load_gap_filled_rows_are_flat_bars(tmp_path):
    text = ("Date,Open,High,Low,Close\n2024-01-01,10,11,9,10\n2024-01-02,10,13,9,12\n"
            "2024-01-04,12,15,11,14\n")
    m = scenarios.load_csv(write(tmp_path, "g.csv", text), gaps="ffill")
    assert_array_equal(m.prices, [[10, 12, 12, 14]])
    assert_array_equal(m.open, [[10, 10, 12, 12]])
    assert_array_equal(m.high, [[10, 13, 12, 15]])
    assert_array_equal(m.low, [[10, 9, 12, 11]])
