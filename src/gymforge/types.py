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
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Annotated, Any, Literal, TypeAlias, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

__all__ = [
    "BOUNDARIES",
    "TOOL_OUTCOME_KINDS",
    "TRAJECTORY_SCHEMA_VERSION",
    "Boundary",
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
    "ToolOutcome",
    "ToolOutcomeKind",
    "ToolSpec",
    "Trajectory",
    "Turn",
    "Usage",
    "upgrade_v1",
]

TRAJECTORY_SCHEMA_VERSION = 2
"""Version of the trajectory JSONL schema; bumped on any incompatible change.

- 1: the first schema.
- 2: every turn records its tool calls' outcomes (`Turn.tool_outcomes`); errors say
  whether the policy caused them and keep the last traceback frames. Version-1 lines
  still load: `Trajectory.from_json_line` derives their outcomes (see `upgrade_v1`).
"""

Role: TypeAlias = Literal["system", "user", "assistant", "tool"]
Milestones: TypeAlias = dict[str, JsonValue]

Boundary: TypeAlias = Literal["policy", "env", "grader", "timeout", "sandbox", "config"]
"""Which boundary of an episode failed: the one vocabulary of `ErrorRecord.boundary`,
of the `gymforge.errors` tree (each error class names its own) and of the run statistics."""
BOUNDARIES: tuple[Boundary, ...] = get_args(Boundary)
"""Every `Boundary`, in the order of its definition."""

ToolOutcomeKind: TypeAlias = Literal[
    "ok",
    "unknown_tool",
    "bad_arguments",
    "tool_raised",
    "refused",
    "fault",
    "after_end",
    "duplicate_id",
]
"""What became of one tool call (see `ToolOutcome.kind`)."""
TOOL_OUTCOME_KINDS: tuple[ToolOutcomeKind, ...] = get_args(ToolOutcomeKind)
"""Every `ToolOutcomeKind`."""

_Finite = Annotated[float, Field(allow_inf_nan=False)]


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


class ToolOutcome(_Frozen):
    """What an env did with one tool call: the record graders read instead of reply text.

    Every call an env answers produces one, in call order, on `StepResult.tool_outcomes`
    and then on the trajectory's `Turn.tool_outcomes`. The reply text is what the model
    saw; whether the call succeeded is `kind`, never a prefix of that text.

    Example:
        >>> out = ToolOutcome(call_id="c1", tool="cancel", arguments={"order": 7},
        ...                   kind="ok", writes=True, reply="cancelled #7")
        >>> out.ok, out.message().tool_call_id
        (True, 'c1')
    """

    call_id: str
    """The call's id (unique within an episode; a repeated id is ``duplicate_id``)."""
    tool: str
    """The called tool's name, as the model wrote it."""
    arguments: JsonValue
    """The arguments decoded from JSON, or the raw string when they were not JSON
    (`arguments_parsed` tells which)."""
    arguments_parsed: bool = True
    """False when `arguments` is the raw text because it did not parse as JSON."""
    kind: ToolOutcomeKind
    """``ok``: the tool ran and answered. ``unknown_tool``: no tool of that name is
    available now. ``bad_arguments``: not a JSON object, or it failed the schema.
    ``tool_raised``: the tool ran and rejected the call (`gymforge.errors.ToolError`,
    e.g. "order #12 is not pending"). ``refused``: the env's own rules refused to run it
    (`gymforge.errors.ToolRefused`: a limit, one move per turn, a reserved file name).
    ``fault``: an injected fault (`gymforge.errors.ToolFault`); a retry may work.
    ``after_end``: the episode had already ended, so the call was not run.
    ``duplicate_id``: the id was already used in this episode, so it was not run."""
    writes: bool | None = False
    """The tool's read/write tag (`ToolSpec.writes`); None when not known (calls
    derived from a schema-1 file)."""
    reply: str
    """The text of the tool message the model saw."""

    @property
    def ok(self) -> bool:
        """True when the tool ran and answered without rejecting the call."""
        return self.kind == "ok"

    def message(self) -> Message:
        """The tool message answering the call (what the model reads)."""
        return Message.tool(self.reply, tool_call_id=self.call_id, name=self.tool)


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
    tags: tuple[str, ...] = ()
    """Labels the run statistics break results down by (`Summary.by_tag`), e.g. the
    intent kinds of a Retail task ("intent:cancel")."""
    reference: str | None = None
    """The reference solution's final message, where the family has one (the oracle of
    single-turn envs plays it; None: ``\\boxed{answer}``)."""
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    """Env-specific data the env or its grader needs (worlds, intents, test cases)."""

    @model_validator(mode="before")
    @classmethod
    def _typed_from_metadata(cls, data: Any) -> Any:
        """Tasks written before `tags` and `reference` were fields kept them in metadata."""
        if isinstance(data, dict):
            meta = data.get("metadata")
            if isinstance(meta, dict) and ("tags" in meta or "reference" in meta):
                meta = dict(meta)
                data = dict(data)
                if "tags" not in data and isinstance(meta.get("tags"), list):
                    data["tags"] = [str(t) for t in meta.pop("tags")]
                if "reference" not in data and isinstance(meta.get("reference"), str):
                    data["reference"] = meta.pop("reference")
                data["metadata"] = meta
        return data


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
    tool_outcomes: tuple[ToolOutcome, ...] = ()
    """One record per tool call of the action, in call order."""


