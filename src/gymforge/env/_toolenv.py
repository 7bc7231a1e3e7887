"""`ToolEnv`: the base of multi-turn, tool-using envs."""

from __future__ import annotations

import abc
import inspect
import json
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from gymforge._util import seeded_random
from gymforge.env._env import Env
from gymforge.env._episode import RESET_OPTIONS, SeedStream, TaskBound, resolve_task
from gymforge.env._tools import Tool, tool
from gymforge.errors import EnvError, ToolError
from gymforge.types import (
    Info,
    JsonValue,
    Message,
    StepResult,
    Task,
    ToolCall,
    ToolOutcome,
    ToolOutcomeKind,
)

if TYPE_CHECKING:
    from gymforge.graders import Grader
    from gymforge.tasks import TaskFamily

__all__ = ["ToolEnv", "answer_tool_calls", "replay_calls"]


def _decoded(raw: str) -> tuple[JsonValue, bool]:
    """The call's arguments as recorded: decoded JSON, or the raw text when it is not JSON."""
    if not raw.strip():
        return {}, True  # no arguments at all: what `Tool.validate` reads as {}
    try:
        value: JsonValue = json.loads(raw)
    except ValueError:
        return raw, False
    return value, True


BeforeCall = Callable[[ToolCall, Mapping[str, Any]], Awaitable[None]]
"""A check run before a valid call's tool: ``(call, validated arguments)``; it refuses the
call by raising `ToolRefused` (or `ToolError`), recorded like the tool's own."""


async def answer_tool_calls(
    calls: Sequence[ToolCall],
    tools: Sequence[Tool],
    *,
    ended: Callable[[], bool] | None = None,
    seen_ids: set[str] | None = None,
    before: BeforeCall | None = None,
) -> list[ToolOutcome]:
    """Run tool calls in order; the outcome of each, with the reply the model reads.

    Nothing the model gets wrong raises: a call after the episode ended
    (``after_end``), an id already used in the episode (``duplicate_id``: never run,
    so no later reply replaces an earlier one), an unknown tool (``unknown_tool``;
    the reply lists the available ones), arguments that are not a JSON object or
    fail the schema (``bad_arguments``), a `ToolError` raised by the tool
    (``tool_raised``, or ``refused`` / ``fault`` for `ToolRefused` / `ToolFault`).
    Each reply to such a call starts with ``error:`` for the model's sake; the
    outcome's `kind` is what code reads. Any other exception is the env's own bug
    and raises `EnvError`. `ToolOutcome.message` is the tool message to observe.

    Args:
        calls: The assistant message's tool calls.
        tools: The tools available now.
        ended: Returns True once the episode has ended (or was truncated); later calls
            are answered as ``after_end`` and not run.
        seen_ids: The call ids used so far in the episode; each new id is added.
            None checks uniqueness within these calls only.
        before: Run before each valid call's tool (see `BeforeCall`); an env's own
            rules refuse a call there, so the tools stay the world's alone.

    Example:
        >>> import asyncio
        >>> from gymforge.env import tool
        >>> @tool
        ... def answer(value: int) -> str:
        ...     '''Submit the answer.'''
        ...     return "ok"
        >>> calls = [ToolCall.make("calc", {}, id="c1"), ToolCall.make("answer", {}, id="c2")]
        >>> for o in asyncio.run(answer_tool_calls(calls, [answer])):
        ...     print(o.kind, "|", o.reply)
        unknown_tool | error: unknown tool 'calc'; available: answer
        bad_arguments | error: argument 'value': field required
    """
    by_name = {t.name: t for t in tools}
    ids = set() if seen_ids is None else seen_ids
    out: list[ToolOutcome] = []
    for call in calls:
        found = by_name.get(call.name)
        arguments, parsed = _decoded(call.function.arguments)
        kind: ToolOutcomeKind = "ok"
        if ended is not None and ended():
            kind, text = "after_end", "error: the episode has ended; this call was not run"
        elif call.id in ids:
            kind = "duplicate_id"
            text = (
                f"error: call id {call.id!r} was already used in this episode; "
                "this call was not run (give every call a new id)"
            )
        elif found is None:
            available = ", ".join(by_name) or "(none: this env has no tools)"
            kind = "unknown_tool"
            text = f"error: unknown tool {call.name!r}; available: {available}"
        else:
            try:
                given = arguments if isinstance(arguments, dict) else call.function.arguments
                values = found.validate(given)
            except ToolError as exc:
                kind, text = "bad_arguments", f"error: {exc}"
            else:
                try:
                    if before is not None:
                        await before(call, values)
                    text = await found.call_validated(values)
                except ToolError as exc:
                    kind, text = cast(ToolOutcomeKind, exc.kind), f"error: {exc}"
                except Exception as exc:
                    raise EnvError(f"tool {call.name!r} crashed: {exc!r}") from exc
        ids.add(call.id)
        out.append(
            ToolOutcome(
                call_id=call.id,
                tool=call.name,
                arguments=arguments,
                arguments_parsed=parsed,
                kind=kind,
                writes=found is not None and found.writes,
                reply=text,
            )
        )
    return out


