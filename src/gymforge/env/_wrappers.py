"""Wrappers: change one aspect of an env and forward the rest."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from gymforge.env._env import Env, EnvSpec, WrapperSpec
from gymforge.errors import EnvError

if TYPE_CHECKING:
    from gymforge.graders import Grader
    from gymforge.tasks import TaskFamily
    from gymforge.types import Info, Message, StepResult, Task

__all__ = ["MaxTurns", "TimeLimit", "Wrapper"]


class Wrapper(Env):
    """Base of wrappers: forwards every part of the contract to the wrapped env.

    Subclasses override what they change. ``repr`` shows the chain, like
    Gymnasium's: ``<MaxTurns<ArithmeticEnv gymforge/Arithmetic-v0>>``, and so does
    ``spec``: the wrapped env's spec with this wrapper appended to
    ``spec.wrappers`` (a subclass records its arguments with `spec_kwargs` and the
    spec fields it decides with `wrap_spec`).

    Args:
        env: The env to wrap.

    Example:
        >>> from gymforge.env import make
        >>> env = make("gymforge/Arithmetic-v0")
        >>> isinstance(env, Wrapper), env.unwrapped is env.env
        (True, True)
    """

    def __init__(self, env: Env) -> None:
        if not isinstance(env, Env):
            raise TypeError(f"{type(self).__name__} wraps an Env, got {type(env).__name__}")
        self.env = env

    @property
    def spec(self) -> EnvSpec | None:
        """The wrapped env's spec with this wrapper in it (None for an env without one)."""
        inner = self.env.spec
        return None if inner is None else self.wrap_spec(inner)

    @spec.setter
    def spec(self, value: EnvSpec | None) -> None:
        self.env.spec = value

    def spec_kwargs(self) -> dict[str, Any]:
        """The arguments (beside the env) recorded for this wrapper in ``spec.wrappers``."""
        return {}

    def wrap_spec(self, inner: EnvSpec) -> EnvSpec:
        """`inner` as this wrapper changes it: by default, with the wrapper appended."""
        cls = type(self)
        record = WrapperSpec(
            cls.__name__, f"{cls.__module__}:{cls.__qualname__}", self.spec_kwargs()
        )
        return dataclasses.replace(inner, wrappers=(*inner.wrappers, record))

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Forward to the wrapped env."""
        return await self.env.reset(seed=seed, options=options)

    async def step(self, action: Message) -> StepResult:
        """Forward to the wrapped env."""
        return await self.env.step(action)

    async def close(self) -> None:
        """Forward to the wrapped env."""
        await self.env.close()

    async def reference_action(self) -> Message:
        """Forward to the wrapped env."""
        return await self.env.reference_action()

    @property
    def task(self) -> Task:
        """The wrapped env's task."""
        return self.env.task

    @property
    def task_family(self) -> TaskFamily:
        """The wrapped env's family."""
        return self.env.task_family

    def grader(self) -> Grader:
        """The wrapped env's grader."""
        return self.env.grader()

    @property
    def unwrapped(self) -> Env:
        """The innermost env."""
        return self.env.unwrapped

    def __repr__(self) -> str:
        return f"<{type(self).__name__}{self.env!r}>"


class MaxTurns(Wrapper):
    """Truncate the episode after `max_turns` steps.

    The step that reaches the limit returns ``truncated=True`` unless it terminated
    the episode anyway; stepping further raises `EnvError` until the next reset.

    Args:
        env: The env to wrap.
        max_turns: Steps per episode, >= 1.

    Raises:
        ValueError: `max_turns` is not a positive int.

    Example:
        >>> import asyncio
        >>> from gymforge.env import make
        >>> from gymforge.types import Message
        >>> env = make("gymforge/CalculatorAgent-v0", max_turns=1)
        >>> _ = asyncio.run(env.reset(seed=0))
        >>> asyncio.run(env.step(Message.assistant("thinking..."))).truncated
        True
    """

    def __init__(self, env: Env, max_turns: int) -> None:
        super().__init__(env)
        if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
            raise ValueError(f"max_turns must be an int >= 1, got {max_turns!r}")
        self.max_turns = max_turns
        self.turns = 0
        self._over = False

    def spec_kwargs(self) -> dict[str, Any]:
        """``{"max_turns": N}``."""
        return {"max_turns": self.max_turns}

    def wrap_spec(self, inner: EnvSpec) -> EnvSpec:
        """The wrapped spec, with this wrapper and its limit as ``max_turns``."""
        return dataclasses.replace(super().wrap_spec(inner), max_turns=self.max_turns)

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Reset the turn count and the wrapped env."""
        self.turns = 0
        self._over = False
        return await self.env.reset(seed=seed, options=options)

    async def step(self, action: Message) -> StepResult:
        """Step, and truncate at the limit."""
        if self._over:
            raise EnvError(
                f"the episode was truncated at {self.max_turns} turns; call reset() first"
            )
        result = await self.env.step(action)
        self.turns += 1
        if self.turns >= self.max_turns and not (result.terminated or result.truncated):
            result = result.model_copy(update={"truncated": True})
        self._over = result.terminated or result.truncated
        return result


class TimeLimit(Wrapper):
    """Truncate the episode once `seconds` of wall-clock time have passed since reset.

    A step that is still running at the deadline is cancelled and answered with
    no observation, ``truncated=True`` and the last `Info`. A step that ends past
    the deadline is returned with ``truncated=True``.

    Args:
        env: The env to wrap.
        seconds: Wall-clock budget per episode, > 0.
        clock: Monotonic clock in seconds (tests pass a fake one).

    Raises:
        ValueError: `seconds` is not positive.

    Example:
        >>> from gymforge.env import make
        >>> TimeLimit(make("gymforge/Arithmetic-v0"), seconds=30).seconds
        30.0
    """

    def __init__(
        self, env: Env, seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # The registry imports this module, and `import gymforge` the registry: pydantic
        # and asyncio load when a wrapper is built or stepped, not then.
        from gymforge.types import Info

        super().__init__(env)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
            raise ValueError(f"seconds must be a number > 0, got {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._deadline = float("inf")
        self._last_info = Info()
        self._over = False

    def spec_kwargs(self) -> dict[str, Any]:
        """``{"seconds": S}`` (a custom clock is not recorded)."""
        return {"seconds": self.seconds}

    def wrap_spec(self, inner: EnvSpec) -> EnvSpec:
        """The wrapped spec, with this wrapper and its budget as ``time_limit``."""
        return dataclasses.replace(super().wrap_spec(inner), time_limit=self.seconds)

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Start the episode's clock after the wrapped env's reset."""
        observation, info = await self.env.reset(seed=seed, options=options)
        self._deadline = self._clock() + self.seconds
        self._last_info = info
        self._over = False
        return observation, info

    async def step(self, action: Message) -> StepResult:
        """Step within the remaining time; truncate at the deadline."""
        if self._over:
            raise EnvError(f"the episode hit its {self.seconds:g}s time limit; call reset()")
        import asyncio

        remaining = self._deadline - self._clock()
        try:
            async with asyncio.timeout(max(remaining, 0.0)):
                result = await self.env.step(action)
        except TimeoutError:
            from gymforge.types import StepResult

            self._over = True
            return StepResult(observation=(), truncated=True, info=self._last_info)
        self._last_info = result.info
        if self._clock() >= self._deadline and not (result.terminated or result.truncated):
            result = result.model_copy(update={"truncated": True})
        self._over = result.terminated or result.truncated
        return result
