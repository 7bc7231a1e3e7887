"""PythonFunction-v0 and its task family: contract, oracle 1.0, do-nothing 0, no shortcuts."""

from __future__ import annotations

import asyncio

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

from gymforge.env import check_env, make, oracle_episode
from gymforge.env.authoring import episode_trajectory
from gymforge.envs.python_function import PythonFunctionEnv
from gymforge.sandbox import decode_value
from gymforge.tasks.code import CATEGORIES, LEVELS, TEMPLATES, CodeFunctionFamily
from gymforge.types import Message, Task

ENV_ID = "gymforge/PythonFunction-v0"


def test_family_is_deterministic_and_covers_every_template() -> None:
    family = CodeFunctionFamily()
    assert family.generate(7, seed=3) == family.generate(7, seed=3)
    assert family.generate(7, seed=3) != family.generate(7, seed=4)
    seen = {family.generate(i, seed=0).metadata["function"] for i in range(200)}
    assert seen == {t.function for t in TEMPLATES}
    assert {t.category for t in TEMPLATES} == set(CATEGORIES)
    assert {t.level for t in TEMPLATES} == set(LEVELS)


@pytest.mark.parametrize("level", LEVELS)
def test_levels_and_categories_filter(level: int) -> None:
    family = CodeFunctionFamily(level, categories=["string"])
    tasks = [family.generate(i, seed=1) for i in range(10)]
    assert {t.difficulty for t in tasks} == {level}
    assert {t.metadata["category"] for t in tasks} == {"string"}
    with pytest.raises(ValueError, match="categories"):
        CodeFunctionFamily(categories=["poetry"])
    with pytest.raises(ValueError, match="difficulty"):
        CodeFunctionFamily(4)


def test_hidden_tests_extend_the_visible_examples() -> None:
    task = CodeFunctionFamily(3).generate(0, seed=0)
    visible, hidden = task.metadata["examples"], task.answer["tests"]  # type: ignore[index]
    assert isinstance(visible, list)
    assert isinstance(hidden, list)
    assert visible == hidden[: len(visible)]
    assert len(hidden) >= len(visible) + 8 + 12
    for example in visible:
        assert repr(decode_value(example["expected"])) in task.prompt  # type: ignore[index]


async def grade_text(env: PythonFunctionEnv, seed: int, text: str) -> float | None:
    obs, _ = await env.reset(seed=seed)
    action = Message.assistant(text)
    result = await env.step(action)
    traj = episode_trajectory(env, [*obs, action, *result.observation], [], seed=seed, policy="x")
    return (await env.grader().grade(env.task, traj)).value


async def test_check_env_and_oracle() -> None:
    await check_env(make(ENV_ID))


def test_gymnasium_check_env() -> None:
    env = gymnasium.make(ENV_ID)
    try:
        gymnasium_check_env(env.unwrapped)
    finally:
        env.close()


async def test_oracle_scores_one_on_every_template() -> None:
    env = PythonFunctionEnv()
    done: set[str] = set()
    seed = 0
    while done != {t.function for t in TEMPLATES}:
        traj = await oracle_episode(env, seed=seed)
        function = str(traj.task.metadata["function"])
        seed += 1
        if function in done:
            continue
        score = await env.grader().grade(traj.task, traj)
        assert score.value == 1.0, (traj.task.id, score.explanation)
        done.add(function)


@pytest.mark.parametrize("text", ["", "I don't know.", "```python\n```"])
async def test_do_nothing_scores_zero(text: str) -> None:
    assert await grade_text(PythonFunctionEnv(), 5, text) == 0.0


async def test_special_casing_the_visible_examples_fails() -> None:
    env = PythonFunctionEnv()
    for seed in range(4):
        await env.reset(seed=seed)
        task: Task = env.task
        lines = [f"def {task.metadata['function']}(*args):", "    table = {"]
        for example in task.metadata["examples"]:  # type: ignore[union-attr]
            args = repr(tuple(map(repr, decode_value(example["args"]))))  # type: ignore[index]
            lines.append(f"        {args}: {decode_value(example['expected'])!r},")  # type: ignore[index]
        lines += ["    }", "    return table.get(tuple(map(repr, args)))"]
        cheat = "```python\n" + "\n".join(lines) + "\n```"
        value = await grade_text(env, seed, cheat)
        assert value is not None
        assert 0.0 < value < 0.5, (task.id, value)


async def test_many_episodes_grade_concurrently() -> None:
    async def one(seed: int) -> float | None:
        env = PythonFunctionEnv(difficulty=1)
        traj = await oracle_episode(env, seed=seed)
        return (await env.grader().grade(traj.task, traj)).value

    assert await asyncio.gather(*(one(s) for s in range(6))) == [1.0] * 6
