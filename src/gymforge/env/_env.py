"""The `Env` contract: async-first, seeded, messages in and messages out."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gymforge.graders import Grader
    from gymforge.tasks import TaskFamily
    from gymforge.types import Info, Message, StepResult, Task

__all__ = ["Env", "EnvSpec", "WrapperSpec"]


@dataclass(frozen=True)
class WrapperSpec:
    """One wrapper around an env, as recorded in `EnvSpec.wrappers`.

    Example:
        >>> from gymforge.env import make
        >>> wrapper = make("gymforge/CalculatorAgent-v0", max_turns=3).spec.wrappers[0]
        >>> wrapper.name, wrapper.entry_point, wrapper.kwargs
        ('MaxTurns', 'gymforge.env._wrappers:MaxTurns', {'max_turns': 3})
    """

    name: str
    """The wrapper's class name, e.g. "MaxTurns"."""
    entry_point: str
    """"module:Class" of the wrapper."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """The arguments it was built with (beside the env); see `Wrapper.spec_kwargs`."""


@dataclass(frozen=True)
class EnvSpec:
    """How an env id is made: the registry's record, and the spec of an env as built.

    `register` records the defaults; the env `make` returns carries them with every
    override applied (``kwargs``, ``max_turns``, ``time_limit``), and each wrapper
    around it adds itself to ``wrappers``, so ``env.spec`` says exactly how the env
    (and hence its reward) was built.

    Example:
        >>> EnvSpec(id="gymforge/Demo-v0", entry_point="pkg.mod:DemoEnv").version
        0
        >>> from gymforge.env import make
        >>> make("gymforge/CalculatorAgent-v0", max_turns=3).spec.max_turns
        3
    """

    id: str
    """Versioned id, "namespace/Name-vN"; change grading or dynamics -> bump N."""
    entry_point: str | Any
    """"module:Class" or a callable returning an `Env`."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Default keyword arguments for the entry point."""
    description: str = ""
    """One line for `gymforge list`."""
    max_turns: int | None = 32
    """Turn limit: the default `make` applies, or (as built) the limit in force; None: none."""
    nondeterministic: bool = False
    """True when an LLM user simulator or judge makes reset non-reproducible."""
    oracle_score: float | None = 1.0
    """What the reference solution scores under the env's grader (`check_env` checks
    it); None when that is not a fixed number (e.g. a stochastic opponent)."""
    reward_range: tuple[float, float] | None = None
    """Inclusive bounds of an episode's reward (``-inf``/``inf`` for an open side), as
    declared at registration; a run counts episodes outside them. None: undeclared."""
    time_limit: float | None = None
    """Wall-clock seconds per episode (`TimeLimit`) of the env as built; None: no limit."""
    wrappers: tuple[WrapperSpec, ...] = ()
    """The wrappers around the env as built, innermost first (empty in the registry)."""

    @property
    def version(self) -> int:
        """The N of "-vN"."""
        return int(self.id.rsplit("-v", 1)[1])

    @property
    def name(self) -> str:
        """The id without namespace and version."""
        return self.id.split("/", 1)[-1].rsplit("-v", 1)[0]


class Env(abc.ABC):
    """An environment an LLM agent acts in over one or more turns.

    The whole contract:

    - ``await reset(*, seed=None, options=None) -> (observation, info)`` starts an
      episode. All randomness comes from ``seed``. ``options`` may hold
      ``{"task": Task}`` to pin the task; otherwise the env draws one from its task
      family with the seed. The observation is the list of opening messages
      (system text, the user's first turn).
    - ``await step(action) -> StepResult`` takes one assistant `Message` (text
      and/or tool calls) and returns the new messages (tool results, user turns),
      a step reward, ``terminated``/``truncated`` and `Info` (tools, policy text,
      milestones). A bad action (unknown tool, invalid arguments, unparseable
      text) is answered with an error observation, never an exception.
    - ``await close()`` releases resources; calling it twice is harmless.
    - ``await reference_action() -> Message`` returns the next action of the
      task's reference solution from the current state; the oracle policy plays it.
      It is the ceiling for baselines and audits, so every env provides it.
    - ``task`` is the current task, ``grader()`` the grader that turns a finished
      trajectory into the final reward, ``task_family`` the family tasks come from.

    Example:
        >>> import asyncio
        >>> from gymforge.env import make
        >>> env = make("gymforge/Arithmetic-v0")
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> obs[-1].role
        'user'
    """

    spec: EnvSpec | None = None
    """Set by `make`; None for an env built by hand."""

    @abc.abstractmethod
    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Start an episode; see the class docstring."""

    @abc.abstractmethod
    async def step(self, action: Message) -> StepResult:
        """Apply one assistant message; see the class docstring."""

    async def close(self) -> None:  # noqa: B027 - optional hook with a harmless default
        """Release resources (no-op by default)."""

    @abc.abstractmethod
    async def reference_action(self) -> Message:
        """The reference solution's next action from the current state."""

    @property
    @abc.abstractmethod
    def task(self) -> Task:
        """The current episode's task (valid after `reset`)."""

    @property
    @abc.abstractmethod
    def task_family(self) -> TaskFamily:
        """The family this env draws its tasks from."""

    @abc.abstractmethod
    def grader(self) -> Grader:
        """The grader whose value is the episode's final reward."""

    @property
    def unwrapped(self) -> Env:
        """The innermost env (wrappers override this)."""
        return self

    def __repr__(self) -> str:
        name = self.spec.id if self.spec else type(self).__name__
        return f"<{type(self).__name__} {name}>"
