"""Frozen data shared by every layer: messages, tasks, steps, scores, trajectories.

Everything here may cross a process, HTTP or log boundary, so it is a frozen
pydantic model with ``extra="forbid"``. Messages follow the OpenAI chat format,
so any OpenAI-compatible server speaks them as they are.

Example:
    >>> from gymforge.types import Message, ToolCall
    >>> call = ToolCall.make("calculate", {"expression": "2+2"}, id="call_0")
    >>> msg = Message.assistant(tool_calls=[call])
    >>> msg.to_openai()["tool_calls"][0]["function"]["arguments"]
    '{"expression": "2+2"}'
    >>> Message.tool("4", tool_call_id="call_0").role
    'tool'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

__all__ = [
    "TRAJECTORY_SCHEMA_VERSION",
    "ErrorRecord",
    "FunctionCall",
    "Generation",
    "Info",
    "JsonValue",
    "Message",
    "Role",
    "Sampling",
    "Score",
    "StepResult",
    "Task",
    "Timings",
    "ToolCall",
    "ToolSpec",
    "Trajectory",
    "Turn",
    "Usage",
]

TRAJECTORY_SCHEMA_VERSION = 1
"""Version of the trajectory JSONL schema; bumped on any incompatible change."""

Role: TypeAlias = Literal["system", "user", "assistant", "tool"]
Milestones: TypeAlias = dict[str, JsonValue]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FunctionCall(_Frozen):
    """The function part of a tool call, as in the OpenAI chat format."""

    name: str
    """Name of the tool the model wants to call."""
    arguments: str
    """The arguments as a JSON *string*, exactly as the model wrote them (may be invalid)."""


class ToolCall(_Frozen):
    """One tool call inside an assistant message (OpenAI chat format)."""

    id: str
    """Call id; the tool's answer carries it back as `tool_call_id`."""
    type: Literal["function"] = "function"
    """Always "function" (the only kind the OpenAI format defines)."""
    function: FunctionCall
    """Which tool and with which arguments."""

    @classmethod
    def make(cls, name: str, arguments: Mapping[str, Any] | str, *, id: str) -> ToolCall:
        """Build a call from a name and a mapping (or an already-encoded JSON string)."""
        args = arguments if isinstance(arguments, str) else json.dumps(dict(arguments))
        return cls(id=id, function=FunctionCall(name=name, arguments=args))

    @property
    def name(self) -> str:
        """The called tool's name."""
        return self.function.name

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON; raises `ValueError` when they are not JSON."""
        return json.loads(self.function.arguments)


class Usage(_Frozen):
    """Token counts of one or more model calls."""

    prompt_tokens: int = 0
    """Tokens read by the model."""
    completion_tokens: int = 0
    """Tokens written by the model."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Generation(_Frozen):
    """What the backend said about how an assistant message was generated.

    Kept on the message in the transcript (training needs token ids and logprobs)
    and dropped by `Message.to_openai`, so it never goes back to a model.
    """

    model: str | None = None
    """Model name as the backend reports it."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens of this one call."""
    finish_reason: str | None = None
    """Why generation stopped ("stop", "length", "tool_calls", ...)."""
    prompt_token_ids: tuple[int, ...] | None = None
    """Token ids of the prompt, where the backend exposes them."""
    token_ids: tuple[int, ...] | None = None
    """Token ids of the completion, where the backend exposes them."""
    logprobs: tuple[float, ...] | None = None
    """Log-probability of each completion token, where the backend exposes them."""
    latency_s: float | None = None
    """Wall-clock seconds of the call (not part of determinism checks)."""


