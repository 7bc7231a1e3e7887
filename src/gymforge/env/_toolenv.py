"""`ToolEnv`: the base of multi-turn, tool-using envs."""

from __future__ import annotations

import abc
import random
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from gymforge._util import seeded_random
from gymforge.env._env import Env
from gymforge.env._episode import RESET_OPTIONS, SeedStream, TaskBound, resolve_task
from gymforge.env._tools import Tool, tool
from gymforge.errors import EnvError, ToolError
from gymforge.types import Info, JsonValue, Message, StepResult, Task, ToolCall

if TYPE_CHECKING:
    from gymforge.graders import Grader
    from gymforge.tasks import TaskFamily

__all__ = ["ToolEnv", "answer_tool_calls"]


async def answer_tool_calls(
    calls: Sequence[ToolCall], tools: Sequence[Tool], *, ended: Callable[[], bool] | None = None
) -> list[Message]:
    """Run tool calls in order and answer each with a ``tool`` message.

    Every model mistake becomes a message starting with ``error:``: an unknown
    tool (the message lists the available ones), arguments that are not a JSON
    object or fail the schema, or a `ToolError` raised by the tool. Any other
    exception is the env's own bug and raises `EnvError`.

    Args:
        calls: The assistant message's tool calls.
        tools: The tools available now.
        ended: Returns True once the episode has ended; later calls are refused.

    Example:
        >>> import asyncio
        >>> from gymforge.env import tool
        >>> @tool
        ... def answer(value: int) -> str:
        ...     '''Submit the answer.'''
        ...     return "ok"
        >>> calls = [ToolCall.make("calc", {}, id="c1"), ToolCall.make("answer", {}, id="c2")]
        >>> [m.content for m in asyncio.run(answer_tool_calls(calls, [answer]))]
        ["error: unknown tool 'calc'; available: answer", "error: argument 'value': field required"]
    """
    by_name = {t.name: t for t in tools}
    out: list[Message] = []
    for call in calls:
        found = by_name.get(call.name)
        if ended is not None and ended():
            text = "error: the episode has ended; this call was not run"
        elif found is None:
            available = ", ".join(by_name) or "(none: this env has no tools)"
            text = f"error: unknown tool {call.name!r}; available: {available}"
        else:
            try:
                text = await found.invoke(call.function.arguments)
            except ToolError as exc:
                text = f"error: {exc}"
            except Exception as exc:
                raise EnvError(f"tool {call.name!r} crashed: {exc!r}") from exc
        out.append(Message.tool(text, tool_call_id=call.id, name=call.name))
    return out


