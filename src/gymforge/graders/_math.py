r"""Verified math grading: math-verify + sympy, hardened, fast, and safe to time out.

`check_math_answer(gold, response)` is the synchronous core and `math_verified()` the
`Grader` built on it. The path of one answer:

1. **Extraction.** Boxed answers first (``\boxed{..}``, ``\fbox{..}``). With no box,
   math-verify looks for an *anchored* answer ("the final answer is 3"); there is
   never anchor-less extraction from prose, so "I tried 1, 2 and 3" scores nothing.
2. **Hardenings** (`gymforge.graders._math_text.prepare_candidate`): several
   different boxes, an empty box, hedged relations (``\boxed{3 = 2}``,
   ``\boxed{x=1=2}``, ``\boxed{2 \approx 3}``), and answer spam (a list or an
   over-long answer for a single-valued gold) get no credit; a percent sign means
   "divide by 100", so ``\boxed{2\%}`` is not 2.
3. **Fast path**: plain integers, decimals and simple fractions are compared with
   exact rational arithmetic in the calling process.
4. **Cache**: an LRU of (gold, answer) verdicts.
5. **Workers**: anything else goes to a pool of spawned processes running
   math-verify (gold first). A call over budget has its worker killed and
   replaced and returns ``value=None`` with the reason; it never hangs.

Example:
    >>> check_math_answer("2", r"so the answer is \boxed{2}").value
    1.0
    >>> check_math_answer("2", r"\boxed{2 \approx 3}").value
    0.0
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from gymforge.graders._extract import final_text
from gymforge.graders._math_pool import PoolTimeout, shared_pool
from gymforge.graders._math_text import (
    Candidate,
    fast_compare,
    find_boxed,
    prepare_candidate,
)
from gymforge.graders._registry import BuiltinGrader, register_grader
from gymforge.types import JsonValue, Score, Task, Trajectory

__all__ = ["MathGrader", "MathVerdict", "check_math_answer", "math_verified"]

# "... the final answer is 42." at the very end, said once: no need for a worker to find it.
_SIMPLE_ANCHORED = re.compile(
    r"(?:final answer|answer)\s*(?:is|:)\s*\$?([+-]?\d+(?:\.\d+)?(?:/\d+)?)\$?\s*\.?\s*$",
    re.IGNORECASE,
)
_ANCHOR_WORD = re.compile(r"answer", re.IGNORECASE)
_MAX_ANSWER_CHARS = 400
"""Longer boxed answers are spam for a short gold (the gold's own length is allowed too)."""


@dataclass(frozen=True)
class MathVerdict:
    """The outcome of one comparison."""

    value: float | None
    """1.0 correct, 0.0 wrong or no credit, None undecided (timeout, worker failure)."""
    reason: str
    """Why, for a person reading the trajectory."""
    path: str
    """Which stage decided: "hardening", "fast", "cache", "sympy" or "timeout"."""


class _Lru:
    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[tuple[str, str, bool], bool] = OrderedDict()
        self._lock = threading.Lock()
        self.maxsize = maxsize

    def get(self, key: tuple[str, str, bool]) -> bool | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def put(self, key: tuple[str, str, bool], value: bool) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)


_CACHE = _Lru(65_536)


def _gold_text(gold: JsonValue) -> str:
    if isinstance(gold, bool) or gold is None or isinstance(gold, dict | list):
        raise ValueError(
            f"math grading needs a number or a LaTeX string as the gold answer, got {gold!r}"
        )
    return str(gold).strip()


def _spam(candidate: Candidate, gold: str) -> str | None:
    text = candidate.text or ""
    if len(text) > max(_MAX_ANSWER_CHARS, 4 * len(gold)):
        return f"answer spam: a {len(text)}-character answer for a short gold"
    if "," not in gold and ";" not in gold and text.count(",") + text.count(";") >= 2:
        return "answer spam: a list of values for a single-valued gold"
    return None


def _verdict(ok: bool, path: str, answer: str) -> MathVerdict:
    word = "equals" if ok else "does not equal"
    return MathVerdict(1.0 if ok else 0.0, f"answer {answer!r} {word} the gold", path)


def _candidate(
    response: str, gold: str, timeout_s: float, workers: int | None
) -> Candidate | MathVerdict:
    boxes = find_boxed(response)
    if boxes or r"\boxed" in response:
        return prepare_candidate(boxes, gold)
    anchors = len(_ANCHOR_WORD.findall(response))
    if anchors == 0:  # every math-verify anchor contains the word "answer"
        return Candidate(None, "no boxed or anchored answer")
    simple = _SIMPLE_ANCHORED.search(response)
    if simple is not None and anchors == 1:
        return prepare_candidate([simple.group(1)], gold)
    found = shared_pool(workers).call(("extract", response), timeout_s=timeout_s)
    if isinstance(found, PoolTimeout):
        return MathVerdict(None, f"could not decide: extraction {found.reason}", "timeout")
    if not found:
        return Candidate(None, "no boxed or anchored answer")
    return prepare_candidate([found], gold)


