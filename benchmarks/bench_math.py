r"""Math grader verdicts per second vs plain math-verify, on the same answer set.

    .venv/bin/python benchmarks/bench_math.py [--tasks 300] [--workers 2]

The answer set mixes (1) our numeric families' answer distribution (arithmetic,
linear equations, fractions, word problems, multi-step): the gold boxed as is, in
an equivalent LaTeX form, wrong by one, and behind a "final answer is" anchor; (2)
LaTeX-heavy pairs (polynomials, radicals, pi, trig, sets, intervals), right and
wrong; (3) the documented hacks. Plain math-verify is ``verify(parse(gold),
parse(response))`` with its defaults, in this process's main thread. Ours is
`check_math_answer` from a cold cache (its worker pool is started beforehand),
then again warm. Verdicts must agree except on the hack rows, where disagreement
is the point, and on "period" rows: math-verify reads a sentence-final period
after an anchored fraction ("The final answer is 20/7.") as 20/7.0 and rejects
a correct answer; ours accepts it.
"""

from __future__ import annotations

import argparse
import logging
import time
from fractions import Fraction

from math_verify import parse, parser, verify
from sympy.core.cache import clear_cache

from gymforge.graders import check_math_answer
from gymforge.graders._math import _CACHE
from gymforge.graders._math_pool import shared_pool
from gymforge.tasks import ArithmeticFamily
from gymforge.tasks.reasoning import (
    FractionsFamily,
    LinearEquationsFamily,
    MultiStepFamily,
    WordProblemsFamily,
)

LATEX_PAIRS = [
    ("x^2+2x+1", r"(x+1)^2", True),
    ("x^2+2x+1", r"(x+1)^3", False),
    (r"2\sqrt{2}", r"\sqrt{8}", True),
    (r"2\sqrt{2}", r"\sqrt{6}", False),
    (r"\frac{\pi}{2}", r"\pi/2", True),
    (r"\frac{\pi}{2}", r"\frac{\pi}{3}", False),
    (r"\frac{\sqrt{3}}{2}", r"\sin\left(\frac{\pi}{3}\right)", True),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", True),
    (r"\{1, 2, 3\}", r"\{3, 2, 1\}", True),
    (r"(1, 2]", r"(1, 2]", True),
    (r"[0, \infty)", r"[0, \infty)", True),
    (r"(1, 2]", r"[1, 2]", False),
    (r"3x - 7", r"-7 + 3x", True),
    (r"\frac{x+1}{x-1}", r"\frac{x-1}{x+1}", False),
    (r"e^{2}", r"e^2", True),
    (r"\log_2 8", r"3", True),
    (r"\binom{5}{2}", r"10", True),
    (r"4\pi r^2", r"4 r^2 \pi", True),
    (r"a^2 - b^2", r"(a-b)(a+b)", True),
    (r"\sqrt[3]{27}", r"3", True),
]
HACKS = [  # (gold, response): plain math-verify credits these, ours does not
    ("2", r"\boxed{3 = 2}"),
    ("2", r"\boxed{x=1=2}"),
    ("2", r"\boxed{2 \approx 3}"),
    ("2", r"\boxed{2\%}"),
    ("50", r"\boxed{50\%}"),
    ("5", r"\boxed{5 \pm 1}"),
]


def family_pairs(n: int) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    families = [
        ArithmeticFamily(),
        LinearEquationsFamily(),
        FractionsFamily(),
        WordProblemsFamily(),
        MultiStepFamily(),
    ]
    for fam in families:
        for i in range(n):
            gold = str(fam.generate(i, seed=7).answer)
            value = Fraction(gold)
            if value.denominator == 1:
                other = f"{value.numerator}.0"
            else:
                other = rf"\frac{{{value.numerator}}}{{{value.denominator}}}"
            rows += [
                ("family", gold, rf"So the result is \boxed{{{gold}}}."),
                ("family", gold, rf"\boxed{{{other}}}"),
                ("family", gold, rf"\boxed{{{value + 1}}}"),
                # math-verify reads "20/7." as 20/7.0 and rejects it: tagged "period".
                ("period" if "/" in gold else "family", gold, f"The final answer is {gold}."),
            ]
    return rows


