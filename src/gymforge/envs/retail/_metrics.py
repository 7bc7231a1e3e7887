"""pass@k and pass^k of Retail trajectories broken down by intent type.

Retail tasks carry their intent kinds (``task.metadata["intent_kinds"]``) and the same
kinds as tags (``"intent:<kind>"`` in ``task.tags``). ``gymforge.rollout.summarize``
already reports these figures per tag (``Summary.by_tag``), and that is what ``gymforge
run`` shows. This module stays because the env layer sits below ``gymforge.rollout`` and
cannot import it: it gives the breakdown with no run summary, keyed by bare kind, with
tasks that have no kinds under ``"(none)"``. Its ``pass_at_k``/``pass_hat_k`` are the shared
ones of ``gymforge._util`` (also behind ``gymforge.rollout``) with this module's own
message for a k larger than the samples. A task with several intents counts towards each kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from gymforge import _util
from gymforge.types import Trajectory

__all__ = ["intent_breakdown", "pass_at_k", "pass_hat_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased chance that at least one of k samples (of n, c correct) succeeds.

    Example:
        >>> pass_at_k(4, 1, 1), pass_at_k(4, 1, 4)
        (0.25, 1.0)
    """
    if k > n:
        raise ValueError(f"k={k} is larger than the {n} samples")
    return _util.pass_at_k(n, c, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Unbiased chance that all of k samples (of n, c correct) succeed (τ-bench's pass^k).

    Example:
        >>> pass_hat_k(4, 3, 1), pass_hat_k(4, 3, 4)
        (0.75, 0.0)
    """
    if k > n:
        raise ValueError(f"k={k} is larger than the {n} samples")
    return _util.pass_hat_k(n, c, k)


def intent_breakdown(
    trajectories: Iterable[Trajectory], *, k: int = 1
) -> dict[str, dict[str, float]]:
    """{intent kind: {"tasks", "pass@k", "pass^k"}} over tasks with at least k samples.

    A sample succeeds when its reward is at least 1; undecided rewards count as failures.

    Example:
        >>> from gymforge.types import Task
        >>> t = Task(id="r/1", prompt="", metadata={"intent_kinds": ["cancel", "info"]})
        >>> trajs = [Trajectory(run_id="r", env_id="e", task_id="r/1", sample=i, seed=i,
        ...                     policy="p", task=t, reward=float(i == 0)) for i in range(2)]
        >>> intent_breakdown(trajs, k=2)["cancel"]
        {'tasks': 1.0, 'pass@k': 1.0, 'pass^k': 0.0}
    """
    samples: dict[str, list[bool]] = defaultdict(list)
    kinds: dict[str, list[str]] = {}
    for t in trajectories:
        samples[t.task_id].append(t.reward is not None and t.reward >= 1.0)
        found = t.task.metadata.get("intent_kinds")
        kinds[t.task_id] = [str(x) for x in found] if isinstance(found, list) else ["(none)"]
    per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for task_id, results in samples.items():
        if len(results) < k:
            continue
        n, c = len(results), sum(results)
        for kind in dict.fromkeys(kinds[task_id]):
            per_kind[kind].append((pass_at_k(n, c, k), pass_hat_k(n, c, k)))
    return {
        kind: {
            "tasks": float(len(rows)),
            "pass@k": sum(r[0] for r in rows) / len(rows),
            "pass^k": sum(r[1] for r in rows) / len(rows),
        }
        for kind, rows in sorted(per_kind.items())
    }
