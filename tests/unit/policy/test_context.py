"""Only the oracle is given the env: nothing any other policy factory receives leads to the
task's hidden answer, through the real rollout engine."""

from __future__ import annotations

import dataclasses
import gc
import pickle
import sys
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gymforge.env import Env, SingleTurnEnv
from gymforge.policy import (
    ConstantPolicy,
    OracleFactory,
    OraclePolicy,
    PolicyContext,
    episode_policy,
)
from gymforge.rollout import RunConfig, read_trajectories, run_async
from gymforge.types import Message, Sampling, Score, Task, Trajectory

SECRET = f"pw-{uuid.uuid4().hex}"  # appears nowhere but in the tasks' answers


class SecretFamily:
    name = "secret"
    difficulty = None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(
            id=f"secret/s{seed}/{index}",
            prompt="Say the password.",
            answer=f"{SECRET}-{index}",  # a new str object per task
            family="secret",
        )


class ExactGrader:
    name = "exact"

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        said = [m.content for m in trajectory.messages if m.role == "assistant"]
        return Score(value=1.0 if said and said[-1] == f"\\boxed{{{task.answer}}}" else 0.0)


def secret_env() -> SingleTurnEnv:
    return SingleTurnEnv(SecretFamily(), grader=ExactGrader())


def reachable(root: object) -> Iterator[object]:
    """Every object reachable from `root` through references (`gc.get_referents`).

    Classes, modules and module globals are shared code, not data handed over, and lead
    to everything in the process; the walk does not enter them.
    """
    module_globals = {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, type | types.ModuleType) or id(obj) in module_globals:
            continue
        yield obj
        stack.extend(gc.get_referents(obj))


def leaks(root: object) -> list[str]:
    """What of the hidden answer, a task or an env is reachable from `root`."""
    found = []
    for obj in reachable(root):
        if isinstance(obj, str) and SECRET in obj:
            found.append(f"the answer {obj!r}")
        elif isinstance(obj, Task | Env):
            found.append(f"a {type(obj).__name__}")
    return found


async def test_the_walk_finds_the_answer_from_an_env() -> None:
    env = secret_env()  # the check can fail: from the env, the answer is reachable
    await env.reset(seed=0)
    assert any("the answer" in leak for leak in leaks(env))


@pytest.fixture
def peeking_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    name = f"peeking_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(
        "from gymforge.policy import ConstantPolicy\n"
        "RECEIVED = []\n"
        "SHARED = ConstantPolicy('no idea', name='peeking')\n"
        "def factory(given):\n"
        "    RECEIVED.append(given)\n"
        "    return SHARED\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


async def test_a_py_factory_cannot_reach_the_hidden_answer(
    tmp_path: Path, peeking_module: str
) -> None:
    config = RunConfig(
        env_id="test/Secret-v0",
        policy=f"py:{peeking_module}:factory",
        num_tasks=3,
        group_size=2,
        out=tmp_path / "peek.jsonl",
    )
    result = await run_async(config, env_factory=secret_env)
    received = sys.modules[peeking_module].RECEIVED
    assert len(received) == 6  # one call per episode
    for given in received:
        assert leaks(given) == []
    trajectories = read_trajectories(config.out)
    contexts = {(c.task_id, c.sample): c for c in received}
    for t in trajectories:  # what it does get: the episode's ids and seed
        ids = {"run_id": t.run_id, "task_id": t.task_id, "sample": t.sample, "seed": t.seed}
        assert contexts[t.key] == PolicyContext(env_id="test/Secret-v0", **ids)
    assert result.summary.mean_reward == 0.0

    oracle = config.model_copy(update={"policy": "oracle", "out": tmp_path / "oracle.jsonl"})
    result = await run_async(oracle, env_factory=secret_env)
    assert result.summary.mean_reward == 1.0
    assert all(t.reward == 1.0 for t in read_trajectories(oracle.out))


def test_the_context_is_frozen_and_says_why_the_env_is_missing() -> None:
    context = PolicyContext(env_id="a/B-v0", run_id="r", task_id="t", sample=1, seed=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.seed = 3  # type: ignore[misc]
    with pytest.raises(AttributeError, match="only the oracle .* is given the env"):
        context.env  # noqa: B018
    assert pickle.loads(pickle.dumps(context)) == context


class Source:
    async def reference_action(self) -> Message:
        return Message.assistant("ref")


async def test_only_an_oracle_factory_is_handed_the_env() -> None:
    context = PolicyContext(env_id="a/B-v0", run_id="r", task_id="t", sample=0, seed=0)
    env = Source()
    got: list[object] = []

    def plain(given: object) -> ConstantPolicy:
        got.append(given)
        return ConstantPolicy("x")

    episode_policy(plain, context, env)
    oracle = episode_policy(OracleFactory(), context, env)
    custom = episode_policy(OracleFactory(lambda e: got.append(e) or OraclePolicy(e)), context, env)
    assert got == [context, env]
    assert isinstance(oracle, OraclePolicy)
    assert (await custom.act([], [], seed=0, sampling=Sampling())).content == "ref"


def test_oracle_factory_checks_its_argument_and_pickles() -> None:
    with pytest.raises(TypeError, match="callable"):
        OracleFactory(3)  # type: ignore[arg-type]
    again = pickle.loads(pickle.dumps(OracleFactory()))
    assert isinstance(again.bind(Source()), OraclePolicy)
    assert repr(again) == "OracleFactory(OraclePolicy)"
