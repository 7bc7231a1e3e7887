"""Grading of a Retail episode: database state x required outputs x policy rules.

Where the final state comes from: the grader rebuilds it from the trajectory
alone, by state replay (see docs/writing-an-env.md). It loads the task's world
(regenerated from the seed in the metadata) and re-invokes, in order, every write
call the env recorded as run (``trajectory.successful_calls(writes_only=True)``,
with `gymforge.env.replay_calls`); the tools are deterministic, so this reproduces
the env's final database. The task's hidden answer holds the gold diff, computed
when the task was built by replaying its gold actions on the same world; both are
diffs from the same start, so they are equal exactly when the final states are.

Two cross-checks make the score undecided (None) instead of a reward: a replayed
call that does not run as it did in the episode, and an env-recorded diff
(`Info.extra["db_diff"]`, kept as ``trajectory.info``) that disagrees with the
replay. Either is an env bug or tampering, never a reward.
"""

from __future__ import annotations

from typing import Any, cast

from gymforge.env import replay_calls
from gymforge.envs.retail._db import (
    Change,
    canonical_state,
    diff_states,
    initial_state,
    load_world,
    normalize,
)
from gymforge.envs.retail._policy import check_policy
from gymforge.envs.retail._toolkit import mentions
from gymforge.envs.retail._tools import WRITE_TOOLS, Shop
from gymforge.envs.retail._world import World, WorldConfig, generate_world, load_world_file
from gymforge.graders import BuiltinGrader, register_grader
from gymforge.types import Score, Task, Trajectory

__all__ = [
    "RetailGrader",
    "compare_diffs",
    "replay_diff",
    "retail_grader",
    "world_config_from",
    "world_of",
]


def world_config_from(data: Any) -> WorldConfig:
    """Rebuild a `WorldConfig` from its JSON form in task metadata.

    Example:
        >>> import dataclasses, json
        >>> cfg = WorldConfig(n_products=(3, 4))
        >>> world_config_from(json.loads(json.dumps(dataclasses.asdict(cfg)))) == cfg
        True
    """
    if not isinstance(data, dict):
        return WorldConfig()

    def tup(v: Any) -> Any:
        return tuple(tup(x) for x in v) if isinstance(v, list) else v

    return WorldConfig(**{k: tup(v) for k, v in data.items()})


def world_of(meta: dict[str, Any]) -> World:
    """The world a task was built on: its ``world_file`` if it has one, else the seeded one.

    Example:
        >>> world_of({"world_seed": 3}) == generate_world(3)
        True
    """
    if meta.get("world_file"):
        return load_world_file(str(meta["world_file"]))
    return generate_world(int(meta["world_seed"]), world_config_from(meta.get("world_config")))


async def replay_diff(
    meta: dict[str, Any], trajectory: Trajectory
) -> tuple[list[Change], list[str]]:
    """The database diff of an episode's recorded writes, replayed on the task's world.

    Returns the diff and the problems of the replay (calls that did not run as the
    episode recorded them; empty when the replay explains the episode).

    Example:
        >>> import asyncio
        >>> from gymforge.envs.retail import RetailTaskFamily
        >>> task = RetailTaskFamily().generate(0, seed=0, difficulty=1)
        >>> traj = Trajectory(run_id="r", env_id="gymforge/Retail-v1", task_id=task.id,
        ...                   sample=0, seed=0, policy="none", task=task)
        >>> asyncio.run(replay_diff(task.metadata, traj))
        ([], [])
    """
    world = world_of(meta)
    db = load_world(world)
    try:
        before = initial_state(world)
        writes = [o for o in trajectory.successful_calls(writes_only=True) if o.tool in WRITE_TOOLS]
        problems = [
            f"{old.tool} (call {old.call_id}) replayed as {new.kind}: {new.reply}"
            for old, new in await replay_calls(writes, Shop(db).tools)
            if new.kind != "ok" or new.reply != old.reply
        ]
        return diff_states(before, canonical_state(db)), problems
    finally:
        db.close()


def _key(c: dict[str, Any]) -> str:
    return f"{c['table']}[{c['key']}].{c['field']}"


