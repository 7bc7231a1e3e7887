"""Who is to blame when a transcript no longer fits a model's context window.

One rule for every backend that can overflow (`OpenAIPolicy`, `LocalPolicy`): once the
transcript holds an assistant message, the policy has acted in the episode and what it
wrote (and the replies its calls brought) made the conversation too long. The episode
cannot go on because of the policy: `PolicyOutputError`, and the engine grades the
episode as it stands. On the opening prompt the policy has written nothing: the run is
set up so that the env's prompt does not fit this model (its context, or ``max_tokens``
on top of it), which no policy can be blamed for: `PolicyUnavailable`, infrastructure,
left out of the statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

from gymforge.errors import PolicyError, PolicyOutputError, PolicyUnavailable
from gymforge.policy._toolprompt import assistant_turn
from gymforge.types import Message

__all__ = ["context_overflow"]


def context_overflow(messages: Sequence[Message], detail: str, *, fix: str) -> PolicyError:
    """The error for `messages` not fitting the context window (`detail` says by how much).

    Args:
        messages: The conversation the policy was asked to answer.
        detail: What the backend said (token counts, the server's message).
        fix: What to change for the opening prompt to fit (e.g. "raise n_ctx").

    Example:
        >>> opening = [Message.user("a very long prompt")]
        >>> type(context_overflow(opening, "9000 > 8192 tokens", fix="raise n_ctx")).__name__
        'PolicyUnavailable'
        >>> later = [*opening, Message.assistant("a long answer"), Message.user("more")]
        >>> error = context_overflow(later, "9000 > 8192 tokens", fix="raise n_ctx")
        >>> type(error).__name__, error.cause
        ('PolicyOutputError', 'bad_output')
    """
    turn = assistant_turn(messages)
    if turn == 0:
        return PolicyUnavailable(
            f"the opening prompt does not fit the model's context window ({detail}); the "
            f"policy has not acted yet, so the run's set-up is to blame: {fix}"
        )
    return PolicyOutputError(
        f"the conversation no longer fits the model's context window at assistant turn "
        f"{turn} ({detail}); the episode ends here and is graded as it stands"
    )