class Message(_Frozen):
    """One chat message in the OpenAI format.

    Example:
        >>> Message.user("What is 2+3?").content
        'What is 2+3?'
    """

    role: Role
    """Who speaks: system, user, assistant or tool."""
    content: str | None = None
    """The text; may be None for an assistant message that only calls tools."""
    tool_calls: tuple[ToolCall, ...] | None = None
    """Tool calls of an assistant message."""
    tool_call_id: str | None = None
    """For a tool message: the id of the call it answers."""
    name: str | None = None
    """For a tool message: the tool's name (optional in the OpenAI format)."""
    generation: Generation | None = None
    """Backend metadata of an assistant message; never sent back to a model."""

    @classmethod
    def system(cls, content: str) -> Message:
        """A system message."""
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        """A user message."""
        return cls(role="user", content=content)

    @classmethod
    def assistant(
        cls,
        content: str | None = None,
        *,
        tool_calls: Sequence[ToolCall] | None = None,
        generation: Generation | None = None,
    ) -> Message:
        """An assistant message with text and/or tool calls."""
        return cls(
            role="assistant",
            content=content,
            tool_calls=tuple(tool_calls) if tool_calls else None,
            generation=generation,
        )

    @classmethod
    def tool(cls, content: str, *, tool_call_id: str, name: str | None = None) -> Message:
        """A tool result answering the call `tool_call_id`."""
        return cls(role="tool", content=content, tool_call_id=tool_call_id, name=name)

    def to_openai(self) -> dict[str, Any]:
        """The message as an OpenAI chat-completions dict (no gymforge-only fields)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [c.model_dump() for c in self.tool_calls]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None and self.role == "tool":
            out["name"] = self.name
        return out


class ToolSpec(_Frozen):
    """A tool's description for the model: name, text and JSON Schema of its arguments."""

    name: str
    """The tool's name, as the model must call it."""
    description: str
    """What the tool does, for the model."""
    parameters: dict[str, JsonValue]
    """JSON Schema (an object schema) of the arguments."""
    writes: bool = False
    """True when the tool changes the world (used by policy rules such as "confirm first")."""

    def to_openai(self) -> dict[str, Any]:
        """The spec in the OpenAI `tools=[...]` format."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


class Sampling(_Frozen):
    """Sampling parameters for one model call."""

    temperature: float = 0.0
    """0 means greedy decoding (deterministic where the backend allows)."""
    top_p: float = 1.0
    """Nucleus sampling mass."""
    max_tokens: int = 256
    """Upper bound on completion tokens."""
    stop: tuple[str, ...] = ()
    """Stop sequences."""


class Task(_Frozen):
    """One task: what the model is asked, and the hidden target it is graded against.

    Example:
        >>> Task(id="arith/3", prompt="2+3?", answer=5, difficulty=1).answer
        5
    """

    id: str
    """Unique within its family, stable across processes (e.g. "arithmetic/s0/17")."""
    prompt: str
    """What the model is asked (the env may wrap it with a system text)."""
    answer: JsonValue = None
    """The hidden target (never shown to the model)."""
    family: str | None = None
    """Name of the family that generated it, if any."""
    difficulty: int | None = None
    """Difficulty level in the family's documented scale."""
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    """Anything else the env or grader needs (reference solution, intents, ...)."""


class Info(_Frozen):
    """What an env says besides the observation, after reset and after each step."""

    tools: tuple[ToolSpec, ...] = ()
    """Tools the model may call now."""
    policy: str | None = None
    """The written policy the agent must follow, if the env has one."""
    milestones: dict[str, JsonValue] = Field(default_factory=dict)
    """Env-verified facts so far, e.g. {"authenticated": True, "tests_passing": 3}."""
    extra: dict[str, JsonValue] = Field(default_factory=dict)
    """Env-specific data (kept small; recorded on the trajectory's last turn)."""


class StepResult(_Frozen):
    """What `Env.step` returns. `terminated` and `truncated` stay distinct."""

    observation: tuple[Message, ...]
    """New messages for the model: tool results and/or user turns."""
    reward: float = 0.0
    """Reward of this step (most envs give 0 until the end; graders give the final one)."""
    terminated: bool = False
    """The episode reached a natural end (answer given, game over)."""
    truncated: bool = False
    """The episode was cut short (turn or time limit)."""
    info: Info = Field(default_factory=Info)
    """Tools, policy, milestones."""


class Score(_Frozen):
    """A grader's verdict.

    `value` None means "could not decide" and is never silently read as 0.

    Example:
        >>> Score(value=None, explanation="no answer found").value is None
        True
    """

    value: float | None
    """The score, usually in [0, 1]; None when undecided."""
    components: dict[str, float | None] = Field(default_factory=dict)
    """Named sub-scores, each reported as its own metric."""
    explanation: str = ""
    """Why, for a person reading the trajectory."""


