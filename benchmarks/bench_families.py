"""Items generated and scored per second for every reasoning family, vs reasoning-gym.

    .venv/bin/python benchmarks/bench_families.py [--items 2000] [--repeat 3]

Generation cycles difficulty 1-5; scoring runs each family's own scorer on the
oracle answer (so the full verify path runs, not an early reject). reasoning-gym's
``basic_arithmetic`` (and ``countdown`` / ``knights_knaves`` where it has them) are
measured the same way when the package is installed; best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from gymforge.tasks import ArithmeticFamily
from gymforge.tasks.reasoning import FAMILIES


def best_rate(n: int, repeat: int, run: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n / best


def ours(n: int, repeat: int) -> list[tuple[str, float, float]]:
    rows = []
    for family_type in FAMILIES:
        fam = family_type()
        gen = best_rate(n, repeat, lambda fam=fam: [fam.generate(i, seed=1) for i in range(n)])
        tasks = [fam.generate(i, seed=1) for i in range(n)]
        refs = [str(t.reference) for t in tasks]
        pairs = list(zip(tasks, refs, strict=True))
        score = best_rate(
            n, repeat, lambda fam=fam, pairs=pairs: [fam.score(t, r) for t, r in pairs]
        )
        rows.append((f"gymforge {fam.name}", gen, score))
    arith = ArithmeticFamily()
    gen = best_rate(n, repeat, lambda: [arith.generate(i, seed=1) for i in range(n)])
    rows.append(("gymforge arithmetic (tasks layer)", gen, float("nan")))
    return rows


def reasoning_gym(n: int, repeat: int) -> list[tuple[str, float, float]]:
    try:
        import reasoning_gym as rg
    except ImportError:
        return [("reasoning-gym not installed (issue #4 reference: ~11,000 items/s)", 0.0, 0.0)]
    rows = []
    full = n
    for name in ("basic_arithmetic", "countdown", "knights_knaves"):
        n = full if name == "basic_arithmetic" else min(full, 100)  # the others are slow
        try:
            rg.create_dataset(name, size=1, seed=0)
        except Exception as exc:
            rows.append((f"reasoning-gym {name}: unavailable ({exc})", 0.0, 0.0))
            continue

        def generate(name: str = name, n: int = n) -> list[Any]:
            ds = rg.create_dataset(name, size=n, seed=1)
            return [ds[i] for i in range(n)]

        gen = best_rate(n, repeat, generate)
        ds = rg.create_dataset(name, size=n, seed=1)
        items = [ds[i] for i in range(n)]
        score = best_rate(
            n, repeat, lambda ds=ds, items=items: [ds.score_answer(e["answer"], e) for e in items]
        )
        rows.append((f"reasoning-gym {name}", gen, score))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = ours(args.items, args.repeat) + reasoning_gym(args.items, args.repeat)
    print(f"{'family':45s} {'generated/s':>12s} {'scored/s':>12s}")
    for name, gen, score in rows:
        print(f"{name:45s} {gen:12,.0f} {score:12,.0f}")
    by_name = {name: gen for name, gen, _ in rows}
    ref = by_name.get("reasoning-gym basic_arithmetic")
    if ref:
        for ours_name in (
            "gymforge arithmetic (tasks layer)",
            "gymforge fractions",
            "gymforge linear_equations",
        ):
            print(
                f"{ours_name} / reasoning-gym basic_arithmetic (generation): "
                f"{by_name[ours_name] / ref:.2f}x"
            )


if __name__ == "__main__":
    main()
