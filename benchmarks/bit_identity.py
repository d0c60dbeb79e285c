"""Fingerprints of every generated array, to check that a change to the generators keeps
the numbers to the last bit.

    python benchmarks/bit_identity.py save before.json   # with the code as it was
    python benchmarks/bit_identity.py check before.json  # after the change

Each scenario (with and without bars) is generated for path counts on both sides of the
time-major threshold (64) and of the generator's block size (1024), and read whole and in
ranges that cross a block edge; the closes, opens, highs and lows are hashed with their
layout. ``exp`` may round differently on another CPU or numpy: compare on one machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json

import numpy as np

from smartlev import scenarios as sc


def fingerprint(a: np.ndarray | None) -> str | None:
    if a is None:
        return None
    layout = "C" if a.flags.c_contiguous else "T"
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16] + layout


def fingerprints() -> dict:
    base = sc.gbm(paths=1, days=30, steps_per_day=24, seed=99)
    base_closes = sc.gbm(paths=1, days=30, steps_per_day=24, seed=99, bars=False)
    makers = {
        "gbm": lambda **k: sc.gbm(**k),
        "gbm_drift": lambda **k: sc.gbm(mu=0.3, sigma=1.3, **k),
        "trend": lambda **k: sc.trend(**k),
        "sideways": lambda **k: sc.sideways(**k),
        "jump_diffusion": lambda **k: sc.jump_diffusion(jump_intensity=80.0, **k),
        "no_jumps": lambda **k: sc.jump_diffusion(jump_intensity=0.0, **k),
        "crash": lambda **k: sc.crash(**k),
        "crash_3_steps": lambda **k: sc.crash(over_steps=3, drop=0.5, **k),
        "garch": lambda **k: sc.garch(**k),
        "garch_normal": lambda **k: sc.garch(dist="normal", **k),
        "regime_switching": lambda **k: sc.regime_switching(switch_prob_per_day=0.3, **k),
        "bridge": lambda **k: sc.bridge(end_price=130.0, **k),
        "shuffle_bars": lambda paths, seed, bars, **k: sc.shuffle(base, paths, seed, bars=bars),
        "shuffle_closes": lambda paths, seed, bars, **k: sc.shuffle(
            base_closes, paths, seed, bars=bars
        ),
        "sawtooth": lambda paths, seed, **k: sc.sawtooth(paths=paths, **k),
    }
    cases = [(5, 3, 24), (63, 7, 6), (64, 7, 6), (100, 5, 24), (1100, 2, 24), (1030, 4, 1),
             (2100, 2, 7), (40, 131, 24), (70, 131, 24), (1030, 131, 24)]  # fmt: skip
    out = {}
    for name, make in makers.items():
        for paths, days, spd in cases:
            for bars in (True, False):
                m = make(paths=paths, seed=4, days=days, steps_per_day=spd, bars=bars)
                key = f"{name}/{paths}/{days}/{spd}/{bars}"
                ranges = {"all": (0, paths)}
                if paths > 1024:
                    ranges.update(middle=(10, paths - 3), second_block=(1024, paths))
                for label, (a, b) in ranges.items():
                    out[f"{key}/{label}"] = [fingerprint(x) for x in m.bar_range(a, b)]
                out[f"{key}/closes"] = fingerprint(m.path_range(0, paths))
    return out


def main(fingerprints=fingerprints, doc: str = __doc__) -> None:
    """``save FILE`` or ``check FILE`` the ``fingerprints()`` (also the engine's:
    ``benchmarks/engine_identity.py``)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("action", choices=["save", "check"])
    ap.add_argument("file")
    args = ap.parse_args()
    now = fingerprints()
    if args.action == "save":
        with open(args.file, "w") as f:
            json.dump(now, f, indent=0)
        print(f"{len(now)} fingerprints saved to {args.file}")
        return
    with open(args.file) as f:
        before = json.load(f)
    differ = [k for k in before if before[k] != now.get(k)]
    added = [k for k in now if k not in before]
    print(f"{len(before)} compared, {len(differ)} differ, {len(added)} new")
    for k in differ[:20]:
        print(f"  {k}: {before[k]} -> {now.get(k)}")
    raise SystemExit(1 if differ or added else 0)


if __name__ == "__main__":
    main()
