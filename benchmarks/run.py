"""Speed, latency and memory benchmarks. They print figures; nothing here asserts a time.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # smaller runs, for a smoke check

Figures printed:
- path-steps per second of each product on 10,000 paths x 365 days x 24 steps a day
  (best of five runs): decided at closes and inside the bars of a market with highs and
  lows (and their ratio), inside the bar on the closes alone (and its ratio to deciding at
  closes: the closes are the same prices), and the same model as the plain per-path
  Python loop on a subset; two products also on the closes stored one row per path;
- time and peak memory of a 100,000-path hourly Monte Carlo kept as final values only, and
  the time one of its chunks takes to generate and to simulate;
- the playground's update latency (1,000 paths x 365 daily steps x 4 products);
- the time of a fresh run of every lesson in course/.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import smartlev as sl
from smartlev.reference import simulate_path

ROOT = Path(__file__).resolve().parents[1]

PRODUCTS = {
    "Spot": sl.Spot(),
    "3x token (daily)": sl.LeveragedToken(3.0),
    "3x token (band 2-4x)": sl.LeveragedToken(3.0, rebalance_every_days=None, band=(2.0, 4.0)),
    "Perpetual 10x": sl.Perpetual(10.0, funding_rate=0.0001),
    "Smart Leverage (vol target)": sl.SmartLeverage(),
}


def _best(fn, repeats: int) -> float:
    best = np.inf  # best of n: the machine's other work only ever slows a run down
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_products(paths: int, loop_paths: int, repeats: int = 5) -> None:
    days, spd = 365, 24
    t0 = time.perf_counter()
    g = sl.scenarios.gbm(mu=0.0, sigma=0.8, days=days, steps_per_day=spd, paths=paths, seed=0)
    close, open_, high, low = g.bar_range(0, paths)
    gen = time.perf_counter() - t0
    bars = sl.Market.from_prices(close, steps_per_day=spd, open=open_, high=high, low=low)
    closes = sl.Market.from_prices(close, steps_per_day=spd)
    n = paths * days * spd
    print(f"\n## Products: {paths:,} paths x {days} days x {spd} steps/day = {n / 1e6:.1f}M "
          f"path-steps (market with bars generated in {gen:.1f} s; best of {repeats})")
    print(f"{'product':30s} {'at closes':>12s} {'inside bars':>12s} {'ratio':>6s} "
          f"{'closes only':>12s} {'ratio':>6s} {'per-path loop':>14s} {'kernel/loop':>11s}")
    for name, product in PRODUCTS.items():
        runs = (
            lambda p=product: sl.simulate(p, bars, triggers="close", history=False,
                                          progress=False),
            lambda p=product: sl.simulate(p, bars, history=False, progress=False),
            lambda p=product: sl.simulate(p, closes, history=False, progress=False),
        )  # fmt: skip
        # the three in turn, so that the machine's slow spells fall on each alike
        t_close, t_bar, t_line = np.min([[_best(f, 1) for f in runs] for _ in range(repeats)],
                                        axis=0)  # fmt: skip
        t0 = time.perf_counter()
        for i in range(loop_paths):
            simulate_path(product, close[i], spd, open=open_[i], high=high[i], low=low[i])
        lp = loop_paths * days * spd / (time.perf_counter() - t0)
        k = n / t_bar
        print(f"{name:30s} {n / t_close / 1e6:8.1f} M/s {k / 1e6:8.1f} M/s "
              f"{t_bar / t_close:6.2f} {n / t_line / 1e6:8.1f} M/s {t_line / t_close:6.2f} "
              f"{lp / 1e6:10.2f} M/s {k / lp:10.0f}x")
    # an array with one row per path is read through a transposed window of steps
    rows = sl.Market.from_prices(np.ascontiguousarray(close), steps_per_day=spd)
    for name in ("3x token (band 2-4x)", "Smart Leverage (vol target)"):
        t = _best(lambda p=PRODUCTS[name]: sl.simulate(p, rows, history=False, progress=False),
                  repeats)  # fmt: skip
        print(f"{name + ', closes stored one row per path':58s} {n / t / 1e6:8.1f} M/s")


MEMORY_CHILD = """
import resource, time, smartlev as sl
from smartlev import _chunks
m = sl.scenarios.gbm(sigma=0.8, days=365, steps_per_day=24, paths={paths}, seed=1, bars={bars})
product = sl.SmartLeverage()
t0 = time.perf_counter()
r = sl.simulate(product, m, history=False, progress=False)
dt = time.perf_counter() - t0
try:  # the peak of this process alone (ru_maxrss can carry the parent's over from fork)
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# the split, one chunk alone: generating it, then simulating it from memory
chunk = _chunks.default_chunk(m.paths, m.steps, False, m)
ahead = m.paths > chunk and _chunks.ahead_fits(m, chunk)
t0 = time.perf_counter()
close, o, h, lo = m.bar_range(0, chunk)
gen = time.perf_counter() - t0
held = sl.Market.from_prices(close, steps_per_day=24, open=o, high=h, low=lo)
t0 = time.perf_counter()
sl.simulate(product, held, history=False, progress=False, chunk_paths=chunk)
sim = time.perf_counter() - t0
print(dt, r.final_nav.shape[0], peak, chunk, gen, sim, int(ahead))
"""


def bench_memory(paths: int) -> None:
    print(f"\n## Large run: {paths:,} paths x 365 days x 24 steps/day, Smart Leverage, final "
          f"values only (scenario generated lazily in chunks)")
    for bars in (True, False):
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD.format(paths=paths, bars=bars)],
            capture_output=True, text=True, check=True,
        ).stdout.split()
        dt, n, rss_kb = float(out[0]), int(out[1]), int(out[2])
        chunk, gen, sim, ahead = int(out[3]), float(out[4]), float(out[5]), out[6] == "1"
        steps = n * 365 * 24
        what = "bars (highs and lows generated)" if bars else "closes only (bars=False)"
        print(f"{what:34s} time {dt:.1f} s ({steps / dt / 1e6:.1f}M path-steps/s including "
              f"generation), peak memory {rss_kb / 1024**2:.2f} GB")
        how = ("the next generated during each simulation" if ahead
               else "generated and simulated in turn")
        k = -(-n // chunk)
        print(f"{'':34s} {k} chunk{'s' * (k > 1)} of {chunk:,} paths, {how}; one chunk alone: "
              f"generation {gen:.1f} s, simulation {sim:.1f} s")


def bench_playground() -> None:
    try:
        from smartlev.teach import widgets
    except ImportError as exc:  # pragma: no cover
        print(f"\n## Playground: not available ({exc})")
        return
    fn = getattr(widgets, "playground_update_seconds", None)
    if fn is None:
        print("\n## Playground: no timing hook")
        return
    t = fn(paths=1000, days=365, repeats=5)
    print("\n## Playground update (1,000 paths x 365 daily steps x 4 products; best of 5)")
    print(f"market control moved (new market, 4 products re-simulated): "
          f"{t['market_change'] * 1000:.0f} ms (target <= 150 ms; simulate "
          f"{t['market_change_simulate'] * 1000:.0f} ms, "
          f"draw {t['market_change_draw'] * 1000:.0f} ms)")
    print(f"product control moved (one product re-simulated): {t['product_change'] * 1000:.0f} ms")
    print(f"view option (redraw only): {t['redraw'] * 1000:.0f} ms")


def bench_lessons() -> None:
    import nbformat
    from nbclient import NotebookClient

    notebooks = sorted((ROOT / "course").glob("[0-9][0-9]_*.ipynb"))
    print(f"\n## Fresh run of {len(notebooks)} lessons (target: all <= 2 minutes)")
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for nb_path in notebooks:
            nb = nbformat.read(nb_path, as_version=4)
            t0 = time.perf_counter()
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": str(nb_path.parent)}}).execute()
            dt = time.perf_counter() - t0
            total += dt
            print(f"{nb_path.name:40s} {dt:6.1f} s")
            nbformat.write(nb, Path(tmp) / nb_path.name)
    print(f"{'total':40s} {total:6.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs")
    ap.add_argument("--only", choices=["products", "memory", "playground", "lessons"])
    args = ap.parse_args()
    info = {"numpy": np.__version__, "python": sys.version.split()[0]}
    print("smartlev benchmarks", json.dumps(info))
    jobs = {
        "products": lambda: bench_products(1000 if args.quick else 10_000, 3 if args.quick else 5,
                                           2 if args.quick else 5),
        "memory": lambda: bench_memory(5_000 if args.quick else 100_000),
        "playground": bench_playground,
        "lessons": bench_lessons,
    }
    for name, job in jobs.items():
        if args.only in (None, name):
            job()
    print(f"\nbenchmark process peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GB")


if __name__ == "__main__":
    main()
