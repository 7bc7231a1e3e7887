"""The desk env's own tests: the family, the rules, the grader and the baseline checklist.

Run from this folder after ``pip install -e .`` (the entry point must be installed:
that is how gymforge finds the env): ``pytest``.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from importlib.metadata import entry_points
from pathlib import Path

import gymforge
import gymnasium
import pytest
from gymforge.env import check_env, list_envs, make, oracle_episode
from gymforge.graders import grader_config, grader_from_config
from gymforge.rollout import RunConfig, read_trajectories, run
from gymforge.types import Message, ToolCall, Trajectory
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

from library_desk import ENV_ID
from library_desk.env import LibraryDeskEnv
from library_desk.grader import library_state
from library_desk.tasks import (
    LEVELS,
    LibraryTasks,
    check_gold,
    draft_task,
    replay_gold,
    task_data,
)

RANDOM_TASKS = 60
"""Tasks (x 2 samples) the random baseline is measured on."""
RANDOM_MAX_MEAN = 0.02
"""What "random scores about 0" means here: a mean reward of at most 0.02 over them."""


def _run(tmp_path: Path, policy: str, num_tasks: int, group_size: int = 1) -> list[Trajectory]:
    out = tmp_path / f"{policy.replace(':', '_')}.jsonl"
    config = RunConfig(
        env_id=ENV_ID, policy=policy, num_tasks=num_tasks, group_size=group_size, out=str(out)
    )
    result = run(config)
    assert result.summary.errors == 0
    return read_trajectories(out)


def _call(name: str, call_id: str, **arguments: object) -> Message:
    return Message.assistant(tool_calls=[ToolCall.make(name, arguments, id=call_id)])


# -- registration -------------------------------------------------------------------------


def test_the_entry_point_registers_the_env() -> None:
    plugins = {ep.value for ep in entry_points(group="gymforge.envs")}
    assert "library_desk:register_envs" in plugins, "not installed: pip install -e ."
    assert ENV_ID in {spec.id for spec in list_envs()}
    assert make(ENV_ID).spec.reward_range == (0.0, 1.0)


# -- the task family ----------------------------------------------------------------------


def test_item_i_at_seed_s_is_the_same_task_and_other_seeds_differ() -> None:
    family = LibraryTasks()
    first = [family.generate(i, seed=3) for i in range(6)]
    assert first == [LibraryTasks().generate(i, seed=3) for i in range(6)]
    assert first != [family.generate(i, seed=4) for i in range(6)]
    assert [t.difficulty for t in first] == [1, 2, 3, 1, 2, 3]
    assert len({t.id for t in first}) == 6


@pytest.mark.parametrize("level", LEVELS)
def test_every_task_carries_a_gold_script_that_replays_to_its_answer(level: int) -> None:
    family = LibraryTasks(difficulty=level)
    for index in range(25):
        task = family.generate(index, seed=0)
        assert check_gold(task) == [], task.id
        assert task.tags
        assert set(task.tags) <= {"borrow", "return", "renew", "fine", "late"}
        assert len(task_data(task).goals) == level


def test_drafts_whose_gold_fails_are_never_produced() -> None:
    rejected = 0
    for index in range(30):
        draft = draft_task(index, seed=0, level=3, attempt=0)
        if replay_gold(task_data(draft)).problems:
            rejected += 1
            task = LibraryTasks().generate(index, seed=0, difficulty=3)
            assert task.metadata != draft.metadata
            assert check_gold(task) == []
    assert rejected > 0, "no first draft failed: the validation is not being exercised"


def test_a_gold_script_missing_its_payment_is_caught() -> None:
    family = LibraryTasks(difficulty=1)
    task = next(t for t in (family.generate(i, seed=0) for i in range(200)) if "fine" in t.tags)
    data = task_data(task)
    broken = data.model_copy(update={"gold": tuple(c for c in data.gold if c.tool != "pay_fine")})
    problems = check_gold(task.model_copy(update={"metadata": broken.model_dump(mode="json")}))
    assert len(problems) == 1
    assert "must be paid before a loan" in problems[0]


# -- the env's rules and milestones --------------------------------------------------------


def _fine_task() -> gymforge.Task:
    family = LibraryTasks(difficulty=1)
    return next(t for t in (family.generate(i, seed=0) for i in range(200)) if "fine" in t.tags)


def test_a_write_before_the_lookup_is_refused_and_changes_nothing() -> None:
    async def main() -> None:
        task = _fine_task()
        card = task_data(task).gold[0].arguments["card"]
        env = LibraryDeskEnv()
        await env.reset(seed=0, options={"task": task})
        paid = await env.step(_call("pay_fine", "c1", card=card, amount_cents=25))
        assert [o.kind for o in paid.tool_outcomes] == ["refused"]
        assert paid.info.milestones["refused"] == 1
        assert paid.info.milestones["writes"] == 0
        # Looking up and writing in the same turn is refused too: the lookup's answer
        # had not been read when the write was made.
        both = await env.step(
            Message.assistant(
                tool_calls=[
                    ToolCall.make("lookup_member", {"card": card}, id="c2"),
                    ToolCall.make("pay_fine", {"card": card, "amount_cents": 25}, id="c3"),
                ]
            )
        )
        assert [o.kind for o in both.tool_outcomes] == ["ok", "refused"]
        assert both.info.milestones["looked_up"] is True
        again = await env.step(_call("pay_fine", "c4", card=card, amount_cents=25))
        assert [o.kind for o in again.tool_outcomes] == ["ok"]
        assert again.info.milestones == {
            "looked_up": True, "writes": 1, "refused": 2, "tool_errors": 0,
            "requests_done": 0, "all_done": False,
        }  # fmt: skip
        await env.close()

    asyncio.run(main())


def _loan_task() -> gymforge.Task:
    family = LibraryTasks(difficulty=1)
    tasks = (family.generate(i, seed=0) for i in range(200))
    return next(t for t in tasks if {"return", "renew"} & set(t.tags))


def test_a_write_on_a_loan_is_refused_until_its_holder_is_looked_up() -> None:
    async def main() -> None:
        task = _loan_task()
        data = task_data(task)
        card = data.gold[0].arguments["card"]
        (write,) = (c for c in data.gold if c.tool in {"return_book", "renew"})
        other = next(x for x in data.world.loans if x.card != card)
        env = LibraryDeskEnv()
        await env.reset(seed=0, options={"task": task})
        early = await env.step(_call(write.tool, "c1", **write.arguments))
        assert [o.kind for o in early.tool_outcomes] == ["refused"]
        assert card in early.tool_outcomes[0].reply
        await env.step(_call("lookup_member", "c2", card=card.lower()))
        # The rule is about the loan's holder: someone else's loan is still refused,
        # a loan number that does not exist is the library's to refuse.
        mixed = await env.step(
            Message.assistant(
                tool_calls=[
                    ToolCall.make("renew", {"loan_id": other.id}, id="c3"),
                    ToolCall.make("return_book", {"loan_id": 999}, id="c4"),
                    ToolCall.make(write.tool, write.arguments, id="c5"),
                ]
            )
        )
        assert [o.kind for o in mixed.tool_outcomes] == ["refused", "tool_raised", "ok"]
        assert other.card in mixed.tool_outcomes[0].reply
        assert mixed.info.milestones["requests_done"] == 1
        await env.close()

    asyncio.run(main())


def test_the_library_says_no_with_a_tool_error() -> None:
    async def main() -> None:
        task = _fine_task()
        data = task_data(task)
        card = data.gold[0].arguments["card"]
        book = next(c for c in data.gold if c.tool == "checkout").arguments["book_id"]
        env = LibraryDeskEnv()
        await env.reset(seed=0, options={"task": task})
        await env.step(_call("lookup_member", "c1", card=card))
        lent = await env.step(_call("checkout", "c2", card=card, book_id=book))
        (outcome,) = lent.tool_outcomes
        assert outcome.kind == "tool_raised"
        assert "must be paid before a loan" in outcome.reply
        assert lent.info.milestones["tool_errors"] == 1
        await env.close()

    asyncio.run(main())


# -- the grader ---------------------------------------------------------------------------


def _oracle(seed: int = 0) -> Trajectory:
    return asyncio.run(oracle_episode(make(ENV_ID), seed=seed))


def test_the_grader_replays_writes_and_reports_components() -> None:
    traj = _oracle(seed=5)
    score = asyncio.run(library_state().grade(traj.task, traj))
    assert score.value == 1.0
    assert score.components == {"loans": 1.0, "fines": 1.0}
    # The same episode without its writes leaves the world as it started: 0, not None.
    bare = traj.model_copy(update={"turns": ()})
    assert asyncio.run(library_state().grade(bare.task, bare)).value == 0.0


def test_a_record_its_calls_do_not_explain_is_undecided() -> None:
    traj = _oracle(seed=5)
    turns = []
    for turn in traj.turns:
        outcomes = tuple(
            o.model_copy(update={"reply": "loan 99: forged"}) if o.writes else o
            for o in turn.tool_outcomes
        )
        turns.append(turn.model_copy(update={"tool_outcomes": outcomes}))
    forged = traj.model_copy(update={"turns": tuple(turns)})
    score = asyncio.run(library_state().grade(forged.task, forged))
    assert score.value is None
    assert "undecided" in score.explanation


def test_the_grader_rebuilds_from_its_recorded_config_and_pickles() -> None:
    grader = make(ENV_ID).grader()
    record = json.loads(json.dumps(grader_config(grader)))
    assert record == {"factory": "library_desk/library_state", "args": {"name": "library_state"}}
    rebuilt = grader_from_config(record)
    traj = _oracle(seed=2)
    for g in (rebuilt, pickle.loads(pickle.dumps(grader))):
        assert asyncio.run(g.grade(traj.task, traj)).value == 1.0


# -- the baseline checklist ---------------------------------------------------------------


def test_oracle_scores_1(tmp_path: Path) -> None:
    trajectories = _run(tmp_path, "oracle", num_tasks=30)
    assert [t.reward for t in trajectories] == [1.0] * 30
    # The gold scripts obey the desk's rule (their validation replays them on the bare
    # world): no call of the reference is refused.
    assert {o.kind for t in trajectories for o in t.tool_outcomes()} == {"ok"}
    assert all(t.milestones["all_done"] is True for t in trajectories)


def test_do_nothing_scores_0(tmp_path: Path) -> None:
    trajectories = _run(tmp_path, "nothing", num_tasks=30)
    assert [t.reward for t in trajectories] == [0.0] * 30


def test_random_scores_about_0(tmp_path: Path) -> None:
    trajectories = _run(tmp_path, "random", num_tasks=RANDOM_TASKS, group_size=2)
    rewards = [t.reward for t in trajectories]
    assert len(rewards) == 2 * RANDOM_TASKS
    assert None not in rewards
    assert sum(r or 0.0 for r in rewards) / len(rewards) <= RANDOM_MAX_MEAN
    # It did play: it called tools, and some of its calls were answered with errors.
    assert any(t.milestones["tool_errors"] for t in trajectories)


def test_a_constant_refusal_scores_0(tmp_path: Path) -> None:
    trajectories = _run(tmp_path, "py:library_desk.policies:refuse", num_tasks=30)
    assert [t.reward for t in trajectories] == [0.0] * 30
    assert trajectories[0].messages[-1].content == "I cannot help with that."


def test_gymforge_check_env_passes() -> None:
    asyncio.run(check_env(make(ENV_ID)))


def test_gymnasium_check_env_passes() -> None:
    env = gymnasium.make(ENV_ID)
    try:
        gymnasium_check_env(env.unwrapped)
    finally:
        env.close()
