"""The math grader: verdicts, every hardening, the fast path, the process-level timeout."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from gymforge.graders._math import MathGrader, check_math_answer, math_verified
from gymforge.graders._math_pool import PoolTimeout, VerifierPool, shared_pool
from gymforge.types import Message, Task, Trajectory


@pytest.fixture(scope="module", autouse=True)
def _close_pool() -> Iterator[None]:
    yield
    shared_pool(1).close()


def check(gold: object, response: str, timeout_s: float = 10.0):  # type: ignore[no-untyped-def]
    return check_math_answer(gold, response, timeout_s=timeout_s, workers=1)  # type: ignore[arg-type]


def trajectory(task: Task, text: str) -> Trajectory:
    return Trajectory(
        run_id="r",
        env_id="e",
        task_id=task.id,
        sample=0,
        seed=0,
        policy="p",
        task=task,
        messages=(Message.user(task.prompt), Message.assistant(text)),
    )


@pytest.mark.parametrize(
    ("gold", "response"),
    [
        (2, r"so \boxed{2}"),
        ("2", r"\boxed{2.0}"),
        (r"\frac{1}{2}", r"\boxed{0.5}"),
        ("0.5", r"\boxed{\dfrac{1}{2}}"),
        (-3, r"\boxed{-3}"),
        ("2", r"\boxed{x = 2}"),
        ("x+1", r"\boxed{1 + x}"),
        (r"\frac{\sqrt{2}}{2}", r"\boxed{\frac{1}{\sqrt{2}}}"),
        ("2", "The final answer is 2."),
        ("0.5", r"\boxed{50\%}"),
        (r"25\%", r"\boxed{25}"),
    ],
)
def test_correct_answers_get_credit(gold: object, response: str) -> None:
    verdict = check(gold, response)
    assert verdict.value == 1.0, verdict


@pytest.mark.parametrize(
    ("gold", "response"),
    [(2, r"\boxed{3}"), ("x+1", r"\boxed{x-1}"), (r"\frac{1}{3}", r"\boxed{0.3}")],
)
def test_wrong_answers_get_zero(gold: object, response: str) -> None:
    assert check(gold, response).value == 0.0


def test_no_anchorless_extraction_from_prose() -> None:
    verdict = check(2, "I tried 1, then 2, then 3.")
    assert verdict.value == 0.0
    assert "no boxed or anchored answer" in verdict.reason
    assert verdict.path == "hardening"  # decided without a worker: no anchor word at all
    assert check(2, "My answer would be... well, I tried 1, 2 and 3").value == 0.0


def test_hack_several_different_boxed_answers() -> None:
    verdict = check(2, r"\boxed{1} or maybe \boxed{2} or \boxed{3}")
    assert verdict.value == 0.0
    assert "different boxed answers" in verdict.reason


def test_repeating_the_same_box_is_fine() -> None:
    assert check(2, r"\boxed{2}, again: \boxed{ 2 }").value == 1.0


@pytest.mark.parametrize("box", [r"\boxed{3 = 2}", r"\boxed{x=1=2}", r"\boxed{2 \approx 3}"])
def test_hack_hedged_relations(box: str) -> None:
    verdict = check(2, box)
    assert verdict.value == 0.0
    assert "hedged relation" in verdict.reason


@pytest.mark.parametrize(
    "box", [r"\boxed{2 \pm 1}", r"\boxed{2 \text{ or } 3}", r"\boxed{2 \neq 3}"]
)
def test_hack_other_hedges(box: str) -> None:
    assert check(2, box).value == 0.0


def test_hack_answer_spam_list() -> None:
    verdict = check(7, r"\boxed{1, 2, 3, 4, 5, 6, 7, 8, 9}")
    assert verdict.value == 0.0
    assert "spam" in verdict.reason


def test_hack_answer_spam_long() -> None:
    verdict = check(7, r"\boxed{" + "+".join(["7-7"] * 200) + "+7}")
    assert verdict.value == 0.0
    assert "spam" in verdict.reason


def test_hack_empty_box() -> None:
    verdict = check(2, r"the answer is \boxed{ }")
    assert verdict.value == 0.0
    assert verdict.reason == "empty box"


def test_hack_percent_changes_value() -> None:
    verdict = check(2, r"\boxed{2\%}")
    assert verdict.value == 0.0
    # ... also on the sympy path, where plain math-verify equates 9% with 9.
    assert check("x", r"\boxed{x\%}").value == 0.0


def test_hack_huge_expression_times_out_with_none() -> None:
    verdict = check(2, r"\boxed{(10^{7})!}", timeout_s=1.0)
    assert verdict.value is None
    assert "timed out" in verdict.reason
    # The killed worker was replaced: the pool still answers.
    assert check("x+1", r"\boxed{x+1+0}").value == 1.0


def test_timeout_score_is_none_through_the_grader() -> None:
    task = Task(id="t", prompt="?", answer=2)
    score = asyncio.run(
        math_verified(timeout_s=1.0, workers=1).grade(task, trajectory(task, r"\boxed{9^{9^{9}}}"))
    )
    assert score.value is None
    assert "timed out" in score.explanation


def test_fast_path_never_reaches_the_pool() -> None:
    assert check("3/4", r"\boxed{\frac{3}{4}}").path == "fast"
    assert check("12", r"\boxed{12}").path == "fast"


def test_cache_answers_repeats() -> None:
    first = check("y^2", r"\boxed{y \cdot y}")
    second = check("y^2", r"\boxed{y \cdot y}")
    assert (first.path, second.path) == ("sympy", "cache")
    assert first.value == second.value == 1.0


def test_works_from_worker_threads() -> None:
    golds = [f"z+{i}" for i in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        verdicts = list(pool.map(lambda g: check(g, rf"\boxed{{{g[2:]}+z}}"), golds))
    assert [v.value for v in verdicts] == [1.0] * 6


async def test_grade_does_not_block_the_event_loop() -> None:
    task = Task(id="t", prompt="?", answer="w^3 + 1")
    order: list[str] = []

    async def grade() -> None:
        score = await math_verified(workers=1).grade(task, trajectory(task, r"\boxed{1 + w^3}"))
        order.append(f"graded {score.value}")

    async def tick() -> None:
        await asyncio.sleep(0)
        order.append("tick")

    await asyncio.gather(grade(), tick())
    assert order == ["tick", "graded 1.0"]


def test_pool_timeout_kills_and_replaces_worker() -> None:
    pool = VerifierPool(size=1)
    try:
        assert pool.call(("sleep", 0), timeout_s=60) is True
        result = pool.call(("sleep", 30), timeout_s=0.5)
        assert isinstance(result, PoolTimeout)
        assert pool.call(("sleep", 0), timeout_s=60) is True
    finally:
        pool.close()


def test_pool_reports_worker_errors() -> None:
    pool = VerifierPool(size=1)
    try:
        with pytest.raises(RuntimeError, match="unknown math worker op"):
            pool.call(("nope",), timeout_s=60)
    finally:
        pool.close()


def test_grader_pickles_and_validates() -> None:
    grader = math_verified(name="m", timeout_s=2.0)
    clone = pickle.loads(pickle.dumps(grader))
    assert isinstance(clone, MathGrader)
    assert clone.config == {
        "factory": "gymforge/math_verified",
        "args": {"timeout_s": 2.0, "workers": None, "name": "m"},
    }
    with pytest.raises(ValueError, match="timeout_s"):
        math_verified(timeout_s=0)
    with pytest.raises(ValueError, match="gold answer"):
        check(None, r"\boxed{1}")


def test_simple_anchored_numbers_take_the_fast_path() -> None:
    verdict = check("20/7", "So the final answer is 20/7.")
    assert (verdict.value, verdict.path) == (1.0, "fast")
    assert check(r"-\frac{6}{5}", r"\boxed{\frac{-6}{5}}").path == "fast"
    # Two anchors: not the simple case; the worker extracts the last one.
    assert check("3", "The answer is 2? No, the final answer is 3").value == 1.0
