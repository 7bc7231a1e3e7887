"""The oracle policy: plays an env's reference solution (a baseline and a grader check)."""

from __future__ import annotations

from collections.abc import Sequence

from gymforge.errors import EnvError, GymforgeError
from gymforge.policy._base import ReferenceSource
from gymforge.types import Message, Sampling, ToolSpec

__all__ = ["OraclePolicy"]


class OraclePolicy:
    """Answers every turn with the reference action of the env it is bound to.

    The rollout engine makes one per episode, bound to that episode's env, so the
    oracle always sees the env's current state. A run with the oracle should score
    full marks; when it does not, the env's reference solution or its grader is wrong.

    Args:
        source: Where reference actions come from (an env with `reference_action`).

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Sampling
        >>> class Source:
        ...     async def reference_action(self) -> Message:
        ...         return Message.assistant("42")
        >>> policy = OraclePolicy(Source())
        >>> asyncio.run(policy.act([], [], seed=0, sampling=Sampling())).content
        '42'
    """

    name = "oracle"

    def __init__(self, source: ReferenceSource) -> None:
        if not callable(getattr(source, "reference_action", None)):
            raise TypeError(
                f"OraclePolicy needs a source with an async reference_action() method, "
                f"got {type(source).__name__}"
            )
        self._source = source

    def __repr__(self) -> str:
        return f"OraclePolicy({type(self._source).__name__})"

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Return the source's reference action for the current state.

        The reference solution is the env's code, so its failures are the env's: the
        engine records them at the ``env`` boundary (infrastructure), never as the
        policy's.

        Raises:
            EnvError: The source returned something other than an assistant message,
                or its ``reference_action()`` raised (a gymforge error passes through
                with its own boundary).
        """
        name = type(self._source).__name__
        try:
            action = await self._source.reference_action()
        except GymforgeError:
            raise
        except Exception as exc:
            raise EnvError(f"{name}.reference_action() failed: {exc!r}") from exc
        if not isinstance(action, Message) or action.role != "assistant":
            raise EnvError(
                f"{name}.reference_action() returned {action!r}; "
                "it must return an assistant Message"
            )
        return action
