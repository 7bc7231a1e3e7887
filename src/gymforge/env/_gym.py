"""The Gymnasium adapter: any gymforge env as a synchronous ``gymnasium.Env``.

Observations and actions are strings:

- an **observation** is a JSON array of the new messages (OpenAI chat format plus
  gymforge's fields, ``None`` fields left out), lossless: `decode_observation`
  turns it back into `Message` objects;
- an **action** is either plain text (the assistant's content) or JSON: an
  assistant message ``{"content": ..., "tool_calls": [...]}``, one call
  ``{"name": ..., "arguments": ...}``, or a list of such calls (see `parse_action`).

``info`` is the env's `Info` as a plain dict.

**Rewards.** An episode's return is the grader's value and nothing else (it is
`Trajectory.reward`), so the adapter pays every step's env reward as it comes
and, on the step that ends the episode (terminated or truncated), pays the rest
of the grade: ``score.value`` minus the step rewards already paid this episode.
The rewards of an episode through Gymnasium therefore sum to the grader's value
(up to the rounding of a float sum), and the whole `Score` is ``info["score"]``.
An undecided grader (``value=None``, shown in ``info["score"]``) and
``grade=False`` pay the step rewards only. docs/env.md ("Gymnasium adapter")
states the same rule for users; everything else links there.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections import deque
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, TypeVarTuple

import gymnasium
import numpy as np
import pydantic
from gymnasium import spaces

from gymforge.env._env import Env
from gymforge.env._episode import episode_trajectory, turn_record
from gymforge.env._registry import make
from gymforge.types import (
    FunctionCall,
    Info,
    JsonValue,
    Message,
    Score,
    ToolCall,
    ToolSpec,
    Turn,
)

__all__ = ["AnyText", "GymnasiumEnv", "decode_observation", "encode_observation", "parse_action"]

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")


class AnyText(spaces.Text):
    """A `gymnasium.spaces.Text` that contains any `str` within its length bounds.

    Gymnasium's `Text` rejects characters outside its charset, so real transcripts
    ("Café", "τ") would fail ``contains``. Samples still come from the charset,
    with lengths capped at `sample_max_length` so random actions stay short.

    Args:
        max_length: Longest string in the space.
        min_length: Shortest string in the space.
        sample_max_length: Longest string `sample` draws (when not given a length).
        seed: Seed of the space's sampler.

    Example:
        >>> space = AnyText(100, seed=0)
        >>> "Café τ" in space, 3 in space, "x" * 101 in space
        (True, False, False)
        >>> space.sample() in space
        True
    """

    def __init__(
        self,
        max_length: int,
        *,
        min_length: int = 0,
        sample_max_length: int = 64,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(max_length, min_length=min_length, seed=seed)
        self.sample_max_length = max(min_length, min(sample_max_length, max_length))

    def contains(self, x: Any) -> bool:
        """True for any str whose length is within the bounds."""
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        """A random string from the charset (length capped at `sample_max_length`)."""
        if mask is None and probability is None:
            length = int(self.np_random.integers(self.min_length, self.sample_max_length + 1))
            return str(super().sample(mask=(length, None)))
        return str(super().sample(mask=mask, probability=probability))

    def __repr__(self) -> str:
        return f"AnyText({self.min_length}, {self.max_length})"


_INFO_FIELDS = ("tools", "policy", "milestones", "extra")
_FAST_INFO = tuple(Info.model_fields) == _INFO_FIELDS
"""`_InfoDicts` builds the dict itself only while `Info` has exactly these fields."""


def _json_copy(value: JsonValue) -> JsonValue:
    """A copy of JSON data, as ``mode="json"`` dumps a validated `JsonValue`."""
    if isinstance(value, dict):
        return _json_dict(value)
    if isinstance(value, list):
        return [_json_copy(v) if isinstance(v, dict | list) else v for v in value]
    return value


def _json_dict(data: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    return {k: _json_copy(v) if isinstance(v, dict | list) else v for k, v in data.items()}


class _InfoDicts:
    """``Info.model_dump(mode="json")``, with the tool specs' part built once per tool set.

    Tools rarely change between steps, and their schemas are most of an `Info`, so
    the dumped ``tools`` list is kept and shared by every dict while the env offers
    the same tools (the caller reads it; it must not modify it). The rest is built
    fresh each time; a validated `Info` holds plain JSON data, so a copy of it is
    exactly what pydantic's dump would give.
    """

    __slots__ = ("_tools", "_tools_data")

    def __init__(self) -> None:
        self._tools: tuple[ToolSpec, ...] = ()
        self._tools_data: list[dict[str, Any]] = []

    def __call__(self, info: Info) -> dict[str, Any]:
        if not _FAST_INFO:
            return info.model_dump(mode="json")
        if info.tools != self._tools:  # the same spec objects compare by identity
            self._tools_data = [spec.model_dump(mode="json") for spec in info.tools]
            self._tools = info.tools
        return {
            "tools": self._tools_data,
            "policy": info.policy,
            "milestones": _json_dict(info.milestones),
            "extra": _json_dict(info.extra),
        }


def encode_observation(messages: Sequence[Message]) -> str:
    """Messages as the adapter's observation: a JSON array, lossless.

    Example:
        >>> encode_observation([Message.user("Café?")])
        '[{"role": "user", "content": "Café?"}]'
    """
    return _ENCODER.encode([_message_data(m) for m in messages])


_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""What ``json.dumps(..., ensure_ascii=False)`` builds on every call, built once."""
_FAST_MESSAGES = (
    tuple(Message.model_fields)
    == ("role", "content", "tool_calls", "tool_call_id", "name", "generation")
    and tuple(ToolCall.model_fields) == ("id", "type", "function")
    and tuple(FunctionCall.model_fields) == ("name", "arguments")
)
"""`_message_data` builds the dict itself only while the models have exactly these fields."""


