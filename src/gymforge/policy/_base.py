"""The `Policy` protocol: anything that turns a conversation into the next assistant message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from gymforge.types import Message, Sampling, ToolSpec

__all__ = ["Policy", "ReferenceSource"]


@runtime_checkable
class Policy(Protocol):
    """Produces the next assistant message.

    ``act`` gets the whole conversation so far (system prompt first), the tools the
    model may call now, a seed and sampling parameters, and returns one assistant
    `Message`. Backends that know token ids, logprobs and usage put them on
    ``message.generation``. A backend failure raises a `gymforge.errors.PolicyError`
    subclass (after the backend's own retries) that says who is to blame:
    `PolicyTimeout` and `PolicyUnavailable` are infrastructure, `PolicyOutputError` is
    the policy's own output (the engine grades that episode as it stands). The rollout
    engine records it.
    """

    name: str
    """Short description for logs and trajectories (e.g. "local:SmolLM2-135M")."""

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Return the next assistant message."""
        ...


class ReferenceSource(Protocol):
    """Where the oracle policy gets actions from: an env's reference solution."""

    async def reference_action(self) -> Message:
        """The reference solution's next action from the current state."""
        ...
