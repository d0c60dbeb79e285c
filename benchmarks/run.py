"""Speed, latency and memory benchmarks. They print figures; nothing here asserts a time.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # smaller runs, for a smoke check

Figures printed:
- path-steps per second of each product on 10,000 paths x 365 days x 24 steps a day
  (best of five runs), the same model as a plain per-path Python loop on a subset, and
  the ratio; the market is generated, so its prices are stored time-major, and two
  products are also timed on the same prices stored one row per path;
- peak memory of a 100,000-path hourly Monte Carlo kept as final values only;
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


def bench_products(paths: int, loop_paths: int) -> None:
    days, spd = 365, 24
    t0 = time.perf_counter()
    m = sl.scenarios.gbm(mu=0.0, sigma=0.8, days=days, steps_per_day=spd, paths=paths, seed=0)
    prices = m.prices
    gen = time.perf_counter() - t0
    m = sl.Market.from_prices(prices, steps_per_day=spd, name="gbm")
    n = paths * days * spd
    print(f"\n## Products: {paths:,} paths x {days} days x {spd} steps/day = {n / 1e6:.1f}M "
          f"path-steps (market generated in {gen:.1f} s)")
    print(f"{'product':30s} {'kernel':>14s} {'per-path loop':>16s} {'ratio':>8s}")
    for name, product in PRODUCTS.items():
        best = np.inf  # best of 5: the machine's other work only ever slows a run down
        for _ in range(5):
            t0 = time.perf_counter()
            sl.simulate(product, m, history=False, progress=False)
            best = min(best, time.perf_counter() - t0)
        k = n / best
        t0 = time.perf_counter()
        for i in range(loop_paths):
            simulate_path(product, prices[i], steps_per_day=spd)
        lp = loop_paths * days * spd / (time.perf_counter() - t0)
        print(f"{name:30s} {k / 1e6:10.1f} M/s {lp / 1e6:12.2f} M/s {k / lp:7.0f}x")
    # generated scenarios are stored time-major; an array with one row per path is read
    # through a transposed copy, which costs this much
    rows = sl.Market.from_prices(np.ascontiguousarray(prices), steps_per_day=spd)
    for name in ("3x token (band 2-4x)", "Smart Leverage (vol target)"):
        best = np.inf
        for _ in range(5):
            t0 = time.perf_counter()
            sl.simulate(PRODUCTS[name], rows, history=False, progress=False)
            best = min(best, time.perf_counter() - t0)
        print(f"{name + ', one row per path':44s} {n / best / 1e6:10.1f} M/s")


MEMORY_CHILD = """
import resource, time, smartlev as sl
m = sl.scenarios.gbm(sigma=0.8, days=365, steps_per_day=24, paths={paths}, seed=1)
t0 = time.perf_counter()
r = sl.simulate(sl.SmartLeverage(), m, history=False, progress=False)
dt = time.perf_counter() - t0
try:  # the peak of this process alone (ru_maxrss can carry the parent's over from fork)
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(dt, r.final_nav.shape[0], peak)
"""


def bench_memory(paths: int) -> None:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD.format(paths=paths)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    dt, n, rss_kb = float(out[0]), int(out[1]), int(out[2])
    steps = n * 365 * 24
    print(f"\n## Large run: {n:,} paths x 365 days x 24 steps/day, Smart Leverage, final "
          f"values only (scenario generated lazily in chunks)")
    print(f"time {dt:.1f} s ({steps / dt / 1e6:.1f}M path-steps/s including generation), "
          f"peak memory {rss_kb / 1024**2:.2f} GB")


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
        "products": lambda: bench_products(1000 if args.quick else 10_000, 3 if args.quick else 10),
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
