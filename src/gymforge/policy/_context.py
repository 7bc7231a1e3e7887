"""What a policy factory is given for each episode: a context, or (the oracle only) the env.

A policy must not see the task's hidden answer, so the rollout engine hands every policy
factory a `PolicyContext`: plain ids and numbers, nothing that leads to the env or the
task. The one exception is an `OracleFactory`, which makes an oracle: a policy that plays
the env's reference solution and so needs the env itself. `episode_policy` is the single
place that decides which of the two a factory gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, final

from gymforge.policy._base import Policy, ReferenceSource
from gymforge.policy._oracle import OraclePolicy

__all__ = ["OracleFactory", "PolicyContext", "PolicyFactory", "episode_policy"]


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """The episode a policy factory makes a policy for: ids and numbers only.

    It holds no env, no `Task` and no reference to either, so a policy built from it
    cannot read the task's hidden answer. The task's prompt and tools reach the policy
    the honest way, through `Policy.act`.

    Example:
        >>> context = PolicyContext(env_id="gymforge/Arithmetic-v0", run_id="r1",
        ...                         task_id="arithmetic/d1/s0/0", sample=0, seed=7)
        >>> context.task_id
        'arithmetic/d1/s0/0'
        >>> context.task
        Traceback (most recent call last):
        ...
        AttributeError: a PolicyContext has no 'task': a policy factory is given the \
episode's ids (env_id, run_id, task_id, sample, seed), never the env or its task; only \
the oracle (an OracleFactory) is given the env
    """

    env_id: str
    """The env the episode runs, e.g. "gymforge/Arithmetic-v0"."""
    run_id: str
    """The run the episode belongs to."""
    task_id: str
    """The id of the episode's task (not the task: its answer stays hidden)."""
    sample: int
    """Which of the task's samples this is (0 .. group size - 1)."""
    seed: int
    """The episode seed (the env is reset with it; `Policy.act` gets per-turn seeds)."""

    def __getattr__(self, name: str) -> Any:
        # Only reached for a missing attribute: say why the env is not here.
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"a PolicyContext has no {name!r}: a policy factory is given the episode's ids "
            "(env_id, run_id, task_id, sample, seed), never the env or its task; only the "
            "oracle (an OracleFactory) is given the env"
        )


@final
class OracleFactory:
    """Makes an oracle for each episode from that episode's env: the only factory given the env.

    An oracle plays the env's reference solution (`ReferenceSource.reference_action`),
    so it needs the env's state; every other policy factory gets a `PolicyContext`.
    The policy spec ``oracle`` is ``OracleFactory()``; a ``py:`` factory or a plugin kind
    cannot be one (the spec is refused). In Python, pass your own oracle variant to the
    rollout engine as ``OracleFactory(lambda env: SlowOracle(env))``.

    Args:
        make: Builds the episode's policy from its env; default `OraclePolicy`.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Sampling
        >>> class Env:
        ...     async def reference_action(self) -> Message:
        ...         return Message.assistant("42")
        >>> policy = OracleFactory().bind(Env())
        >>> asyncio.run(policy.act([], [], seed=0, sampling=Sampling())).content
        '42'
    """

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[ReferenceSource], Policy] = OraclePolicy) -> None:
        if not callable(make):
            raise TypeError(
                f"OracleFactory needs a callable (env) -> Policy, got {type(make).__name__}"
            )
        self._make = make

    def __repr__(self) -> str:
        return f"OracleFactory({getattr(self._make, '__qualname__', repr(self._make))})"

    def bind(self, source: ReferenceSource) -> Policy:
        """The oracle of one episode, bound to that episode's env."""
        return self._make(source)


PolicyFactory: TypeAlias = Callable[[PolicyContext], Policy] | OracleFactory
"""Chooses each episode's policy: a callable ``(PolicyContext) -> Policy``, or an
`OracleFactory` (given the env). Shared backends return one instance for every episode."""


def episode_policy(factory: PolicyFactory, context: PolicyContext, env: ReferenceSource) -> Policy:
    """The policy of one episode: only an `OracleFactory` is given the env.

    Every other factory is called with `context` alone. The rollout engine calls this
    for every episode, so it is the one place where the env is handed to a policy.

    Example:
        >>> from gymforge.policy import ConstantPolicy
        >>> shared = ConstantPolicy("hi")
        >>> context = PolicyContext(env_id="a/B-v0", run_id="r", task_id="t", sample=0, seed=1)
        >>> episode_policy(lambda ctx: shared, context, env=None) is shared
        True
    """
    if isinstance(factory, OracleFactory):
        return factory.bind(env)
    return factory(context)
