"""What a math worker process runs: math-verify's parse and verify, timeouts off.

Imported only inside the worker processes of `gymforge.graders._math_pool` (and by
the benchmark); the pool enforces the time budget by killing the process, so
math-verify's ``signal.alarm`` timeouts are disabled here. A worker runs without
gymforge's package ``__init__`` files (see `gymforge.graders._math_pool`), so this
module imports only leaf modules.
"""

from __future__ import annotations

from typing import Any

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

from gymforge.graders._math_text import has_percent, strip_percent

__all__ = ["extract_anchored", "handle", "verify_candidate"]

# Boxed answers first; no extraction without an anchor ("final answer is ...").
ANSWER_CONFIG = (
    LatexExtractionConfig(try_extract_without_anchor=False, boxed_match_priority=0),
    ExprExtractionConfig(try_extract_without_anchor=False),
)
GOLD_CONFIG = (LatexExtractionConfig(), ExprExtractionConfig())


def _parse(text: str, config: Any) -> list[Any]:
    return list(parse(text, config, parsing_timeout=None))


def parse_gold(gold: str) -> list[Any]:
    """The gold answer parsed on its own (it is trusted text, anchors not needed)."""
    return _parse(f"${gold}$", GOLD_CONFIG) or _parse(gold, GOLD_CONFIG)


def verify_candidate(gold: str, answer: str, percent: bool) -> bool:
    """Gold first: does the boxed `answer` equal `gold` (percent: answer / 100)?"""
    gold_percent = has_percent(gold)
    gold_parsed = parse_gold(strip_percent(gold) if gold_percent else gold)
    pred = _parse(f"\\boxed{{{answer}}}", ANSWER_CONFIG)
    if not gold_parsed or not pred:
        return False
    expr = pred[0]
    if isinstance(expr, str):
        return bool(verify(gold_parsed, pred, timeout_seconds=None))
    if percent and not gold_percent:
        return bool(verify(gold_parsed, [expr / 100], timeout_seconds=None))
    if verify(gold_parsed, [expr], timeout_seconds=None):
        return True
    if gold_percent and not percent:
        scaled = [g / 100 for g in gold_parsed if not isinstance(g, str)]
        return bool(scaled) and bool(verify(scaled, [expr], timeout_seconds=None))
    return False


def extract_anchored(response: str) -> str | None:
    """The answer text math-verify finds behind an anchor ("final answer is 3"), or None."""
    found = _parse(response, ANSWER_CONFIG)
    texts = [f for f in found if isinstance(f, str)]
    return texts[-1] if texts else None


def handle(op: str, *args: Any) -> Any:
    """Dispatch one request from the pool."""
    if op == "verify":
        return verify_candidate(*args)
    if op == "extract":
        return extract_anchored(*args)
    if op == "sleep":  # used by tests to exercise the timeout path deterministically
        import time

        time.sleep(float(args[0]))
        return True
    if op == "modules":  # used by tests to check what a worker imported
        import sys

        return sorted(sys.modules)
    raise ValueError(f"unknown math worker op {op!r}")