class Score(_Frozen):
    """A grader's verdict.

    `value` None means "could not decide" and is never silently read as 0.

    Example:
        >>> Score(value=None, explanation="no answer found").value is None
        True
    """

    value: _Finite | None
    """The score, usually in [0, 1]; None when undecided. NaN and infinities are
    rejected: a grader that cannot decide says None."""
    components: dict[str, _Finite | None] = Field(default_factory=dict)
    """Named sub-scores, each reported as its own metric (finite, or None)."""
    explanation: str = ""
    """Why, for a person reading the trajectory."""


class Turn(_Frozen):
    """Per-step record kept on the trajectory."""

    reward: float
    """Reward the env gave for this step (a part of the episode's return only through
    the grader: see `Trajectory.reward`)."""
    milestones: dict[str, JsonValue] = Field(default_factory=dict)
    """Milestones after this step."""
    terminated: bool = False
    """Whether this step ended the episode."""
    truncated: bool = False
    """Whether this step cut the episode short."""
    tool_outcomes: tuple[ToolOutcome, ...] = ()
    """What the env did with each tool call of this step's action, in call order."""


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
    """Which boundary failed in an episode, recorded instead of crashing the run.

    Blame is exact: `policy_caused` is True only when the policy's own output made the
    episode impossible to continue (`gymforge.errors.PolicyOutputError`); such an episode
    is graded as it stands. Every other failure (env, grader, sandbox, a model server
    that timed out or was unavailable) is infrastructure: the episode has no reward and
    statistics and training leave it out.
    """

    boundary: Boundary
    """Where it failed: the failing error's own boundary (a `SandboxError` raised in a
    grader is ``sandbox``), else the stage that was running."""
    type: str
    """Exception class name."""
    message: str
    """The exception's text."""
    cause: str | None = None
    """A finer reason where the error gives one: ``timeout`` or ``unavailable`` (a model
    server, or an env server behind `RemoteEnv`), ``bad_output`` (the policy's own
    output)."""
    policy_caused: bool = False
    """True when the policy's output caused the failure (the episode is then scored)."""
    frames: tuple[str, ...] = ()
    """The last traceback frames where it was raised, ``"file:line in function"``,
    innermost last (of the original error when it was re-raised as another)."""


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
    """The episode's return: the grader's value, and nothing else. Step rewards
    (`Turn.reward`) count only through the grader (`env_reward` sums them); the
    Gymnasium adapter pays them as they come and the rest of this value at the end, so
    an episode's rewards there sum to this. None when the grader could not decide, or an
    infrastructure failure ended the episode (`ErrorRecord.policy_caused` is False)."""
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

    def tool_outcomes(self) -> Iterator[ToolOutcome]:
        """Every tool call's outcome, in the order the env answered them."""
        for turn in self.turns:
            yield from turn.tool_outcomes

    def successful_calls(self, *, writes_only: bool = False) -> list[ToolOutcome]:
        """The calls the env ran and answered (``kind == "ok"``), in order, with replies.

        What a state-replay grader re-invokes on a fresh world to rebuild the final
        state (see docs/writing-an-env.md). With `writes_only`, only calls of tools
        tagged ``writes`` (a call of unknown tag, from a schema-1 file, is kept).

        Example:
            >>> ok = ToolOutcome(call_id="a", tool="set", arguments={}, kind="ok",
            ...                  writes=True, reply="done")
            >>> bad = ok.model_copy(update={"call_id": "b", "kind": "tool_raised"})
            >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
            ...     policy="p", task=Task(id="t", prompt="?"),
            ...     turns=(Turn(reward=0.0, tool_outcomes=(ok, bad)),))
            >>> [o.call_id for o in traj.successful_calls(writes_only=True)]
            ['a']
        """
        return [
            o
            for o in self.tool_outcomes()
            if o.kind == "ok" and (not writes_only or o.writes is not False)
        ]

    def paired_calls(self) -> list[tuple[int, ToolCall, ToolOutcome | None]]:
        """Every tool call of the transcript with its outcome: (message index, call, outcome).

        Calls are paired with outcomes in the order the env answered them, so a repeated
        call id pairs each call with its own outcome (the repeat's is ``duplicate_id``).
        The outcome is None for a call the env never answered (a step cut by a time limit).

        Example:
            >>> call = ToolCall.make("look", {}, id="c")
            >>> out = ToolOutcome(call_id="c", tool="look", arguments={}, kind="ok",
            ...                   reply="a room")
            >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
            ...     policy="p", task=Task(id="t", prompt="?"),
            ...     messages=(Message.assistant(tool_calls=[call]), out.message()),
            ...     turns=(Turn(reward=0.0, tool_outcomes=(out,)),))
            >>> [(i, c.id, o.kind if o else None) for i, c, o in traj.paired_calls()]
            [(0, 'c', 'ok')]
        """
        queues: dict[str, list[ToolOutcome]] = {}
        for outcome in reversed(list(self.tool_outcomes())):
            queues.setdefault(outcome.call_id, []).append(outcome)
        pairs: list[tuple[int, ToolCall, ToolOutcome | None]] = []
        for index, message in enumerate(self.messages):
            if message.role != "assistant":
                continue
            for call in message.tool_calls or ():
                queue = queues.get(call.id)
                pairs.append((index, call, queue.pop() if queue else None))
        return pairs

    def to_json_line(self) -> str:
        """One JSONL line (with a trailing newline)."""
        return self.model_dump_json() + "\n"

    @classmethod
    def from_json_line(cls, line: str | bytes) -> Trajectory:
        """Parse one JSONL line (schema 1 lines are upgraded, see `upgrade_v1`).

        Raises:
            pydantic.ValidationError: The line is not a trajectory.
        """
        if (
            b'"schema_version":1,' in line[:24]
            if isinstance(line, bytes)
            else '"schema_version":1,' in line[:24]
        ):
            try:
                data = json.loads(line)
            except ValueError:
                return cls.model_validate_json(line)  # reports the JSON error its own way
            return cls.model_validate(upgrade_v1(data))
        return cls.model_validate_json(line)


