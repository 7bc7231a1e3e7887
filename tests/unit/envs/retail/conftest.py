"""Shared helpers of the Retail tests (fixture `h`): play an episode, grade a transcript."""

from __future__ import annotations

import types as _types
from collections.abc import Awaitable, Callable, Sequence

import pytest

from gymforge.env.authoring import turn_record
from gymforge.envs.retail import RetailEnv
from gymforge.envs.retail._grading import RetailGrader
from gymforge.types import Message, Score, Task, ToolCall, ToolOutcome, Trajectory, Turn


def trajectory(
    task: Task,
    items: Sequence[Message | ToolOutcome],
    info: dict | None = None,
    turns: Sequence[Turn] | None = None,
) -> Trajectory:
    """A trajectory of messages; each `ToolOutcome` among them is the reply to its call,
    recorded on the turn of the assistant message before it (or give `turns`)."""
    messages: list[Message] = []
    built: list[Turn] = []
    for item in items:
        if isinstance(item, ToolOutcome):
            messages.append(item.message())
            last = built[-1]
            built[-1] = last.model_copy(update={"tool_outcomes": (*last.tool_outcomes, item)})
        else:
            messages.append(item)
            if item.role == "assistant":
                built.append(Turn(reward=0.0))
    return Trajectory(
        run_id="t",
        env_id="gymforge/Retail-v0",
        task_id=task.id,
        sample=0,
        seed=0,
        policy="test",
        task=task,
        messages=tuple(messages),
        turns=tuple(built if turns is None else turns),
        info=info or {},
    )


async def grade(
    task: Task,
    items: Sequence[Message | ToolOutcome],
    info: dict | None = None,
    turns: Sequence[Turn] | None = None,
) -> Score:
    return await RetailGrader().grade(task, trajectory(task, items, info, turns))


async def episode(
    env: RetailEnv,
    *,
    seed: int = 0,
    task: Task | None = None,
    act: Callable[[RetailEnv], Awaitable[Message]] | None = None,
    max_steps: int = 150,
) -> tuple[Trajectory, Score]:
    """Play one episode with `act` (default: the oracle); its trajectory and grade."""
    options = {"task": task} if task is not None else None
    obs, _ = await env.reset(seed=seed, options=options)
    messages = list(obs)
    turns: list[Turn] = []
    extra: dict = {}
    for _ in range(max_steps):
        action = await (act(env) if act else env.reference_action())
        result = await env.step(action)
        messages += [action, *result.observation]
        turns.append(turn_record(result))
        extra = dict(result.info.extra)
        if result.terminated:
            break
    traj = trajectory(env.task, messages, extra, turns)
    traj = traj.model_copy(update={"terminated": bool(turns and turns[-1].terminated)})
    return traj, await RetailGrader().grade(env.task, traj)


async def play(
    env: RetailEnv,
    *,
    seed: int = 0,
    task: Task | None = None,
    act: Callable[[RetailEnv], Awaitable[Message]] | None = None,
    max_steps: int = 150,
) -> tuple[list[Message], Score, bool, dict]:
    """Play one episode with `act` (default: the oracle) and grade it."""
    traj, score = await episode(env, seed=seed, task=task, act=act, max_steps=max_steps)
    return list(traj.messages), score, traj.terminated, dict(traj.info)


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
        trajectory=trajectory,
        grade=grade,
        play=play,
        episode=episode,
        call=call,
        transcript_text=transcript_text,
    )
