"""Policies that need no model: scripted replies for tests, constant replies for benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gymforge.errors import PolicyError, PolicyOutputError
from gymforge.policy._toolprompt import assistant_turn
from gymforge.types import Message, Sampling, ToolSpec

__all__ = ["ConstantPolicy", "ResponseFn", "ScriptedPolicy"]

ResponseFn = Callable[[Sequence[Message], Sequence[ToolSpec]], Message]
"""A function ``(messages, tools) -> Message`` that computes the next reply."""


def _check_assistant(message: object, where: str) -> Message:
    if not isinstance(message, Message):
        raise TypeError(f"{where} must be a gymforge Message, got {type(message).__name__}")
    if message.role != "assistant":
        raise ValueError(
            f"{where} has role {message.role!r}; a policy can only reply with assistant "
            "messages (use Message.assistant(...))"
        )
    return message


class ScriptedPolicy:
    """Plays a fixed script of assistant messages, or asks a function for each reply.

    With a list, the reply to a conversation that already holds ``k`` assistant
    messages is ``responses[k]``. The position comes from the conversation itself, not
    from a counter, so one instance can serve many episodes at once (the rollout
    engine shares one policy) and a repeated call gives the same answer. When the
    script has no entry for a turn, `act` raises `PolicyOutputError`: the policy has
    nothing more to say, so the episode ends there and is graded as it stands.

    Args:
        responses: The assistant messages, in order, or a function
            ``(messages, tools) -> Message`` called for every turn.
        name: Name for logs and trajectories.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Sampling
        >>> policy = ScriptedPolicy([Message.assistant("4")])
        >>> reply = asyncio.run(policy.act([Message.user("2+2?")], [], seed=0, sampling=Sampling()))
        >>> reply.content
        '4'
    """

    def __init__(
        self, responses: Sequence[Message] | ResponseFn, *, name: str = "scripted"
    ) -> None:
        if callable(responses):
            self._fn: ResponseFn | None = responses
            self._script: tuple[Message, ...] = ()
        else:
            self._fn = None
            self._script = tuple(
                _check_assistant(m, f"responses[{i}]") for i, m in enumerate(responses)
            )
        self.name = name

    def __repr__(self) -> str:
        what = "fn" if self._fn is not None else f"{len(self._script)} messages"
        return f"ScriptedPolicy({what}, name={self.name!r})"

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Return the scripted reply for this turn.

        Raises:
            PolicyOutputError: The script has no reply for this turn.
            PolicyError: The function failed: a bug in the policy's own code, neither
                the model's output nor a server's failure, so infrastructure (not
                scored). A `PolicyError` the function raises on purpose (e.g. a
                `PolicyTimeout` in a test) passes through as it is.
        """
        if self._fn is not None:
            try:
                reply = self._fn(messages, tools)
            except PolicyError:
                raise
            except Exception as exc:
                raise PolicyError(f"scripted policy function failed: {exc!r}") from exc
            return _check_assistant(reply, "the scripted policy function's reply")
        turn = assistant_turn(messages)
        if turn >= len(self._script):
            raise PolicyOutputError(
                f"scripted policy ran out of replies: the conversation is at assistant turn "
                f"{turn} but the script has only {len(self._script)} message(s); add more "
                "replies or end the episode sooner (e.g. a lower max_turns)"
            )
        return self._script[turn]


class ConstantPolicy:
    """Replies with the same assistant message every time, with no other work.

    Meant for benchmarks of envs and the rollout engine: `act` returns a prebuilt
    message, so any time measured is the rest of the system's.

    Args:
        reply: The message to return (text is wrapped in `Message.assistant`).
        name: Name for logs and trajectories.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Sampling
        >>> asyncio.run(ConstantPolicy("done").act([], [], seed=1, sampling=Sampling())).content
        'done'
    """

    def __init__(self, reply: Message | str = "", *, name: str = "constant") -> None:
        message = Message.assistant(reply) if isinstance(reply, str) else reply
        self._reply = _check_assistant(message, "reply")
        self.name = name

    def __repr__(self) -> str:
        return f"ConstantPolicy({self._reply.content!r}, name={self.name!r})"

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Return the constant reply."""
        return self._reply