class ToolEnv(TaskBound, Env):
    """Base for multi-turn envs where the agent calls tools and talks in text.

    Subclasses declare tools as methods decorated with `tool` (or pass functions
    as ``tools=``) and implement:

    - ``opening_messages()``: the observation of `reset` (system text, first user turn);
    - ``reference_action()``: the reference solution's next action;
    - optionally ``on_reset(options)`` to build episode state from ``self.rng`` and
      set ``self.milestones``; ``on_text(message)`` for a plain-text turn (the
      default ends the episode: the text is the final answer); ``available_tools()``
      when the tool set depends on the state; ``policy_text()``; ``info_extra()``.

    `step` answers every tool call with a tool message, in order; a mistake is an
    ``error: ...`` tool message, never an exception. ``self.milestones`` is reported
    in `Info.milestones` after reset and every step. A tool or hook ends the
    episode with `end_episode`, cuts it short with `truncate_episode` and adds step
    reward with `add_reward`.

    Args:
        family: Where tasks come from.
        grader: The grader of finished episodes.
        tools: Extra tools (functions or `Tool` objects) besides the declared ones.
        policy: The policy text shown in `Info.policy`.

    Example:
        >>> import asyncio
        >>> from gymforge.env import tool
        >>> class Echo(ToolEnv):
        ...     @tool
        ...     def shout(self, text: str) -> str:
        ...         '''Upper-case a text.'''
        ...         self.milestones["shouts"] = 1
        ...         return text.upper()
        ...     async def opening_messages(self):
        ...         return [Message.user(self.task.prompt)]
        ...     async def reference_action(self):
        ...         return Message.assistant("done")
        >>> class Family:
        ...     name, difficulty = "echo", None
        ...     def generate(self, index, *, seed, difficulty=None):
        ...         return Task(id=f"echo/{index}", prompt="Shout 'hi'.")
        >>> env = Echo(Family(), grader=None)
        >>> obs, info = asyncio.run(env.reset(seed=1))
        >>> [t.name for t in info.tools]
        ['shout']
        >>> call = ToolCall.make("shout", {"text": "hi"}, id="c0")
        >>> result = asyncio.run(env.step(Message.assistant(tool_calls=[call])))
        >>> result.observation[0].content, result.info.milestones
        ('HI', {'shouts': 1})
    """

    reset_options: ClassVar[frozenset[str]] = RESET_OPTIONS
    """Reset options this env accepts; subclasses add their own."""

    def __init__(
        self,
        family: TaskFamily,
        grader: Grader,
        *,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        policy: str | None = None,
    ) -> None:
        self._family = family
        self._grader = grader
        self._extra_tools = [t if isinstance(t, Tool) else tool(t) for t in tools]
        self._all_tools: tuple[Tool, ...] | None = None
        self._policy = policy
        self._seeds = SeedStream()
        self._task: Task | None = None
        self._ended = False
        self._truncated = False
        self._step_reward = 0.0
        self.seed: int = 0
        """The current episode's seed."""
        self.rng: random.Random = seeded_random("gymforge.env.episode", 0)
        """The episode's private random stream (seeded from the seed and task id)."""
        self.turn: int = 0
        """Steps taken in this episode."""
        self.milestones: dict[str, JsonValue] = {}
        """Env-verified facts of this episode, reported in every `Info`."""

    # -- hooks -------------------------------------------------------------------

    @abc.abstractmethod
    async def opening_messages(self) -> Sequence[Message]:
        """The observation of `reset`: system text and the first user turn."""

    async def on_reset(self, options: Mapping[str, Any]) -> None:  # noqa: B027 - optional hook
        """Build the episode's state (from ``self.rng``); the default does nothing."""

    async def on_text(self, message: Message) -> Sequence[Message]:
        """A plain-text assistant turn; the default treats it as the final answer."""
        self.end_episode()
        return []

    def available_tools(self) -> Sequence[Tool]:
        """The tools the model may call now: declared methods, then ``tools=``."""
        if self._all_tools is None:
            names: dict[str, None] = {}
            for klass in reversed(type(self).__mro__):
                for name, value in vars(klass).items():
                    if isinstance(value, Tool):
                        names[name] = None
            declared: list[Tool] = [getattr(self, name) for name in names]
            self._all_tools = (*declared, *self._extra_tools)
        return self._all_tools

    def policy_text(self) -> str | None:
        """The written policy for `Info.policy` (None when the env has none)."""
        return self._policy

    def info_extra(self) -> dict[str, JsonValue]:
        """Small env-specific data for `Info.extra`."""
        return {}

    # -- helpers for subclasses --------------------------------------------------

    def end_episode(self) -> None:
        """Mark the episode as terminated at the end of the current step."""
        self._ended = True

    def truncate_episode(self) -> None:
        """Mark the episode as truncated (cut short, e.g. by a limit) at the end of the step.

        A later `step` raises `EnvError`; termination in the same step wins.
        """
        self._truncated = True

    def add_reward(self, reward: float) -> None:
        """Add to the current step's reward."""
        self._step_reward += reward

    @property
    def ended(self) -> bool:
        """True once the episode has terminated."""
        return self._ended

    @property
    def truncated(self) -> bool:
        """True once the episode has been truncated."""
        return self._truncated

    def info(self) -> Info:
        """The `Info` for the current state (a fresh copy each time)."""
        return Info(
            tools=tuple(t.spec for t in self.available_tools()),
            policy=self.policy_text(),
            milestones=self.milestones,
            extra=self.info_extra(),
        )

    # -- the Env contract ----------------------------------------------------------

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Start an episode: seed, task (from options or the family), state, opening."""
        self.seed = self._seeds.next(seed)
        self._task = resolve_task(self._family, self.seed, options, allowed=self.reset_options)
        self.rng = seeded_random("gymforge.env.episode", self.seed, self._task.id)
        self.milestones = {}
        self.turn = 0
        self._ended = False
        self._truncated = False
        self._step_reward = 0.0
        await self.on_reset(dict(options or {}))
        return list(await self.opening_messages()), self.info()

    async def step(self, action: Message) -> StepResult:
        """Answer the tool calls of `action`, or hand its text to `on_text`."""
        if self._truncated:
            raise EnvError("the episode was truncated; call reset() to start a new one")
        self._check_step(action, ended=self._ended)
        self.turn += 1
        self._step_reward = 0.0
        if action.tool_calls:
            observation = await answer_tool_calls(
                action.tool_calls, self.available_tools(), ended=lambda: self._ended
            )
        else:
            observation = list(await self.on_text(action))
        return StepResult(
            observation=tuple(observation),
            reward=self._step_reward,
            terminated=self._ended,
            truncated=self._truncated and not self._ended,
            info=self.info(),
        )