class Turn(_Frozen):
    """Per-step record kept on the trajectory."""

    reward: float
    """Reward the env gave for this step."""
    milestones: dict[str, JsonValue] = Field(default_factory=dict)
    """Milestones after this step."""
    terminated: bool = False
    """Whether this step ended the episode."""
    truncated: bool = False
    """Whether this step cut the episode short."""


class Timings(_Frozen):
    """Wall-clock facts of an episode; excluded from determinism comparisons."""

    started_at: float = 0.0
    """Unix time the episode began."""
    total_s: float = 0.0
    """Whole episode, grading included."""
    policy_s: float = 0.0
    """Time spent waiting on the policy."""
    env_s: float = 0.0
    """Time spent in env.reset/step."""
    grader_s: float = 0.0
    """Time spent grading."""


class ErrorRecord(_Frozen):
    """Which boundary failed in an episode, recorded instead of crashing the run."""

    boundary: Literal["policy", "env", "grader", "timeout", "sandbox", "config"]
    """Where it failed."""
    type: str
    """Exception class name."""
    message: str
    """The exception's text."""


class Trajectory(_Frozen):
    """One episode: the unit of data, one JSONL line, flushed when the episode ends."""

    schema_version: int = TRAJECTORY_SCHEMA_VERSION
    """Version of this schema."""
    run_id: str
    """Deterministic id of the run (derived from its configuration)."""
    env_id: str
    """Versioned env id, e.g. "gymforge/Arithmetic-v0"."""
    task_id: str
    """The task's id; also the GRPO group key."""
    sample: int
    """Index of this sample within the task's group (0..G-1)."""
    seed: int
    """Seed given to env.reset and the policy (derived from run seed, task id, sample)."""
    policy: str
    """The policy spec, e.g. "local" or "openai:gpt-4o@https://...")."""
    task: Task
    """The task as given to the env (the hidden answer included, for audits)."""
    messages: tuple[Message, ...] = ()
    """The whole transcript, system prompt first."""
    turns: tuple[Turn, ...] = ()
    """One record per env.step."""
    reward: float | None = None
    """Final scalar reward (the grader's value); None when undecided or failed."""
    score: Score | None = None
    """The grader's full verdict with components."""
    milestones: dict[str, JsonValue] = Field(default_factory=dict)
    """Milestones at the end of the episode."""
    terminated: bool = False
    """The episode ended naturally."""
    truncated: bool = False
    """The episode was cut by a limit."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens over the whole episode."""
    timings: Timings = Field(default_factory=Timings)
    """Wall-clock timings."""
    error: ErrorRecord | None = None
    """Set when a boundary failed; the rest is what was recorded up to then."""
    info: dict[str, JsonValue] = Field(default_factory=dict)
    """The env's `Info.extra` at the end (e.g. final database digest)."""

    @property
    def key(self) -> tuple[str, int]:
        """(task_id, sample): what resume uses to skip finished episodes."""
        return (self.task_id, self.sample)

    def to_json_line(self) -> str:
        """One JSONL line (with a trailing newline)."""
        return self.model_dump_json() + "\n"

    @classmethod
    def from_json_line(cls, line: str) -> Trajectory:
        """Parse one JSONL line; raises `pydantic.ValidationError` when it is not one."""
        return cls.model_validate_json(line)


_M = TypeVar("_M", bound=BaseModel)


def _trusted(
    cls: type[_M], fields: dict[str, Any], fields_set: AbstractSet[str] | None = None
) -> _M:
    """A model from ALL its fields, each already of its declared type, without validation.

    For hot paths that build models from values that are valid by construction (taken
    from validated models, or computed): about half the cost of the validating
    constructor, while `model_construct` is slower than both (it fills defaults field
    by field). The callers' unit tests check that the result equals the validated model.
    `fields_set` names the fields the constructor call would have given explicitly
    (default: all of them).
    """
    model = cls.__new__(cls)
    _setattr(model, "__dict__", fields)
    _setattr(model, "__pydantic_fields_set__", set(fields if fields_set is None else fields_set))
    _setattr(model, "__pydantic_extra__", None)
    _setattr(model, "__pydantic_private__", None)
    return model


_setattr = object.__setattr__
