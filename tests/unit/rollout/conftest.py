"""Small fake env / policy / grader for engine tests (no dependence on other subpackages)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from gymforge.env import Env
from gymforge.errors import EnvError, GraderError, PolicyError
from gymforge.types import (
    Generation,
    Info,
    Message,
    Sampling,
    Score,
    StepResult,
    Task,
    ToolSpec,
    Trajectory,
    Usage,
)


@dataclass
class Probe:
    """Shared counters the fakes update (in-flight episodes, closes, calls)."""

    in_flight: int = 0
    max_in_flight: int = 0
    resets: int = 0
    closes: int = 0
    seeds: list[int] = field(default_factory=list)


class FakeFamily:
    name = "fake"
    difficulty: int | None = None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(
            id=f"fake/s{seed}/{index}",
            prompt=f"say {index % 3}",
            answer=index % 3,
            family="fake",
            difficulty=difficulty if difficulty is not None else index % 2,
        )


class FakeGrader:
    name = "fake_exact"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        if self.fail:
            raise GraderError("grader broke")
        said = [m.content for m in trajectory.messages if m.role == "assistant"]
        ok = bool(said) and said[-1] == str(task.answer)
        return Score(value=1.0 if ok else 0.0, components={"exact": 1.0 if ok else 0.0})


class FakeEnv(Env):
    """Ends after `turns` steps; may fail at reset/step/close."""

    def __init__(self, probe: Probe, *, turns: int = 1, fail_at: str | None = None) -> None:
        self.probe = probe
        self.turns = turns
        self.fail_at = fail_at
        self._task: Task | None = None
        self._step = 0
        self._open = False

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        self.probe.in_flight += 1
        self._open = True
        self.probe.max_in_flight = max(self.probe.max_in_flight, self.probe.in_flight)
        self.probe.resets += 1
        self.probe.seeds.append(int(seed or 0))
        if self.fail_at == "reset":
            raise EnvError("reset broke")
        self._task = (options or {})["task"]
        tools = (ToolSpec(name="noop", description="does nothing", parameters={"type": "object"}),)
        return [Message.system("be brief"), Message.user(self._task.prompt)], Info(tools=tools)

    async def step(self, action: Message) -> StepResult:
        await asyncio.sleep(0)
        if self.fail_at == "step":
            raise RuntimeError("step broke")
        self._step += 1
        done = self._step >= self.turns
        return StepResult(
            observation=() if done else (Message.user("again"),),
            reward=0.5,
            terminated=done,
            info=Info(milestones={"answered": done, "steps": self._step}, extra={"k": 1}),
        )

    async def close(self) -> None:
        if self._open:
            self.probe.in_flight -= 1
            self._open = False
        self.probe.closes += 1
        if self.fail_at == "close":
            raise EnvError("close broke")

    async def reference_action(self) -> Message:
        assert self._task is not None
        return Message.assistant(str(self._task.answer))

    @property
    def task(self) -> Task:
        assert self._task is not None
        return self._task

    @property
    def task_family(self) -> FakeFamily:
        return FakeFamily()

    def grader(self) -> FakeGrader:
        return FakeGrader()


class OraclePolicy:
    """Plays the env's reference; optionally sleeps, fails or interrupts."""

    name = "fake-oracle"

    def __init__(
        self,
        env: Any,
        *,
        sleep: float = 0.0,
        fail: BaseException | None = None,
        wrong: bool = False,
    ) -> None:
        self.env = env
        self.sleep = sleep
        self.fail = fail
        self.wrong = wrong
        self.seeds: list[int] = []

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        if self.sleep:
            await asyncio.sleep(self.sleep)
        if self.fail is not None:
            raise self.fail
        ref = await self.env.reference_action()
        usage = Usage(prompt_tokens=10, completion_tokens=2)
        content = "wrong" if self.wrong else ref.content
        return Message.assistant(content, generation=Generation(usage=usage, latency_s=0.0))


@pytest.fixture
def kit() -> SimpleNamespace:
    return SimpleNamespace(
        Probe=Probe,
        FakeEnv=FakeEnv,
        FakeGrader=FakeGrader,
        FakeFamily=FakeFamily,
        OraclePolicy=OraclePolicy,
        PolicyError=PolicyError,
    )