def _message_data(m: Message) -> dict[str, Any]:
    """``m.model_dump(mode="json", exclude_none=True)``, built directly (the same dict).

    A message with `Generation` data (never an env's observation) is dumped by pydantic.
    """
    if m.generation is not None or not _FAST_MESSAGES:
        return m.model_dump(mode="json", exclude_none=True)
    data: dict[str, Any] = {"role": m.role}
    if m.content is not None:
        data["content"] = m.content
    if m.tool_calls is not None:
        data["tool_calls"] = [
            {
                "id": c.id,
                "type": c.type,
                "function": {"name": c.function.name, "arguments": c.function.arguments},
            }
            for c in m.tool_calls
        ]
    if m.tool_call_id is not None:
        data["tool_call_id"] = m.tool_call_id
    if m.name is not None:
        data["name"] = m.name
    return data


def decode_observation(observation: str) -> list[Message]:
    """The messages of an observation string.

    Example:
        >>> decode_observation(encode_observation([Message.user("hi")]))[0].content
        'hi'
    """
    return [Message.model_validate(m) for m in json.loads(observation)]


def _tool_call(item: Any, default_id: str) -> dict[str, Any]:
    """The data of one `ToolCall`, as ``ToolCall.make`` would build it."""
    if not isinstance(item, Mapping):
        raise ValueError("a tool call is an object")
    function = item.get("function", item)
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise ValueError("a tool call needs a name")
    arguments = function.get("arguments", function.get("parameters", {}))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments.__class__ is dict else dict(arguments))
    call_id = item.get("id") or default_id
    return {"id": str(call_id), "function": {"name": function["name"], "arguments": arguments}}


def _tool_calls(items: Any, prefix: str) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise ValueError("tool_calls is a list")
    return [_tool_call(c, f"{prefix}_{i}") for i, c in enumerate(items)]


def _from_json(data: Any, prefix: str) -> dict[str, Any]:
    """The data of the assistant `Message` (the fields ``Message.assistant`` sets)."""
    content: Any = None
    if isinstance(data, list):
        calls = _tool_calls(data, prefix)
    elif not isinstance(data, Mapping):
        raise ValueError("not an object")
    elif "tool_calls" in data or "content" in data or "role" in data:
        if data.get("role", "assistant") != "assistant":
            raise ValueError("an action is an assistant message")
        calls = _tool_calls(data.get("tool_calls") or [], prefix)
        content = data.get("content")
        if content is not None and not isinstance(content, str):
            raise ValueError("content must be a string")
    elif "name" in data or "function" in data:
        calls = [_tool_call(data, f"{prefix}_0")]
    else:
        raise ValueError("unrecognised action object")
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": calls or None,
        "generation": None,
    }


def parse_action(action: str, *, call_id_prefix: str = "call") -> Message:
    r"""The assistant `Message` an adapter action string stands for.

    JSON forms (anything else, or JSON that does not fit, is plain text content):
    ``{"content": str, "tool_calls": [...]}``; ``{"name": str, "arguments": obj|str}``;
    a list of such calls. Calls may use the OpenAI shape
    ``{"id", "type", "function": {"name", "arguments"}}``; missing ids become
    ``f"{call_id_prefix}_{i}"``.

    Example:
        >>> call = parse_action('{"name": "calculate", "arguments": {"expression": "1+2"}}')
        >>> call.tool_calls[0].id, call.tool_calls[0].function.arguments
        ('call_0', '{"expression": "1+2"}')
        >>> parse_action("The answer is \\boxed{3}").content
        'The answer is \\boxed{3}'
    """
    if not isinstance(action, str):
        raise TypeError(f"an action is a str, got {type(action).__name__}")
    text = action.strip()
    if text[:1] in ("{", "["):
        try:
            # One validation of the whole message: the same models (and set fields)
            # as building the calls and the message one by one, in one pydantic call.
            return Message.model_validate(_from_json(json.loads(text), call_id_prefix))
        except (ValueError, TypeError, pydantic.ValidationError):
            pass
    return Message.assistant(action)


