"""The engine's per-episode records, built from already-validated values.

An episode's data comes from validated objects (the env's `Message`s, `Info` and
`StepResult`, the policy's `Message`): validating it again as it is assembled into
`Turn`s and the `Trajectory` was half of the engine's own cost per episode. These
helpers build the same models without that second validation whenever every value
already has its field's exact type, and fall back to the validating constructor
otherwise. Unit tests pin the equality (values, fields set and JSON line).
"""

from __future__ import annotations

import hashlib
import operator
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from gymforge._util import derive_seed
from gymforge.types import (
    TRAJECTORY_SCHEMA_VERSION,
    ErrorRecord,
    Info,
    Message,
    Score,
    Task,
    Timings,
    ToolOutcome,
    Trajectory,
    Turn,
    Usage,
    _trusted,
)

if TYPE_CHECKING:
    from gymforge.env import Env

__all__ = [
    "EpisodeSeeds",
    "EpisodeState",
    "JSON_EVERY",
    "Records",
    "TurnSeeds",
    "replaced",
    "trajectory_json",
    "turn_record",
]

_M = TypeVar("_M", bound=BaseModel)

_EMPTY_INFO = Info()
_GENERATION = operator.attrgetter("generation")
_ONLY_MESSAGE = {Message}
_ONLY_TURN = {Turn}


def replaced(model: _M, **update: Any) -> _M:
    """``model.model_copy(update=update)`` for trusted values, without its generic machinery."""
    fields = model.__dict__.copy()
    fields.update(update)
    copy = model.__class__.__new__(model.__class__)
    object.__setattr__(copy, "__dict__", fields)
    object.__setattr__(copy, "__pydantic_fields_set__", model.__pydantic_fields_set__ | set(update))
    object.__setattr__(copy, "__pydantic_extra__", model.__pydantic_extra__)
    object.__setattr__(copy, "__pydantic_private__", model.__pydantic_private__)
    return copy


def turn_record(
    reward: float, milestones: Any, terminated: bool, truncated: bool, outcomes: Any = ()
) -> Turn:
    """The `Turn` of one step; validated unless every value already has its exact type."""
    if (
        reward.__class__ is float
        and milestones.__class__ is dict
        and terminated.__class__ is bool
        and truncated.__class__ is bool
        and outcomes.__class__ is tuple
        and all(o.__class__ is ToolOutcome for o in outcomes)
    ):
        return _trusted(
            Turn,
            {
                "reward": reward,
                "milestones": dict(milestones),
                "terminated": terminated,
                "truncated": truncated,
                "tool_outcomes": outcomes,
            },
            _TURN_FIELDS if outcomes else _TURN_FIELDS_NO_CALLS,
        )
    calls = {"tool_outcomes": outcomes} if outcomes else {}
    return Turn(
        reward=reward, milestones=milestones, terminated=terminated, truncated=truncated, **calls
    )


_TURN_FIELDS = frozenset(Turn.model_fields)
_TURN_FIELDS_NO_CALLS = _TURN_FIELDS - {"tool_outcomes"}
"""A step without calls sets what ``Turn(reward=..., ...)`` without outcomes sets."""


class Records:
    """What every trajectory of one run shares: its ids and the policy spec."""

    __slots__ = ("env_id", "policy", "run_id")

    def __init__(self, run_id: str, env_id: str, policy: str) -> None:
        self.run_id = run_id
        self.env_id = env_id
        self.policy = policy

    def partial(self, task: Task, sample: int, seed: int, state: EpisodeState) -> Trajectory:
        """The trajectory of a played episode, before grading (no reward, score, timings)."""
        # Two passes at C speed over the transcript (`map`), not one Python loop: the
        # generations (usually fewer than the messages) and the message types.
        messages = state.messages
        prompt = completion = 0
        for generation in [g for g in map(_GENERATION, messages) if g is not None]:
            used = generation.usage
            prompt += used.prompt_tokens
            completion += used.completion_tokens
        typed = (
            task.__class__ is Task
            and task.id.__class__ is str
            and (not messages or set(map(type, messages)) == _ONLY_MESSAGE)
        )
        info = state.info
        milestones, extra = info.milestones, info.extra
        turns = tuple(state.turns)
        usage = (
            _trusted(Usage, {"prompt_tokens": prompt, "completion_tokens": completion})
            if prompt.__class__ is int and completion.__class__ is int
            else Usage(prompt_tokens=prompt, completion_tokens=completion)
        )
        if not (
            typed
            and milestones.__class__ is dict
            and extra.__class__ is dict
            and sample.__class__ is int
            and (not turns or set(map(type, turns)) == _ONLY_TURN)
        ):
            return Trajectory(
                run_id=self.run_id,
                env_id=self.env_id,
                task_id=task.id,
                sample=sample,
                seed=seed,
                policy=self.policy,
                task=task,
                messages=tuple(state.messages),
                turns=turns,
                milestones=milestones,
                terminated=state.terminated,
                truncated=state.truncated,
                usage=usage,
                info=extra,
            )
        # Every value is already a validated object of its field's exact type: build what
        # the constructor above builds (same values in field order, same fields set)
        # without the validation that was half of an episode's engine cost. A unit test
        # pins the equality, JSON line included.
        return _trusted(
            Trajectory,
            {
                "schema_version": TRAJECTORY_SCHEMA_VERSION,
                "run_id": self.run_id,
                "env_id": self.env_id,
                "task_id": task.id,
                "sample": sample,
                "seed": seed,
                "policy": self.policy,
                "task": task,
                "messages": tuple(state.messages),
                "turns": turns,
                "reward": None,
                "score": None,
                "milestones": dict(milestones),
                "terminated": state.terminated,
                "truncated": state.truncated,
                "usage": usage,
                "timings": _NO_TIMINGS,
                "error": None,
                "info": dict(extra),
            },
            _PARTIAL_FIELDS,
        )


