"""`CalculatorAgentEnv`: hard arithmetic, a safe `calculate` tool, a boxed final answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gymforge.env import ToolEnv, tool
from gymforge.env.authoring import reference_answer
from gymforge.envs.calculator._evaluator import format_number, safe_eval
from gymforge.errors import ToolError
from gymforge.graders import numeric
from gymforge.tasks import ArithmeticFamily
from gymforge.types import Message, ToolCall

__all__ = ["CalculatorAgentEnv"]

SYSTEM_PROMPT = (
    "You solve arithmetic problems exactly. You have a tool, calculate(expression), "
    "that evaluates + - * / // % ** and parentheses exactly. Call it as often as you "
    "like. When you know the result, reply with the final answer as an integer in "
    "\\boxed{}, for example \\boxed{42}."
)
"""The default system message."""

NUDGE = (
    "Please either call the calculate tool or give your final answer as an integer in \\boxed{}."
)
"""The user's reply to a text turn without a boxed answer."""


class CalculatorAgentEnv(ToolEnv):
    r"""Hard arithmetic with a calculator tool; the episode ends on a ``\boxed{}`` answer.

    Tasks come from `ArithmeticFamily` at level 5 by default (six to eight operands
    in -200..200, nested, with exact divisions). The tool ``calculate`` evaluates
    with a safe `ast` evaluator (never `eval`); its mistakes are ``error: ...``
    tool messages. A text turn containing ``\boxed{`` is the final answer and
    terminates; other text gets a one-line nudge. The `numeric` grader scores the
    final answer. Milestones: ``calculator_calls``, ``calculator_errors``,
    ``used_calculator`` (a call succeeded) and ``answered``.

    Args:
        difficulty: `ArithmeticFamily` level 1-5 (default 5), or None to cycle levels.
        system_prompt: The system message.

    Example:
        >>> import asyncio
        >>> env = CalculatorAgentEnv()
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> [t.name for t in info.tools], info.milestones["calculator_calls"]
        (['calculate'], 0)
        >>> first = asyncio.run(env.reference_action())
        >>> first.tool_calls[0].name
        'calculate'
        >>> result = asyncio.run(env.step(first))
        >>> result.observation[0].content == str(env.task.answer)
        True
    """

    def __init__(self, *, difficulty: int | None = 5, system_prompt: str = SYSTEM_PROMPT) -> None:
        super().__init__(ArithmeticFamily(difficulty), numeric())
        self.system_prompt = system_prompt
        self._calls = 0
        self._errors = 0
        self._answered = False

    def _sync_milestones(self) -> None:
        self.milestones = {
            "calculator_calls": self._calls,
            "calculator_errors": self._errors,
            "used_calculator": self._calls > self._errors,
            "answered": self._answered,
        }

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Zero the counters."""
        self._calls = self._errors = 0
        self._answered = False
        self._sync_milestones()

    async def opening_messages(self) -> Sequence[Message]:
        """The system message and the task's question."""
        return [Message.system(self.system_prompt), Message.user(self.task.prompt)]

    @tool
    def calculate(self, expression: str) -> str:
        """Evaluate an arithmetic expression exactly.

        Supports numbers, + - * / // % **, unary minus and parentheses; '/' is exact
        division and exponents are whole numbers up to 64.

        Args:
            expression: The expression, e.g. "(12 - 4) * 3 / 6".
        """
        self._calls += 1
        try:
            value = safe_eval(expression)
        except ToolError:
            self._errors += 1
            raise
        finally:
            self._sync_milestones()
        return format_number(value)

    async def on_text(self, message: Message) -> Sequence[Message]:
        """A boxed answer ends the episode; other text gets a nudge."""
        if "\\boxed{" in (message.content or ""):
            self._answered = True
            self._sync_milestones()
            self.end_episode()
            return []
        return [Message.user(NUDGE)]

    async def reference_action(self) -> Message:
        """Calculate the task's expression once, then give the boxed answer."""
        expression = self.task.metadata.get("expression")
        if self._calls == self._errors and isinstance(expression, str):
            call = ToolCall.make("calculate", {"expression": expression}, id=f"ref_{self.turn}")
            return Message.assistant(tool_calls=[call])
        return Message.assistant(reference_answer(self.task))