def compare_diffs(final: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[str]:
    """Field-level differences between the final and gold changes (empty: equal).

    Example:
        >>> gold = [{"table": "orders", "key": "#W1", "field": "status",
        ...          "before": "pending", "after": "cancelled"}]
        >>> compare_diffs([], gold)
        ["orders[#W1].status: expected 'cancelled', got 'pending' (unchanged)"]
    """
    fin = {_key(c): c for c in final}
    want = {_key(c): c for c in gold}
    problems = []
    for k in sorted(set(fin) | set(want)):
        f, g = fin.get(k), want.get(k)
        if f is not None and g is not None:
            if normalize(f["after"]) != normalize(g["after"]):
                problems.append(f"{k}: expected {g['after']!r}, got {f['after']!r}")
        elif g is not None:
            problems.append(f"{k}: expected {g['after']!r}, got {g['before']!r} (unchanged)")
        elif f is not None:
            problems.append(f"{k}: should stay {f['before']!r}, got {f['after']!r}")
    return problems


class RetailGrader(BuiltinGrader):
    """Reward = db x outputs x policy, each 0 or 1, all reported as components.

    - ``db``: the final database equals the gold one (field-level diff explained).
    - ``outputs``: every value the agent must tell the customer appears in an
      assistant message, matched on token boundaries ("10" is not in "$100").
    - ``policy``: no rule of `RULES` is broken (see `check_policy`).

    The final database is rebuilt by replaying the transcript (see the module
    docstring); if the env's recorded ``db_diff`` disagrees, the score is None.

    Example:
        >>> from gymforge.envs.retail import RetailTaskFamily
        >>> import asyncio
        >>> task = RetailTaskFamily().generate(0, seed=0, difficulty=1)
        >>> traj = Trajectory(run_id="r", env_id="gymforge/Retail-v0", task_id=task.id,
        ...                   sample=0, seed=0, policy="none", task=task)
        >>> score = asyncio.run(RetailGrader().grade(task, traj))
        >>> score.value, score.components["db"]
        (0.0, 0.0)
    """

    def __init__(self) -> None:
        super().__init__("retail")

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Score one finished episode."""
        answer: dict[str, Any] = task.answer if isinstance(task.answer, dict) else {}
        meta = cast(dict[str, Any], task.metadata)
        final, replay_problems = await replay_diff(meta, trajectory)
        if replay_problems:
            return Score(
                value=None,
                explanation="the recorded writes do not replay as the episode recorded them: "
                + "; ".join(replay_problems),
            )
        recorded = trajectory.info.get("db_diff")
        lines: list[str] = []
        if isinstance(recorded, list) and compare_diffs(final, cast(list[Change], recorded)):
            return Score(
                value=None,
                explanation="the env's recorded db_diff disagrees with the transcript's writes: "
                + "; ".join(compare_diffs(final, cast(list[Change], recorded))),
            )
        gold = answer.get("db_diff")
        problems = compare_diffs(final, gold if isinstance(gold, list) else [])
        db = 0.0 if problems else 1.0
        lines.append("db: matches the gold state" if not problems else "db: " + "; ".join(problems))
        said = " \n".join(m.content or "" for m in trajectory.messages if m.role == "assistant")
        outputs = [str(o) for o in answer.get("outputs") or []]
        missing = [o for o in outputs if not mentions(said, o)]
        out = 0.0 if missing else 1.0
        lines.append(
            f"outputs: missing {missing}" if missing else f"outputs: all {len(outputs)} said"
        )
        world = world_of(meta)
        owners = {o.order_id: o.user_id for o in world.orders}
        forbidden = [f for i in meta.get("intents") or [] for f in i.get("forbidden") or []]
        violations = check_policy(
            trajectory,
            user_id=str(meta["user_id"]),
            owners=owners,
            forbidden=forbidden,
        )
        pol = 0.0 if violations else 1.0
        lines.append(
            "policy: "
            + (
                "no rule broken"
                if not violations
                else "; ".join(f"{v.rule} at turn {v.turn} ({v.detail})" for v in violations)
            )
        )
        return Score(
            value=db * out * pol,
            components={"db": db, "outputs": out, "policy": pol},
            explanation="\n".join(lines),
        )


@register_grader
def retail_grader() -> RetailGrader:
    """`RetailGrader`, built so that its recorded config rebuilds it (what `RetailEnv` uses).

    Example:
        >>> retail_grader().config
        {'factory': 'gymforge/retail_grader', 'args': {}}
    """
    return RetailGrader()
