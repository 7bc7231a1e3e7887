"""Simulated customers: a deterministic scripted user and an LLM user driven by any Policy.

Both follow the task's scenario: state the current goal, reveal hidden details
only when the agent asks for them, confirm a proposed action (the scripted user
declines one that does not name their order, items or new address), and move to the
next goal only once the current one is *done* — checked against the world by the
env (``is_done``), not guessed from the agent's words. That last rule fixes a
known defect of LLM user simulators (τ²-bench's among them), which often say
"###STOP###" right after confirming, before the agent has acted. The
conversation ends when the user says `STOP`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from gymforge.policy import Policy
from gymforge.types import Message, Sampling

__all__ = ["STOP", "LLMUser", "ScriptedUser", "UserSimulator", "user_instructions"]

STOP = "###STOP###"
"""The marker a simulated user says to end the conversation."""

IDENTITY_CUES = ("email", "zip", "verify", "identity", "your name", "full name", "authenticate")
CONFIRM_CUES = (
    "proceed",
    "confirm",
    "yes/no",
    "shall i",
    "should i",
    "do you want me to",
    "would you like me to",
)
REVEAL_CUES: dict[str, tuple[str, ...]] = {
    "order": ("order id", "which order", "order number", "what is in it", "which one"),
    "reason": ("reason", "why"),
    "items": ("which item", "what item", "instead", "which product", "what would you like"),
    "payment": (
        "payment",
        "which card",
        "paypal",
        "gift card",
        "refund go",
        "refund to",
        "price difference",
    ),
    "address": ("address",),
}
PATIENCE = 5
"""Unproductive agent turns in a row after which a user gives up."""

IsDone = Callable[[int, str], bool]
"""(intent index, latest agent text) -> whether that intent is done in the world."""


class UserSimulator(Protocol):
    """What the env needs from a simulated customer."""

    @property
    def finished(self) -> bool:
        """True once the user has said `STOP`."""
        ...

    async def opening(self) -> str:
        """The customer's first message."""
        ...

    async def reply(self, agent_text: str) -> str:
        """The customer's answer to an agent's text turn."""
        ...


class _Progress:
    """Which intent the user is on; shared by both simulators."""

    def __init__(self, intents: Sequence[dict[str, Any]], is_done: IsDone) -> None:
        self.intents = list(intents)
        self.is_done = is_done
        self.index = 0
        self.finished = False

    def advance(self, agent_text: str) -> str | None:
        """Move past done intents; the next request, a closing line, or None if not done."""
        moved = False
        while self.index < len(self.intents) and self.is_done(self.index, agent_text):
            self.index += 1
            moved = True
            agent_text = ""  # one agent turn completes at most the intents it spoke to
        if not moved:
            return None
        if self.index == len(self.intents):
            self.finished = True
            return f"That's everything, thank you! {STOP}"
        return "Thanks. " + str(self.intents[self.index]["request"])


class ScriptedUser:
    """A deterministic customer that follows the scenario by keyword rules.

    Args:
        task: The task; its metadata holds the persona and the intents.
        is_done: Checks an intent against the world (given by the env).

    Example:
        >>> from gymforge.envs.retail import RetailTaskFamily
        >>> import asyncio
        >>> task = RetailTaskFamily().generate(0, seed=0, difficulty=1)
        >>> user = ScriptedUser(task.metadata, lambda i, text: False)
        >>> reply = asyncio.run(user.reply("Could you tell me your email address?"))
        >>> "@example.com" in reply
        True
    """

    def __init__(self, scenario: dict[str, Any], is_done: IsDone, *, prompt: str = "") -> None:
        self._progress = _Progress(scenario["intents"], is_done)
        self._identity = str(scenario["persona"]["identity"])
        self._prompt = prompt or str(scenario["intents"][0]["request"])
        self._idle = 0

    @property
    def finished(self) -> bool:
        """True once the user has said `STOP`."""
        return self._progress.finished

    async def opening(self) -> str:
        """The customer's first message (the task prompt)."""
        return self._prompt

    async def reply(self, agent_text: str) -> str:
        """Answer one agent text turn; see the module docstring for the rules."""
        p = self._progress
        if p.finished:
            return STOP
        nxt = p.advance(agent_text)
        if nxt is not None:
            self._idle = 0
            return nxt
        text = agent_text.lower()
        intent = p.intents[p.index]
        said: list[str] = []
        if any(c in text for c in IDENTITY_CUES) and not any(c in text for c in CONFIRM_CUES[:3]):
            said.append(self._identity)
        elif any(c in text for c in CONFIRM_CUES):
            wrong = [c for c in intent.get("check") or [] if str(c).lower() not in text]
            if wrong:
                self._idle += 1
                return "No, that is not what I asked for. " + str(intent["request"])
            self._idle = 0
            return "Yes, please go ahead."
        for key, cues in REVEAL_CUES.items():
            if key in intent["reveal"] and any(c in text for c in cues):
                said.append(intent["reveal"][key])
        if said:
            self._idle = 0
            return " ".join(said)
        self._idle += 1
        if self._idle >= PATIENCE:
            p.finished = True
            return f"I don't think we are getting anywhere. {STOP}"
        return "As I said: " + str(intent["request"])


