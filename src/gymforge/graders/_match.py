"""Plain verifiable graders: exact match, regex, JSON Schema, and the env's own reward."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from gymforge.graders._extract import (
    Extractor,
    answer_or_missing,
    check_order,
    extract_answer,
    extract_json_block,
    final_text,
    strip_wrapping,
)
from gymforge.graders._registry import BuiltinGrader, register_grader
from gymforge.types import JsonValue, Score, Task, Trajectory

__all__ = ["env_reward", "exact_match", "json_schema", "normalize_answer", "regex_match"]

_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SPACES = re.compile(r"\s+")
_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|mathrm|mathbf|operatorname)\s*\{([^{}]*)\}")


def normalize_answer(text: str, *, case_sensitive: bool = False) -> str:
    r"""Normalise an answer for exact matching.

    Strips surrounding whitespace and ``$``, trailing ``.``, collapses inner
    whitespace, unwraps a whole-answer ``\text{...}`` (also ``\textbf``,
    ``\mathrm``, ``\mathbf``, ``\operatorname``), drops thousands separators
    (only when the whole answer is a number like ``1,234,567.5``) and, unless
    `case_sensitive`, case-folds.

    Example:
        >>> normalize_answer("  $1,234$. ")
        '1234'
        >>> normalize_answer("Paris, France.")
        'paris, france'
    """
    s = strip_wrapping(_SPACES.sub(" ", text))
    wrapped = _TEXT_WRAPPER.fullmatch(s)
    if wrapped:
        s = strip_wrapping(wrapped.group(1))
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    return s if case_sensitive else s.casefold()


def _gold_texts(gold: JsonValue) -> list[str] | None:
    """Acceptable answers as text: a list means any of them; None when there is none."""
    if gold is None:
        return None
    items = gold if isinstance(gold, list) else [gold]
    texts = [g if isinstance(g, str) else json.dumps(g) for g in items if g is not None]
    return texts or None


class ExactMatchGrader(BuiltinGrader):
    """1.0 when the extracted answer equals one of the gold answers after normalisation."""

    def __init__(
        self, *, normalize: bool, extract: tuple[Extractor, ...], case_sensitive: bool, name: str
    ) -> None:
        super().__init__(name)
        self.normalize = normalize
        self.extract = extract
        self.case_sensitive = case_sensitive

    def _norm(self, text: str) -> str:
        if self.normalize:
            return normalize_answer(text, case_sensitive=self.case_sensitive)
        return text if self.case_sensitive else text.casefold()

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Compare the extracted answer with ``task.answer``."""
        golds = _gold_texts(task.answer)
        if golds is None:
            return Score(value=None, explanation="task has no answer to match: cannot grade")
        answer = answer_or_missing(trajectory, self.extract)
        if isinstance(answer, Score):
            return answer
        if self._norm(answer) in {self._norm(g) for g in golds}:
            return Score(value=1.0, explanation=f"{answer!r} matches {task.answer!r}")
        return Score(value=0.0, explanation=f"{answer!r} does not match {task.answer!r}")


@register_grader
def exact_match(
    *,
    normalize: bool = True,
    extract: Sequence[Extractor] = ("boxed", "answer_line"),
    case_sensitive: bool = False,
    name: str = "exact_match",
) -> ExactMatchGrader:
    r"""Exact match of the extracted answer against ``task.answer`` (a list: any of them).

    Non-string gold answers are compared as their JSON text (``5`` -> ``"5"``).
    A missing answer scores 0.0 ("no answer found: expected \boxed{...}"); a task
    without an answer scores None.

    Args:
        normalize: Apply `normalize_answer` to both sides.
        extract: Extraction methods tried in order (see `extract_answer`).
        case_sensitive: Compare case-sensitively.
        name: Metric name.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="Capital of France?", answer="Paris")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant("Answer: paris."),))
        >>> asyncio.run(exact_match().grade(task, traj)).value
        1.0
    """
    return ExactMatchGrader(
        normalize=normalize, extract=check_order(extract), case_sensitive=case_sensitive, name=name
    )


RegexTarget = Literal["final", "answer", "assistant"]