async def replay_calls(
    calls: Sequence[ToolOutcome], tools: Sequence[Tool]
) -> list[tuple[ToolOutcome, ToolOutcome]]:
    """Re-invoke recorded calls on fresh tools; each recorded outcome with its replay.

    The state-replay grading recipe: build a fresh world from the task (the same
    start the env had), take the calls the env ran (``trajectory.successful_calls()``,
    or with ``writes_only=True`` when reads cannot change the world), re-invoke them
    here in order, then compare the world's final state with the gold one. A pair whose
    replay is not ``ok`` with the same reply means the recorded episode is not
    explained by its calls (a nondeterministic tool, or a tampered record): grade it
    undecided, never as a success. Calls are run with their recorded arguments and
    ids; nothing is checked against the episode's own rules (ended, repeated ids), which
    the env already applied when it recorded them.

    Args:
        calls: Recorded outcomes to re-invoke, in order.
        tools: The fresh world's tools (e.g. the tools of a new env instance or a
            toolkit object built on a fresh copy of the task's world).

    Example:
        >>> import asyncio
        >>> from gymforge.env import tool
        >>> from gymforge.types import ToolOutcome
        >>> box: list[str] = []
        >>> @tool(writes=True)
        ... def put(item: str) -> str:
        ...     '''Put an item in the box.'''
        ...     box.append(item)
        ...     return f"{len(box)} item(s)"
        >>> done = ToolOutcome(call_id="c1", tool="put", arguments={"item": "key"},
        ...                    kind="ok", writes=True, reply="1 item(s)")
        >>> pairs = asyncio.run(replay_calls([done], [put]))
        >>> [(new.kind, new.reply == old.reply) for old, new in pairs]
        [('ok', True)]
        >>> box
        ['key']
    """
    recorded = list(calls)
    replayed = await answer_tool_calls(
        [
            ToolCall.make(
                o.tool,
                json.dumps(o.arguments) if o.arguments_parsed else str(o.arguments),
                id=f"replay_{i}",
            )
            for i, o in enumerate(recorded)
        ],
        tools,
    )
    return [
        (old, new.model_copy(update={"call_id": old.call_id}))
        for old, new in zip(recorded, replayed, strict=True)
    ]