def plain(gold: str, response: str) -> bool:
    return bool(verify(parse(f"${gold}$"), parse(response)))


def cold_start(workers: int) -> None:
    """Empty every cache both sides keep, and start fresh workers."""
    clear_cache()
    for cached in (parser.parse_latex_cached, parser.parse_expr_cached, parser.extract_latex):
        cached.cache_clear()
    _CACHE.clear()
    shared_pool(workers).close()
    shared_pool(workers).warm_up()


def measure(dataset: list[tuple[str, str, str]], workers: int) -> dict[str, object]:
    cold_start(workers)
    start = time.perf_counter()
    reference = [plain(g, r) for _, g, r in dataset]
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = [check_math_answer(g, r, workers=workers) for _, g, r in dataset]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    for _, g, r in dataset:
        check_math_answer(g, r, workers=workers)
    warm_s = time.perf_counter() - start
    differ: dict[str, int] = {}
    unexpected = []
    for (kind, g, r), ref, mine in zip(dataset, reference, ours, strict=True):
        if (mine.value == 1.0) != ref:
            differ[kind] = differ.get(kind, 0) + 1
            if kind not in ("hack", "period"):
                unexpected.append((g, r, ref, mine))
    paths: dict[str, int] = {}
    for v in ours:
        paths[v.path] = paths.get(v.path, 0) + 1
    return {
        "n": len(dataset),
        "plain": len(dataset) / plain_s,
        "cold": len(dataset) / ours_s,
        "warm": len(dataset) / warm_s,
        "differ": differ,
        "unexpected": unexpected,
        "paths": paths,
    }


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--tasks", type=int, default=200, help="tasks per family")
    cli.add_argument("--latex-repeat", type=int, default=8, help="samples per LaTeX answer")
    cli.add_argument("--workers", type=int, default=2)
    args = cli.parse_args()
    logging.getLogger("math_verify").setLevel(logging.ERROR)

    family = family_pairs(args.tasks)
    latex = [("latex", g, rf"\boxed{{{r}}}") for g, r, _ in LATEX_PAIRS]
    hacks = [("hack", g, r) for g, r in HACKS]
    sets = {
        "family answers": family,
        "LaTeX-heavy, each once": latex,
        f"mixed (LaTeX x{args.latex_repeat} samples)": family + latex * args.latex_repeat + hacks,
    }
    print(
        f"{'answer set':34s} {'n':>6s} {'math-verify/s':>14s} {'ours cold/s':>12s} "
        f"{'ratio':>6s} {'ours warm/s':>12s}  verdicts that differ"
    )
    for label, dataset in sets.items():
        m = measure(dataset, args.workers)
        ratio = float(m["cold"]) / float(m["plain"])  # type: ignore[arg-type]
        print(
            f"{label:34s} {m['n']:6d} {m['plain']:14,.0f} {m['cold']:12,.0f} "
            f"{ratio:5.1f}x {m['warm']:12,.0f}  {m['differ']} paths={m['paths']}"
        )
        for g, r, ref, mine in m["unexpected"][:10]:  # type: ignore[index]
            print(f"  UNEXPECTED gold={g!r} response={r!r} math-verify={ref} ours={mine}")
    truth = [check_math_answer(g, rf"\boxed{{{r}}}").value == 1.0 for g, r, _ in LATEX_PAIRS]
    right = sum(t == p[2] for t, p in zip(truth, LATEX_PAIRS, strict=True))
    print(f"LaTeX pairs judged as intended: {right}/{len(LATEX_PAIRS)}")
    shared_pool(args.workers).close()


if __name__ == "__main__":
    main()