def _nothing() -> None:
    return None


class _EagerLoop(asyncio.SelectorEventLoop):
    """The adapter's event loop: each call's coroutine starts at once, as an eager task.

    `run` creates the call's `asyncio.Task` with this loop set as the running loop,
    and the task's first step, which a new task queues with `call_soon`, runs right
    there instead (what Python 3.12 calls an eager task). When the coroutine has
    ended in that step and the loop has nothing else to do (no ready callback, no
    timer: an env whose tools are plain functions, i.e. most steps), the call is
    over without turning the loop. Otherwise the loop runs until the task is done,
    exactly as `run_until_complete` does, so timers, callbacks and background tasks
    are served as before. The coroutine runs inside a real task either way, so
    `asyncio.current_task`, `asyncio.timeout`, context variables and cancellation
    behave as usual; only ``loop.is_running()`` is False until it first waits. This
    saves the two loop iterations of every `run_until_complete`: the biggest piece
    of a step's overhead.
    """

    # The base loop's own queues (set by its __init__): ready callbacks and timers,
    # cancelled ones included. `run` reads them each time: the loop replaces its timer
    # list at times. Without them (another Python) every call turns the loop.
    _ready: deque[asyncio.Handle]
    _scheduled: list[asyncio.TimerHandle]

    def __init__(self) -> None:
        super().__init__()
        self._eager = False
        self._started = asyncio.Handle(_nothing, (), self)
        self._started.cancel()
        self._sees_queues = isinstance(getattr(self, "_ready", None), deque) and isinstance(
            getattr(self, "_scheduled", None), list
        )

    def call_soon(
        self,
        callback: Callable[[*_Ts], object],
        *args: *_Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        """Queue `callback`, except a new task's first step inside `run`: run that now."""
        if not self._eager:
            return super().call_soon(callback, *args, context=context)
        self._eager = False
        if context is None:
            callback(*args)
        else:
            context.run(callback, *args)
        return self._started  # what a task does with the handle: nothing

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run `coro` to its end and return its result, starting it eagerly."""
        asyncio._set_running_loop(self)
        self._eager = True
        try:
            task = self.create_task(coro)
        finally:
            self._eager = False
            asyncio._set_running_loop(None)
        if task.done() and self._sees_queues and not self._ready and not self._scheduled:
            return task.result()
        return self.run_until_complete(task)


class GymnasiumEnv(gymnasium.Env[str, str]):
    r"""A gymforge env as a synchronous ``gymnasium.Env`` with text spaces.

    Every registered id is also registered with Gymnasium with this class as
    entry point, so ``gymnasium.make("gymforge/Arithmetic-v0")`` works. The async
    env runs on the adapter's own event loop (on a helper thread when called from
    inside a running loop). With ``seed`` given, ``reset`` passes it to the env
    unchanged (same task as ``await env.reset(seed=...)``); without one it draws
    the env seed from ``self.np_random``. Vector envs over text spaces need
    ``AsyncVectorEnv(..., shared_memory=False)``.

    Args:
        env_id: Registered id to `make` (with `kwargs`), or None when `env` is given.
        env: An env instance to adapt instead.
        render_mode: Must be None (there is nothing to render).
        grade: Grade finished episodes: the last reward completes the episode's
            return to the grade (see the module docstring), and ``info["score"]``.
            Without grading no transcript is kept. A change takes effect at the next
            `reset`.
        max_observation_length: Bound of the observation space.
        max_action_length: Bound of the action space.
        eager_start: Start each call's coroutine at once on the adapter's loop (an
            eager task; see docs/env.md, "Event loop"); False runs every call through
            ``loop.run_until_complete`` on a loop from ``asyncio.new_event_loop()``.
        **kwargs: Keyword arguments for `make`.

    Example:
        >>> import gymnasium
        >>> import gymforge.env
        >>> gymforge.env.load_plugins()
        >>> env = gymnasium.make("gymforge/Arithmetic-v0")
        >>> obs, info = env.reset(seed=0)
        >>> task = env.unwrapped.env.task
        >>> _, reward, terminated, _, info = env.step(f"\\boxed{{{task.answer}}}")
        >>> reward, terminated, info["score"]["value"]
        (1.0, True, 1.0)
        >>> env.close()
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012 - Gymnasium's API

    def __init__(
        self,
        env_id: str | None = None,
        *,
        env: Env | None = None,
        render_mode: str | None = None,
        grade: bool = True,
        max_observation_length: int = 10_000_000,
        max_action_length: int = 1_000_000,
        eager_start: bool = True,
        **kwargs: Any,
    ) -> None:
        if (env_id is None) == (env is None):
            raise TypeError("GymnasiumEnv needs exactly one of env_id= or env=")
        if render_mode is not None:
            raise ValueError(f"gymforge envs have no render modes, got {render_mode!r}")
        self.render_mode = None
        self.env: Env = env if env is not None else make(str(env_id), **kwargs)
        self.grade = grade
        self.observation_space = AnyText(max_observation_length)
        self.action_space = AnyText(max_action_length)
        self.eager_start = eager_start
        self._loop: asyncio.AbstractEventLoop | None = None
        self._call: Callable[[Coroutine[Any, Any, Any]], Any] | None = None
        """Runs a coroutine to its end on `_loop`: `_EagerLoop.run` or run_until_complete."""
        self._helper: ThreadPoolExecutor | None = None
        """The one thread the env runs on from the first call made inside a running loop."""
        self._info_dict = _InfoDicts()
        self._graded = grade
        """Whether this episode is graded (`grade` as it was at the last reset)."""
        self._messages: list[Message] = []
        self._turns: list[Turn] = []
        """The episode's transcript and turn records, kept only to grade it."""
        self._turn = 0
        self._paid = 0.0
        """Rewards paid this episode (the last step pays the grade minus this)."""
        self._seed = 0
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run `coro` to its end on the adapter's loop.

        From inside a running loop (a notebook, an async test) the loop runs on the
        helper thread, and from then on every call does, so an env that holds
        thread-bound state (an SQLite connection) always sees the same thread.
        """
        call = self._call or self._open_loop()
        if self._helper is None:
            if asyncio._get_running_loop() is None:
                return call(coro)  # type: ignore[no-any-return]
            self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gymforge-gym")
        return self._helper.submit(call, coro).result()  # type: ignore[no-any-return]

    def _open_loop(self) -> Callable[[Coroutine[Any, Any, Any]], Any]:
        if self.eager_start:
            eager = _EagerLoop()
            self._loop, self._call = eager, eager.run
        else:
            self._loop = loop = asyncio.new_event_loop()
            self._call = loop.run_until_complete
        return self._call

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode; returns (observation JSON, info dict)."""
        super().reset(seed=seed)
        inner = seed if seed is not None else int(self.np_random.integers(0, 2**62))
        observation, info = self._run(self.env.reset(seed=inner, options=options))
        self._seed = inner
        self._graded = self.grade
        self._messages = list(observation) if self._graded else []
        self._turns = []
        self._turn = 0
        self._paid = 0.0
        return encode_observation(observation), self._info_dict(info)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Apply an action string; see `parse_action`."""
        message = parse_action(action, call_id_prefix=f"call_{self._turn}")
        result = self._run(self.env.step(message))
        self._turn += 1
        reward = float(result.reward)
        info = self._info_dict(result.info)
        if self._graded:
            self._messages.extend((message, *result.observation))
            self._turns.append(turn_record(result))
            if result.terminated or result.truncated:
                score = self._run(self._grade(result.info.milestones))
                info["score"] = score.model_dump(mode="json")
                if score.value is not None:
                    reward = float(score.value) - self._paid
        self._paid += reward
        return (
            encode_observation(result.observation),
            reward,
            bool(result.terminated),
            bool(result.truncated),
            info,
        )

    async def _grade(self, milestones: Mapping[str, JsonValue]) -> Score:
        trajectory = episode_trajectory(
            self.env,
            self._messages,
            self._turns,
            seed=self._seed,
            policy="gymnasium",
            milestones=milestones,
        )
        return await self.env.grader().grade(self.env.task, trajectory)

    def render(self) -> None:
        """Nothing to render (``render_mode`` is always None)."""
        return None

    def close(self) -> None:
        """Close the env and the adapter's event loop; calling it twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self.env.close())
        finally:
            loop, helper = self._loop, self._helper
            self._loop, self._helper, self._call = None, None, None
            if loop is not None:
                loop.close()
            if helper is not None:
                helper.shutdown()

    def __del__(self) -> None:
        loop = getattr(self, "_loop", None)
        if loop is not None and not loop.is_closed() and not loop.is_running():
            loop.close()
        helper = getattr(self, "_helper", None)
        if helper is not None:
            helper.shutdown(wait=False)
