"""The random policy: seeded random tool calls and text, a floor for every metric."""

from __future__ import annotations

import json
import math
import random
import string
from collections.abc import Sequence
from typing import Any

from gymforge._util import derive_seed
from gymforge.policy._toolprompt import assistant_turn, tool_call_id
from gymforge.types import JsonValue, Message, Sampling, ToolCall, ToolSpec

__all__ = ["RandomPolicy", "sample_json_schema"]

_WORDS: tuple[str, ...] = (
    *("yes", "no", "ok", "maybe", "done", "the", "answer", "is", "order", "refund"),
    *("please", "help", "check", "again", "because", "item", "cancel", "confirm", "wait"),
    *(str(n) for n in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 42)),
)
_MAX_DEPTH = 6
_DEFAULT_SPAN = 100


def _sample_string(rng: random.Random, schema: dict[str, Any]) -> str:
    low = int(schema.get("minLength", 1))
    high = max(low, int(schema.get("maxLength", max(low, 8))))
    size = rng.randint(low, min(high, low + 12))
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(size))


def _bounds(schema: dict[str, Any], step: float) -> tuple[float | None, float | None]:
    """(low, high) inclusive bounds from minimum/maximum and their exclusive forms."""
    low: float | None = schema.get("minimum")
    high: float | None = schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(ex_low, bool):  # JSON Schema draft 4: a flag on "minimum"
        low = low + step if ex_low and low is not None else low
    elif isinstance(ex_low, int | float):
        low = ex_low + step
    if isinstance(ex_high, bool):
        high = high - step if ex_high and high is not None else high
    elif isinstance(ex_high, int | float):
        high = ex_high - step
    return low, high


def _sample_int(rng: random.Random, schema: dict[str, Any]) -> int:
    low, high = _bounds(schema, 1)
    lo = math.ceil(low) if low is not None else None
    hi = math.floor(high) if high is not None else None
    if lo is None:
        lo = 0 if hi is None or hi >= 0 else hi - _DEFAULT_SPAN
    if hi is None:
        hi = lo + _DEFAULT_SPAN
    return rng.randint(lo, max(lo, hi))


def _sample_number(rng: random.Random, schema: dict[str, Any]) -> float:
    low, high = _bounds(schema, 1e-3)
    lo = low if low is not None else (0.0 if high is None or high >= 0 else high - _DEFAULT_SPAN)
    hi = high if high is not None else lo + _DEFAULT_SPAN
    return min(max(round(rng.uniform(lo, max(lo, hi)), 3), lo), max(lo, hi))


def _sample_object(rng: random.Random, schema: dict[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out: dict[str, Any] = {}
    for key in sorted(properties):
        if key in required or rng.random() < 0.5:
            out[key] = _sample(rng, properties[key], depth + 1)
    return out


def _sample(rng: random.Random, schema: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema and schema["enum"]:
        return rng.choice(list(schema["enum"]))
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _sample(rng, rng.choice(list(schema[key])), depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged.update(part)
        return _sample(rng, merged, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = rng.choice(kind) if kind else None
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        return _sample_object(rng, schema, depth)
    if kind == "array":
        low = int(schema.get("minItems", 0))
        high = max(low, int(schema.get("maxItems", low + 3)))
        size = rng.randint(low, min(high, low + 3))
        return [_sample(rng, schema.get("items", {}), depth + 1) for _ in range(size)]
    if kind == "integer":
        return _sample_int(rng, schema)
    if kind == "number":
        return _sample_number(rng, schema)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return _sample_string(rng, schema)


def sample_json_schema(schema: dict[str, JsonValue], rng: random.Random) -> JsonValue:
    """A random value that satisfies the common parts of a JSON Schema.

    Handles ``type`` (one or a list), ``properties``/``required`` (optional properties
    appear half the time), ``enum``, ``const``, ``anyOf``/``oneOf``/``allOf``, integer and
    number bounds (``minimum``, ``maximum`` and their exclusive forms), string
    ``minLength``/``maxLength`` and array ``items``/``minItems``/``maxItems``. Keywords it
    does not know (``pattern``, ``format``, ``$ref``) are ignored, so a value can miss them.

    Example:
        >>> import random
        >>> schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1,
        ...           "maximum": 3}}, "required": ["n"]}
        >>> sample_json_schema(schema, random.Random(0))["n"] in {1, 2, 3}
        True
    """
    value: JsonValue = _sample(rng, schema, 0)
    return value


class RandomPolicy:
    """Random tool calls (arguments drawn from each tool's schema) or short random text.

    Each reply is drawn from ``random.Random(derive_seed(seed, "random", len(messages)))``,
    so the same seed and conversation always give the same reply, and each turn of an
    episode draws fresh values. With tools offered, a reply is a tool call with
    probability `p_tool` (tool chosen uniformly); otherwise it is a few random words.

    Args:
        p_tool: Probability of a tool call when tools are offered, in [0, 1].
        max_words: Upper bound on the words of a text reply.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Sampling
        >>> policy = RandomPolicy()
        >>> reply = lambda seed: asyncio.run(
        ...     policy.act([Message.user("hi")], [], seed=seed, sampling=Sampling())
        ... )
        >>> reply(7) == reply(7)
        True
    """

    name = "random"

    def __init__(self, *, p_tool: float = 0.8, max_words: int = 8) -> None:
        if not 0.0 <= p_tool <= 1.0:
            raise ValueError(f"p_tool must be in [0, 1], got {p_tool}")
        if max_words < 1:
            raise ValueError(f"max_words must be >= 1, got {max_words}")
        self.p_tool = p_tool
        self.max_words = max_words

    def __repr__(self) -> str:
        return f"RandomPolicy(p_tool={self.p_tool}, max_words={self.max_words})"

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Return a random tool call or random text, determined by `seed` and the turn."""
        rng = random.Random(derive_seed(seed, "random", len(messages)))
        if tools and rng.random() < self.p_tool:
            spec = rng.choice(list(tools))
            arguments = sample_json_schema(spec.parameters, rng)
            if not isinstance(arguments, dict):
                arguments = {}
            turn = assistant_turn(messages)
            call = ToolCall.make(spec.name, json.dumps(arguments), id=tool_call_id(turn, 0))
            return Message.assistant(tool_calls=[call])
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, self.max_words))]
        return Message.assistant(" ".join(words))