_NO_TIMINGS = Timings()
_PARTIAL_FIELDS = frozenset(Trajectory.model_fields) - {
    "schema_version",
    "reward",
    "score",
    "timings",
    "error",
}
"""The fields `Records.partial` gives explicitly (the others keep their defaults)."""


class TurnSeeds:
    """``derive_seed(seed, turn)`` for one episode, hashing the common prefix once.

    Same values as `derive_seed` (BLAKE2b is a streaming hash, so hashing the prefix
    and then the turn equals hashing the whole text); a unit test pins the equality.
    """

    __slots__ = ("_prefix",)

    def __init__(self, seed: int) -> None:
        self._prefix = hashlib.blake2b(f"int:{seed}\x1fint:".encode(), digest_size=8)

    def __call__(self, turn: int) -> int:
        h = self._prefix.copy()
        h.update(str(turn).encode())
        return int.from_bytes(h.digest(), "big") >> 1


class EpisodeSeeds:
    """``derive_seed(run_seed, task_id, sample)`` for one run, hashing the common prefix once.

    Same values as `derive_seed` (see `TurnSeeds`); a unit test pins the equality.
    """

    __slots__ = ("_prefix", "_seed")

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._prefix = (
            hashlib.blake2b(f"int:{seed}\x1fstr:".encode(), digest_size=8)
            if seed.__class__ is int
            else None
        )

    def __call__(self, task_id: str, sample: int) -> int:
        prefix = self._prefix
        if prefix is None or task_id.__class__ is not str or sample.__class__ is not int:
            return derive_seed(self._seed, task_id, sample)  # other type names in the text
        h = prefix.copy()
        h.update(f"{task_id}\x1fint:{sample}".encode())
        return int.from_bytes(h.digest(), "big") >> 1


JSON_EVERY = 8
"""Turns between two `EpisodeState.record_json` calls of the engine: often enough that
little is left for the end of a long episode, rarely enough that the pieces (one call
each instead of one for the line) cost next to nothing more."""
_MESSAGE_JSON = Message.__pydantic_serializer__.to_json
_TURN_JSON = Turn.__pydantic_serializer__.to_json
_TASK_JSON = Task.__pydantic_serializer__.to_json
_TRAJECTORY_JSON = Trajectory.__pydantic_serializer__.to_json
_TASK_KEY = b',"task":'
_EMPTY_TRANSCRIPT = b',"messages":[],"turns":[]'


def trajectory_json(trajectory: Trajectory, state: EpisodeState) -> bytes:
    """The serializer's bytes of `trajectory` (`to_json_line()` without its newline).

    `trajectory` is what the engine built from `state`. In a long episode most of its
    messages and turns were serialised as it went (`EpisodeState.record_json`, every
    `JSON_EVERY` turns, between the policy's waits), so at the end only the rest is,
    and the pieces are put in their place: the episodes of a run that end together
    then queue up behind less work. Without pieces (a short episode), or when the
    place is not found, the whole trajectory is serialised; unit tests pin the bytes
    against `to_json_line()`.
    """
    if not state.message_json:
        return _TRAJECTORY_JSON(trajectory)
    state.record_json()
    messages, turns = state.message_json, state.turn_json
    task = trajectory.task
    if (
        messages is None
        or task.__class__ is not Task
        or len(messages) != len(trajectory.messages)
        or len(turns) != len(trajectory.turns)
    ):
        return _TRAJECTORY_JSON(trajectory)
    head = _TRAJECTORY_JSON(replaced(trajectory, messages=(), turns=()))
    # Only fixed keys and string or number values come before "task" (a quote inside a
    # string is escaped), so its first occurrence is the key; "messages" follows the task.
    at = head.find(_TASK_KEY) + len(_TASK_KEY) + len(_TASK_JSON(task))
    if not head.startswith(_EMPTY_TRANSCRIPT, at):
        return _TRAJECTORY_JSON(trajectory)
    return b"".join(
        (
            head[:at],
            b',"messages":[',
            b",".join(messages),
            b'],"turns":[',
            b",".join(turns),
            b"]",
            head[at + len(_EMPTY_TRANSCRIPT) :],
        )
    )


class EpisodeState:
    __slots__ = (
        "env",
        "info",
        "message_json",
        "messages",
        "partial",
        "policy_failure",
        "score",
        "terminated",
        "timings",
        "truncated",
        "turn_json",
        "turns",
    )

    def __init__(self) -> None:
        self.env: Env | None = None
        self.messages: list[Message] = []
        self.turns: list[Turn] = []
        self.info: Info = _EMPTY_INFO
        self.terminated = False
        self.truncated = False
        self.timings = [0.0, 0.0, 0.0]
        """Seconds waiting on the policy, the env and the grader."""
        self.partial: Trajectory | None = None
        self.score: Score | None = None
        self.policy_failure: ErrorRecord | None = None
        """The policy's own failure that ended the episode (it is still graded)."""
        self.message_json: list[bytes] | None = []
        """The serializer's bytes of `messages[:len(message_json)]`; None once a message
        is not exactly a `Message` (the line is then serialised whole)."""
        self.turn_json: list[bytes] = []
        """The serializer's bytes of `turns[:len(turn_json)]`."""

    def record_json(self) -> None:
        """Serialise the messages and turns added since the last call."""
        done = self.message_json
        if done is not None:
            new = self.messages[len(done) :]
            if all(m.__class__ is Message for m in new):
                done += map(_MESSAGE_JSON, new)
            else:
                self.message_json = None
        turns = self.turn_json
        if len(turns) < len(self.turns):
            turns += map(_TURN_JSON, self.turns[len(turns) :])