_V1_KINDS: tuple[tuple[str, ToolOutcomeKind], ...] = (
    ("error: unknown tool", "unknown_tool"),
    ("error: argument", "bad_arguments"),
    ("error: the episode has ended", "after_end"),
    ("error:", "tool_raised"),
)


def upgrade_v1(data: Any) -> Any:
    """A schema-1 trajectory (a parsed JSON object) in the schema-2 shape.

    Schema 1 recorded no tool outcomes: the only trace of one was its reply, whose
    ``error:`` prefix was the convention of gymforge's envs for a failed call. This is
    the one place that convention is read, to give old files the outcomes every
    grader now reads: each turn's outcomes come from the tool replies that follow its
    action (``error: unknown tool`` is ``unknown_tool``, ``error: argument`` is
    ``bad_arguments``, ``error: the episode has ended`` is ``after_end``, another
    ``error:`` is ``tool_raised``, anything else ``ok``); read/write tags were not
    recorded, so ``writes`` is None. Anything that is not a schema-1 object is returned
    as it is.

    Example:
        >>> line = {"schema_version": 1, "messages": [
        ...     {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
        ...         "function": {"name": "f", "arguments": "{}"}}]},
        ...     {"role": "tool", "content": "error: no", "tool_call_id": "c"}],
        ...     "turns": [{"reward": 0.0}]}
        >>> upgrade_v1(line)["turns"][0]["tool_outcomes"][0]["kind"]
        'tool_raised'
    """
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        return data
    messages = data.get("messages") or []
    turns = data.get("turns") or []
    actions = [
        i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"
    ]
    new_turns = []
    for number, turn in enumerate(turns):
        if not isinstance(turn, dict) or number >= len(actions) or "tool_outcomes" in turn:
            new_turns.append(turn)
            continue
        start = actions[number]
        end = actions[number + 1] if number + 1 < len(actions) else len(messages)
        replies: dict[str, list[str]] = {}  # by call id, in order: a repeated id pairs in turn
        for m in messages[start + 1 : end]:
            if isinstance(m, dict) and m.get("role") == "tool":
                replies.setdefault(str(m.get("tool_call_id")), []).append(
                    str(m.get("content") or "")
                )
        outcomes = []
        for call in messages[start].get("tool_calls") or []:
            function = call.get("function") or {}
            raw = str(function.get("arguments", ""))
            try:
                arguments, parsed = json.loads(raw), True
            except ValueError:
                arguments, parsed = raw, False
            queue = replies.get(str(call.get("id")))
            reply = queue.pop(0) if queue else ""
            kind: ToolOutcomeKind = "ok"
            for prefix, name in _V1_KINDS:
                if reply.startswith(prefix):
                    kind = name
                    break
            outcomes.append(
                {
                    "call_id": str(call.get("id")),
                    "tool": str(function.get("name")),
                    "arguments": arguments,
                    "arguments_parsed": parsed,
                    "kind": kind,
                    "writes": None,
                    "reply": reply,
                }
            )
        new_turns.append({**turn, "tool_outcomes": outcomes})
    return {**data, "schema_version": TRAJECTORY_SCHEMA_VERSION, "turns": new_turns}


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