def user_instructions(scenario: dict[str, Any]) -> str:
    """The system text that turns a language model into the scenario's customer.

    Example:
        >>> text = user_instructions({"persona": {"identity": "I'm Ava.", "style": "terse"},
        ...     "intents": [{"request": "Cancel an order.", "reveal": {"order": "It is #W1."}}]})
        >>> "###STOP###" in text and "#W1" in text
        True
    """
    lines = [
        "You are a customer talking to an online shop's customer-service agent. Write only what "
        "the",
        "customer says, one short message at a time. Never invent details that are not listed "
        "below.",
        f"Your style is {scenario['persona']['style']}.",
        f"When the agent asks who you are, say: {scenario['persona']['identity']}",
        "Your requests, one after the other (move to the next only when the agent has said the",
        "current one is done):",
    ]
    for i, intent in enumerate(scenario["intents"], 1):
        lines.append(f"{i}. {intent['request']}")
        for key, text in sorted(intent["reveal"].items()):
            lines.append(f"   - only if asked about the {key}: {text}")
    lines += [
        "When the agent asks you to confirm an action that matches your request, answer yes.",
        "Agreeing to an action is not the same as the action being done: wait until the agent says",
        f"it is done. When every request is done, end with {STOP}. If you are transferred to a "
        "human,",
        f"end with {STOP}.",
    ]
    return "\n".join(lines)


class LLMUser:
    """A customer played by any `Policy` (a local or remote model) from the scenario.

    The model writes the customer's turns; the env still decides when a goal is
    done, and a `STOP` said too early is withheld (the user is reminded of what is
    pending instead) until every goal is done or patience runs out.

    Args:
        scenario: The task metadata (persona and intents).
        is_done: Checks an intent against the world (given by the env).
        policy: The model that plays the customer.
        seed: Seed for the model's sampling.
        sampling: Sampling parameters.
        prompt: The opening message (defaults to the first request).
    """

    def __init__(
        self,
        scenario: dict[str, Any],
        is_done: IsDone,
        policy: Policy,
        *,
        seed: int = 0,
        sampling: Sampling | None = None,
        prompt: str = "",
    ) -> None:
        self._progress = _Progress(scenario["intents"], is_done)
        self._system = user_instructions(scenario)
        self._policy = policy
        self._seed = seed
        self._sampling = sampling or Sampling(temperature=0.0, max_tokens=96)
        self._history: list[Message] = []
        self._prompt = prompt or str(scenario["intents"][0]["request"])
        self._early_stops = 0

    @property
    def finished(self) -> bool:
        """True once the user has said `STOP`."""
        return self._progress.finished

    async def opening(self) -> str:
        """The customer's first message (the task prompt, so every policy starts alike)."""
        self._history.append(Message.assistant(self._prompt))
        return self._prompt

    async def reply(self, agent_text: str) -> str:
        """Ask the model for the customer's next message, enforcing the stop rule."""
        p = self._progress
        p.advance(agent_text)
        self._history.append(Message.user(agent_text))
        messages = [Message.system(self._system), *self._history]
        turn = len(self._history)
        out = await self._policy.act(messages, (), seed=self._seed + turn, sampling=self._sampling)
        text = (out.content or "").strip() or "Sorry, could you say that again?"
        if STOP in text:
            if p.index >= len(p.intents) or self._early_stops >= PATIENCE:
                p.finished = True
            else:
                self._early_stops += 1
                pending = p.intents[p.index]["request"]
                text = text.replace(STOP, "").strip() + f" Before we finish: {pending}"
        self._history.append(Message.assistant(text))
        return text
