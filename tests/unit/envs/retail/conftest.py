"""Shared helpers of the Retail tests (fixture `h`): play an episode, grade a transcript."""

from __future__ import annotations

import types as _types
from collections.abc import Awaitable, Callable, Sequence

import pytest

from gymforge.envs.retail import RetailEnv
from gymforge.envs.retail._grading import RetailGrader
from gymforge.types import Message, Score, Task, ToolCall, Trajectory


def trajectory(task: Task, messages: Sequence[Message], info: dict | None = None) -> Trajectory:
    return Trajectory(
        run_id="t",
        env_id="gymforge/Retail-v0",
        task_id=task.id,
        sample=0,
        seed=0,
        policy="test",
        task=task,
        messages=tuple(messages),
        info=info or {},
    )


async def grade(task: Task, messages: Sequence[Message], info: dict | None = None) -> Score:
    return await RetailGrader().grade(task, trajectory(task, messages, info))


async def play(
    env: RetailEnv,
    *,
    seed: int = 0,
    task: Task | None = None,
    act: Callable[[RetailEnv], Awaitable[Message]] | None = None,
    max_steps: int = 150,
) -> tuple[list[Message], Score, bool, dict]:
    """Play one episode with `act` (default: the oracle) and grade it."""
    options = {"task": task} if task is not None else None
    obs, _ = await env.reset(seed=seed, options=options)
    messages = list(obs)
    extra: dict = {}
    terminated = False
    for _ in range(max_steps):
        action = await (act(env) if act else env.reference_action())
        result = await env.step(action)
        messages += [action, *result.observation]
        extra = dict(result.info.extra)
        if result.terminated:
            terminated = True
            break
    score = await RetailGrader().grade(env.task, trajectory(env.task, messages, extra))
    return messages, score, terminated, extra


def call(name: str, args: dict, i: int = 0) -> Message:
    return Message.assistant(tool_calls=[ToolCall.make(name, args, id=f"c{i}")])


def transcript_text(messages: Sequence[Message]) -> str:
    lines = []
    for m in messages:
        calls = [(c.name, c.function.arguments) for c in m.tool_calls or ()]
        lines.append(f"{m.role}|{m.content}|{calls}|{m.tool_call_id}")
    return "\n".join(lines)


@pytest.fixture
def h():
    """The helpers above, as one namespace (test modules cannot import each other)."""
    return _types.SimpleNamespace(
        trajectory=trajectory, grade=grade, play=play, call=call, transcript_text=transcript_text
    )