def check_math_answer(
    gold: JsonValue,
    response: str,
    *,
    timeout_s: float = 5.0,
    workers: int | None = None,
) -> MathVerdict:
    r"""Compare `response`'s final answer with `gold` (synchronous, thread-safe).

    Args:
        gold: The reference answer: a number or a LaTeX string (e.g. ``"\frac{1}{2}"``).
        response: The model's text.
        timeout_s: Budget of one sympy call; over it the verdict is None.
        workers: Size of the shared worker pool (default min(2, CPUs)).

    Raises:
        ValueError: `gold` is not a number or a string.

    Example:
        >>> check_math_answer(r"\frac{1}{2}", r"\boxed{0.5}").path
        'fast'
    """
    gold_text = _gold_text(gold)
    candidate = _candidate(response, gold_text, timeout_s, workers)
    if isinstance(candidate, MathVerdict):
        return candidate
    return _settle(gold_text, candidate) or _sympy(gold_text, candidate, timeout_s, workers)


def _settle(gold: str, candidate: Candidate) -> MathVerdict | None:
    """The verdict decided in this process (hardenings, fast path, cache), or None."""
    if candidate.text is None:
        return MathVerdict(0.0, candidate.reason, "hardening")
    spam = _spam(candidate, gold)
    if spam is not None:
        return MathVerdict(0.0, spam, "hardening")
    shown = candidate.text + ("%" if candidate.percent else "")
    fast = fast_compare(gold, candidate)
    if fast is not None:
        return _verdict(fast, "fast", shown)
    cached = _CACHE.get((gold, candidate.text, candidate.percent))
    if cached is not None:
        return _verdict(cached, "cache", shown)
    return None


def _sympy(gold: str, candidate: Candidate, timeout_s: float, workers: int | None) -> MathVerdict:
    """The verdict of a worker process (blocking), cached when decided."""
    assert candidate.text is not None  # noqa: S101 - _settle answered every one without text
    key = (gold, candidate.text, candidate.percent)
    result = shared_pool(workers).call(
        ("verify", gold, candidate.text, candidate.percent), timeout_s=timeout_s
    )
    if isinstance(result, PoolTimeout):
        return MathVerdict(None, f"could not decide: sympy {result.reason}", "timeout")
    _CACHE.put(key, bool(result))
    shown = candidate.text + ("%" if candidate.percent else "")
    return _verdict(bool(result), "sympy", shown)


class MathGrader(BuiltinGrader):
    r"""Grades the last assistant message against ``task.answer`` with `check_math_answer`.

    Build it with `math_verified`. The score's component named after the grader
    repeats the value. ``grade`` never blocks the event loop: anything beyond the
    fast path runs in a thread that waits on the worker pool.
    """

    def __init__(self, *, name: str, timeout_s: float, workers: int | None) -> None:
        super().__init__(name)
        self.timeout_s = timeout_s
        self.workers = workers

    def check(self, task: Task, text: str) -> MathVerdict:
        """The verdict for `text` as the answer to `task` (synchronous)."""
        return check_math_answer(task.answer, text, timeout_s=self.timeout_s, workers=self.workers)

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Score the episode's final answer; None when sympy could not decide in time."""
        text = final_text(trajectory) or ""
        gold = _gold_text(task.answer)
        boxes = find_boxed(text)
        if not boxes:
            verdict = await asyncio.to_thread(self.check, task, text)
        else:  # the candidate `check` would pick: settle it here when no worker is needed
            candidate = prepare_candidate(boxes, gold)
            settled = _settle(gold, candidate)
            verdict = (
                settled
                if settled is not None
                else await asyncio.to_thread(_sympy, gold, candidate, self.timeout_s, self.workers)
            )
        return Score(
            value=verdict.value,
            components={self.name: verdict.value},
            explanation=f"{verdict.reason} [{verdict.path}]",
        )


@register_grader
def math_verified(
    *, timeout_s: float = 5.0, workers: int | None = None, name: str = "math"
) -> MathGrader:
    r"""Hardened math-verify equivalence of the final answer and ``task.answer``.

    Boxed answers first, anchored answers otherwise, never anchor-less prose;
    hedges, spam and value-changing percent signs get no credit; plain numbers
    take an exact fast path, repeats hit a cache, and sympy runs in killable
    worker processes (see the module docstring).

    Args:
        timeout_s: Budget of one sympy call; over it the score is None with the reason.
        workers: Worker pool size (None: min(2, CPUs)); pools are shared per size.
        name: Metric name of the score's component.

    Raises:
        ValueError: `timeout_s` is not positive.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="1+1?", answer=2)
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...                   policy="p", task=task,
        ...                   messages=(Message.assistant(r"\boxed{2}"),))
        >>> asyncio.run(math_verified().grade(task, traj)).value
        1.0
        >>> math_verified(timeout_s=2.0).config["args"]["timeout_s"]
        2.0
    """
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    return MathGrader(name=name, timeout_s=timeout_s, workers=workers)