class ToolEnv(TaskBound, Env):
    """Base for multi-turn envs where the agent calls tools and talks in text.

    Subclasses declare tools as methods decorated with `tool` (or pass functions
    as ``tools=``) and implement:

    - ``opening_messages()``: the observation of `reset` (system text, first user turn);
    - ``reference_action()``: the reference solution's next action;
    - optionally ``on_reset(options)`` to build episode state from ``self.rng`` and
      set ``self.milestones``; ``on_text(message)`` for a plain-text turn (the
      default ends the episode: the text is the final answer);
      ``before_call(call, arguments)`` to refuse a call by the env's own rules
      (raise `ToolRefused`) before its tool runs;
      ``after_step(action, outcomes)`` to update state from what the step's calls
      did (it may return more messages to observe); ``available_tools()`` when the
      tool set depends on the state; ``policy_text()``; ``info_extra()``.

    The hooks (``opening_messages``, ``on_reset``, ``on_text``, ``before_call``,
    ``after_step``, ``reference_action``) are ``async def``; a subclass that defines
    one with a plain ``def`` is refused when the class is created. ``reference_action``
    must be a pure function of the state: it looks, it never advances anything.

    `step` answers every tool call in order (`answer_tool_calls`): each call's
    `ToolOutcome` is on `StepResult.tool_outcomes`, and its reply is the tool message
    observed; a mistake is an outcome, never an exception. Call ids are unique within
    an episode: a repeated id is answered with an error and never run.
    ``self.milestones`` is reported in `Info.milestones` after reset and every step.
    A tool or hook ends the episode with `end_episode`, cuts it short with
    `truncate_episode` and adds step reward with `add_reward`.

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
        self._call_ids: set[str] = set()
        self.seed: int = 0
        """The current episode's seed."""
        self.rng: random.Random = seeded_random("gymforge.env.episode", 0)
        """The episode's private random stream (seeded from the seed and task id)."""
        self.turn: int = 0
        """Steps taken in this episode."""
        self.milestones: dict[str, JsonValue] = {}
        """Env-verified facts of this episode, reported in every `Info`."""

    _ASYNC_HOOKS: ClassVar[tuple[str, ...]] = (
        "opening_messages",
        "on_reset",
        "on_text",
        "before_call",
        "after_step",
        "reference_action",
    )

    _checks_calls: ClassVar[bool] = False
    """True when the class overrides `before_call` (otherwise it is not called at all)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._checks_calls = cls.before_call is not ToolEnv.before_call
        for name in ToolEnv._ASYNC_HOOKS:
            hook = cls.__dict__.get(name)
            if hook is not None and callable(hook) and not inspect.iscoroutinefunction(hook):
                raise TypeError(
                    f"{cls.__qualname__}.{name} must be 'async def' (the env awaits it); "
                    f"write 'async def {name}(...)'"
                )

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

    async def before_call(self, call: ToolCall, arguments: Mapping[str, Any]) -> None:  # noqa: B027
        """Called before each valid call's tool runs; the default lets every call run.

        The place for the env's own rules about calls (not the world's): raise
        `ToolRefused` to refuse one, e.g. "look the member up before writing to their
        account" or "one write per message". The refused call is recorded as
        ``refused`` and its tool never runs, so the tools stay pure functions of the
        world, and a grader that replays them on a fresh world needs no rules.
        `arguments` are the validated ones.
        """

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        """Called once per step after its calls (or text) were handled; the default does nothing.

        Update state from what the calls did (`outcomes`, in call order: read
        ``o.kind``, never the reply text), end or truncate the episode, add reward.
        Messages returned are observed after the tool replies. The `StepResult` is
        built afterwards, so it reflects whatever this hook changed.
        """
        return ()

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
        self._call_ids = set()
        await self.on_reset(dict(options or {}))
        return list(await self.opening_messages()), self.info()

    async def step(self, action: Message) -> StepResult:
        """Answer the tool calls of `action`, or hand its text to `on_text`."""
        if self._truncated:
            raise EnvError("the episode was truncated; call reset() to start a new one")
        self._check_step(action, ended=self._ended)
        self.turn += 1
        self._step_reward = 0.0
        outcomes: list[ToolOutcome] = []
        if action.tool_calls:
            outcomes = await answer_tool_calls(
                action.tool_calls,
                self.available_tools(),
                ended=lambda: self._ended or self._truncated,
                seen_ids=self._call_ids,
                before=self.before_call if self._checks_calls else None,
            )
            observation = [o.message() for o in outcomes]
        else:
            observation = list(await self.on_text(action))
        observation.extend(await self.after_step(action, outcomes))
        return StepResult(
            observation=tuple(observation),
            reward=self._step_reward,
            terminated=self._ended,
            truncated=self._truncated and not self._ended,
            info=self.info(),
            tool_outcomes=tuple(outcomes),
        )