class RegexGrader(BuiltinGrader):
    """1.0 when the pattern is found (``re.search``) in the chosen text."""

    def __init__(
        self,
        pattern: str,
        *,
        flags: int,
        on: RegexTarget,
        extract: tuple[Extractor, ...],
        name: str,
    ) -> None:
        super().__init__(name)
        if on not in ("final", "answer", "assistant"):
            raise ValueError(f"on must be 'final', 'answer' or 'assistant', got {on!r}")
        try:
            self.regex = re.compile(pattern, flags)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        self.on = on
        self.extract = extract

    def _target(self, trajectory: Trajectory) -> str | None:
        if self.on == "assistant":
            parts = [m.content for m in trajectory.messages if m.role == "assistant" and m.content]
            return "\n".join(parts) if parts else None
        text = final_text(trajectory)
        return extract_answer(text, self.extract) if self.on == "answer" else text

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Search the pattern in the final text, extracted answer, or all assistant text."""
        text = self._target(trajectory)
        if text is None:
            return Score(value=0.0, explanation=f"no text to search ({self.on}): no answer found")
        found = self.regex.search(text)
        if found is None:
            return Score(value=0.0, explanation=f"pattern {self.regex.pattern!r} not found")
        return Score(value=1.0, explanation=f"pattern matched {found.group()[:80]!r}")


@register_grader
def regex_match(
    pattern: str,
    *,
    flags: int = 0,
    on: RegexTarget = "final",
    extract: Sequence[Extractor] = ("boxed", "answer_line"),
    name: str = "regex_match",
) -> RegexGrader:
    r"""1.0 when `pattern` occurs (``re.search``) in the chosen text, else 0.0.

    Args:
        pattern: A Python regular expression.
        flags: `re` flags, e.g. ``re.IGNORECASE``.
        on: ``"final"`` the last assistant message, ``"answer"`` the answer
            extracted from it with `extract`, ``"assistant"`` every assistant
            message joined by newlines.
        extract: Extraction methods, used when ``on="answer"``.
        name: Metric name.

    Raises:
        ValueError: The pattern does not compile, or `on` is unknown.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="Say hi")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant("Hello there"),))
        >>> asyncio.run(regex_match(r"^hello\b", flags=2).grade(task, traj)).value
        1.0
    """
    return RegexGrader(pattern, flags=flags, on=on, extract=check_order(extract), name=name)


class JsonSchemaGrader(BuiltinGrader):
    """1.0 when the final message holds JSON valid against the schema."""

    def __init__(self, schema: Mapping[str, Any], *, name: str) -> None:
        # Imported here, not at the top: every env that grades with any built-in
        # grader imports this module, and few of them need jsonschema.
        import jsonschema

        super().__init__(name)
        self.schema = dict(schema)
        cls = jsonschema.validators.validator_for(self.schema)
        try:
            cls.check_schema(self.schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"invalid JSON Schema: {exc.message}") from exc
        self._validator: Any = cls(self.schema)

    def __getstate__(self) -> dict[str, Any]:
        # jsonschema validators hold local functions and do not pickle: rebuild on load.
        state = dict(self.__dict__)
        del state["_validator"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import jsonschema

        self.__dict__.update(state)
        self._validator = jsonschema.validators.validator_for(self.schema)(self.schema)

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Extract the JSON block of the final message and validate it."""
        block = extract_json_block(final_text(trajectory))
        if block is None:
            return Score(value=0.0, explanation="no JSON found: expected a ```json block or {...}")
        try:
            data = json.loads(block)
        except ValueError as exc:
            return Score(value=0.0, explanation=f"invalid JSON: {exc}")
        except RecursionError:
            return Score(value=0.0, explanation="invalid JSON: nested too deeply to parse")
        try:
            errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        except RecursionError:
            return Score(value=0.0, explanation="JSON nested too deeply to validate")
        if not errors:
            return Score(value=1.0, explanation="JSON is valid against the schema")
        shown = "; ".join(
            f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:3]
        )
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        return Score(value=0.0, explanation=f"JSON does not match the schema: {shown}{more}")


@register_grader
def json_schema(schema: Mapping[str, Any], *, name: str = "json_schema") -> JsonSchemaGrader:
    """1.0 when the last JSON block of the final message validates against `schema`.

    The JSON is found with `extract_json_block` (last ```` ```json ```` fence, else
    the last top-level object). No JSON or invalid JSON scores 0.0 with the
    parser's message; schema violations list up to three errors with their paths.

    Raises:
        ValueError: `schema` is not a valid JSON Schema.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="Give JSON")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant('{"n": "x"}'),))
        >>> score = asyncio.run(json_schema({"properties": {"n": {"type": "integer"}}})
        ...     .grade(task, traj))
        >>> score.value, score.explanation
        (0.0, "JSON does not match the schema: at n: 'x' is not of type 'integer'")
    """
    return JsonSchemaGrader(schema, name=name)


class EnvRewardGrader(BuiltinGrader):
    """The sum of the per-turn rewards the env gave."""

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Sum ``trajectory.turns[*].reward``."""
        if not trajectory.turns:
            return Score(value=0.0, explanation="no turns: the env gave no reward")
        total = math.fsum(t.reward for t in trajectory.turns)
        return Score(value=total, explanation=f"sum of {len(trajectory.turns)} turn rewards")


@register_grader
def env_reward(*, name: str = "env_reward") -> EnvRewardGrader:
    """The episode's summed per-turn env rewards (for games whose rules define reward).

    Example:
        >>> import asyncio
        >>> from gymforge.types import Task, Trajectory, Turn
        >>> task = Task(id="t", prompt="play")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, turns=(Turn(reward=0.5), Turn(reward=1.0)))
        >>> asyncio.run(env_reward().grade(task, traj)).value
        1.5
    """
    return EnvRewardGrader(name)
