"""`check_env`: the gymforge Env contract as a runnable check, like Gymnasium's env_checker."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from gymforge.env._env import Env
from gymforge.env._episode import episode_trajectory, turn_record
from gymforge.errors import EnvError
from gymforge.types import Info, Message, StepResult, Task, ToolCall, Trajectory, Turn

__all__ = ["EnvCheckError", "check_env", "oracle_episode", "outcome_breaches"]

_T = TypeVar("_T")
_UNKNOWN_TOOL = "__gymforge_check_no_such_tool__"
_GARBAGE = "\x00 }{ ✗ garbage ``` <|im_end|> \\boxed{"
_ORACLE_STEPS = 256
"""Turns `oracle_episode` plays before giving up (its default)."""


class EnvCheckError(EnvError):
    """An env breaks the gymforge Env contract (raised by `check_env`)."""


async def oracle_episode(
    env: Env,
    *,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    max_steps: int = _ORACLE_STEPS,
    peeks: int = 0,
) -> Trajectory:
    """Play the env's reference solution for one episode and record it.

    Args:
        env: The env (wrapped or not).
        seed: Seed of `reset`.
        options: Reset options.
        max_steps: Give up after this many steps (the trajectory is then unfinished).
        peeks: Extra ``reference_action()`` calls before each step, whose actions are
            dropped: a pure reference plays the same episode with any number of peeks
            (`check_env` uses it to find one that advances a cursor).

    Example:
        >>> import asyncio
        >>> from gymforge.env import make
        >>> traj = asyncio.run(oracle_episode(make("gymforge/Arithmetic-v0"), seed=1))
        >>> traj.terminated, traj.messages[-1].role
        (True, 'assistant')
    """
    observation, info = await env.reset(seed=seed, options=options)
    messages = list(observation)
    turns: list[Turn] = []
    milestones = info.milestones
    for _ in range(max_steps):
        for _peek in range(peeks):
            await env.reference_action()
        action = await env.reference_action()
        result = await env.step(action)
        messages.extend((action, *result.observation))
        milestones = result.info.milestones
        turns.append(turn_record(result))
        if result.terminated or result.truncated:
            break
    return episode_trajectory(
        env, messages, turns, seed=seed, policy="oracle", milestones=milestones
    )


def _outcome_kind(result: StepResult, call_id: str) -> str | None:
    """The recorded outcome kind of the call `call_id` in this step, None if unrecorded."""
    for outcome in result.tool_outcomes:
        if outcome.call_id == call_id:
            return outcome.kind
    return None


def outcome_breaches(action: Message, result: StepResult) -> list[str]:
    """How a step's tool outcomes break the contract (empty: they keep it).

    Every call of the action has exactly one outcome, in call order, with its id and
    tool name, and the model sees each reply as a tool message answering that call.

    Example:
        >>> from gymforge.types import ToolOutcome
        >>> call = ToolCall.make("look", {}, id="c1")
        >>> out = ToolOutcome(call_id="c1", tool="look", arguments={}, kind="ok", reply="a room")
        >>> ok = StepResult(observation=(out.message(),), tool_outcomes=(out,))
        >>> outcome_breaches(Message.assistant(tool_calls=[call]), ok)
        []
        >>> outcome_breaches(Message.assistant(tool_calls=[call]), StepResult(observation=()))
        ['1 tool call(s) but 0 outcome(s) recorded in StepResult.tool_outcomes']
    """
    calls = action.tool_calls or ()
    outcomes = result.tool_outcomes
    if len(calls) != len(outcomes):
        return [
            f"{len(calls)} tool call(s) but {len(outcomes)} outcome(s) recorded in "
            "StepResult.tool_outcomes"
        ]
    problems: list[str] = []
    replies = [(m.tool_call_id, m.content) for m in result.observation if m.role == "tool"]
    for call, outcome in zip(calls, outcomes, strict=True):
        if (outcome.call_id, outcome.tool) != (call.id, call.name):
            problems.append(
                f"outcome {outcome.call_id!r} ({outcome.tool}) does not match call "
                f"{call.id!r} ({call.name}): outcomes follow the calls' order"
            )
        elif (call.id, outcome.reply) not in replies:
            problems.append(
                f"the reply of call {call.id!r} recorded in its outcome is not observed "
                "as a tool message answering it"
            )
    return problems


def _check_tools(info: Info, fail: Callable[[str], EnvCheckError]) -> None:
    """Tool names are unique and each parameters schema is a valid JSON Schema object."""
    import jsonschema

    names = [t.name for t in info.tools]
    if len(set(names)) != len(names):
        raise fail(f"tool names must be unique, got {names}")
    for spec in info.tools:
        schema = spec.parameters
        if schema.get("type") != "object":
            raise fail(f"tool {spec.name!r}: parameters must be an object schema")
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            message = f"tool {spec.name!r}: parameters are not a valid JSON Schema: {exc.message}"
            raise fail(message) from exc


def _declared_horizon(env: Env, fail: Callable[[str], EnvCheckError]) -> int | None:
    """The env's ``oracle_truncates_at`` (on the unwrapped env): None, or an int >= 1."""
    horizon = getattr(env.unwrapped, "oracle_truncates_at", None)
    if horizon is not None and (
        isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1
    ):
        raise fail(f"oracle_truncates_at must be None or an int >= 1, got {horizon!r}")
    return horizon


def _check_oracle_end(
    oracle: Trajectory, horizon: int | None, fail: Callable[[str], EnvCheckError]
) -> None:
    """The oracle terminates; or, when the env declares a horizon, is truncated exactly there."""
    if horizon is None:
        if not oracle.terminated:
            state = "was truncated" if oracle.truncated else "did not end"
            raise fail(
                f"the oracle (playing reference_action) {state}: it must terminate the episode "
                "(an env whose reference lasts until a time limit declares oracle_truncates_at)"
            )
        return
    turns = len(oracle.turns)
    declared = f"the env declares oracle_truncates_at={horizon}"
    if oracle.terminated:
        raise fail(
            f"the oracle (playing reference_action) terminated after {turns} turns, but "
            f"{declared}: its reference must last until the episode is truncated"
        )
    if not oracle.truncated:
        raise fail(
            f"the oracle (playing reference_action) was still running after {turns} turns, "
            f"but {declared}: the episode must be truncated there"
        )
    if turns != horizon:
        raise fail(
            f"the oracle (playing reference_action) was truncated after {turns} turns, but "
            f"{declared} (is a turn limit shorter than the env's own horizon?)"
        )


async def check_env(env: Env, *, seed: int = 0, grade: bool = True) -> None:
    """Check that `env` keeps the gymforge Env contract; raise `EnvCheckError` if not.

    Checks, in order: ``reset`` returns a list of `Message` and an `Info` whose tools
    have unique names and valid JSON-Schema object parameters; the same
    seed gives the same observation, info and task (unless the spec says
    ``nondeterministic``); ``options={}`` works and ``options={"task": t}`` pins the
    task; an unknown tool call, non-JSON arguments, a repeated call id and garbage text
    are answered, not raised, and recorded as tool outcomes (``unknown_tool``,
    ``bad_arguments``, ``duplicate_id``), one per call, in order, each reply observed
    as a tool message; ``reference_action`` is an assistant `Message` and a pure
    function of the state (two calls agree, and an oracle that peeks once more
    before every step plays the same episode); the oracle (playing
    ``reference_action``) terminates the episode, the same way twice; with ``grade``,
    its score under the env's
    grader equals the spec's ``oracle_score`` (1.0 by default; None skips it);
    ``close`` twice is harmless. The env is closed afterwards.

    An env whose reference succeeds by lasting until a time limit (CartPole: balance
    until truncated) declares it with an ``oracle_truncates_at: int`` attribute on the
    unwrapped env; the oracle must then be truncated after exactly that many turns,
    neither terminated earlier nor left running. Without it (None) the oracle must
    terminate, and a truncated oracle is a breach.

    Args:
        env: The env to check (as `make` returns it, wrappers included).
        seed: Seed used for every reset.
        grade: Also grade the oracle's episode.

    Example:
        >>> import asyncio
        >>> from gymforge.env import make
        >>> asyncio.run(check_env(make("gymforge/CalculatorAgent-v0")))
    """
    spec = env.spec
    deterministic = not (spec is not None and spec.nondeterministic)

    def fail(message: str) -> EnvCheckError:
        return EnvCheckError(f"{env!r}: {message}")

    async def guarded(what: str, make_call: Callable[[], Awaitable[_T]]) -> _T:
        try:
            return await make_call()
        except EnvCheckError:
            raise
        except Exception as exc:
            raise fail(f"{what} raised {type(exc).__name__}: {exc}") from exc

    async def reset() -> tuple[list[Message], Info]:
        out = await guarded("reset(seed)", lambda: env.reset(seed=seed))
        if not (isinstance(out, tuple) and len(out) == 2):
            raise fail("reset() must return (observation, info)")
        observation, info = out
        if not isinstance(observation, list) or not all(
            isinstance(m, Message) for m in observation
        ):
            raise fail("reset()'s observation must be a list of Message")
        if not observation:
            raise fail("reset()'s observation is empty: show the model its task")
        if not isinstance(info, Info):
            raise fail(f"reset()'s info must be an Info, got {type(info).__name__}")
        return observation, info

    async def step(what: str, action: Message) -> StepResult:
        result = await guarded(f"step() with {what}", lambda: env.step(action))
        if not isinstance(result, StepResult):
            raise fail(f"step() with {what} returned {type(result).__name__}, not StepResult")
        return result

    first = await reset()
    task = env.task
    if not isinstance(task, Task):
        raise fail("env.task must be a Task after reset()")
    grader = env.grader()
    if not (
        isinstance(getattr(grader, "name", None), str) and callable(getattr(grader, "grade", None))
    ):
        raise fail("env.grader() must return a Grader (with .name and async .grade)")
    env.task_family  # noqa: B018 - must not raise
    second = await reset()
    if deterministic and (first != second or env.task != task):
        raise fail(
            "reset() with the same seed gave a different observation, info or task; "
            "take all randomness from the seed, or register with nondeterministic=True"
        )
    await guarded("reset(options={})", lambda: env.reset(seed=seed, options={}))
    await guarded(
        "reset(options={'task'})", lambda: env.reset(seed=seed + 1, options={"task": task})
    )
    if env.task != task:
        raise fail("reset(options={'task': task}) must pin that task")

    _, info = await reset()
    _check_tools(info, fail)

    async def step_calls(what: str, calls: list[ToolCall]) -> StepResult:
        action = Message.assistant(tool_calls=calls)
        result = await step(what, action)
        problems = outcome_breaches(action, result)
        if problems:
            raise fail(f"step() with {what}: " + "; ".join(problems))
        return result

    unknown = ToolCall.make(_UNKNOWN_TOOL, {}, id="check_unknown")
    result = await step_calls("an unknown tool", [unknown])
    if _outcome_kind(result, "check_unknown") != "unknown_tool":
        raise fail("an unknown tool call must be recorded with outcome kind 'unknown_tool'")
    if info.tools:
        await reset()
        bad = ToolCall.make(info.tools[0].name, "{not json", id="check_badjson")
        result = await step_calls("non-JSON arguments", [bad])
        if _outcome_kind(result, "check_badjson") != "bad_arguments":
            raise fail("non-JSON tool arguments must be recorded with outcome kind 'bad_arguments'")
    await reset()  # every env answers calls, with tools or without
    repeated = ToolCall.make(_UNKNOWN_TOOL, {}, id="check_dup")
    result = await step_calls("a repeated call id", [repeated, repeated])
    kinds = [o.kind for o in result.tool_outcomes]
    if not (result.terminated or result.truncated):  # and in a later step of the episode
        later = await step_calls("a call id used in an earlier step", [repeated])
        kinds += [o.kind for o in later.tool_outcomes]
    if kinds[1:] != ["duplicate_id"] * (len(kinds) - 1):
        raise fail(
            f"a call id used twice in an episode must be run once and each repeat "
            f"recorded as 'duplicate_id', got outcome kinds {kinds}"
        )
    await reset()
    await step("garbage text", Message.assistant(_GARBAGE))

    await reset()
    action = await guarded("reference_action()", env.reference_action)
    if not isinstance(action, Message) or action.role != "assistant":
        raise fail("reference_action() must return an assistant Message")
    again_action = await guarded("reference_action()", env.reference_action)
    if again_action != action:
        raise fail(
            "two reference_action() calls in the same state gave different actions: it must "
            "be a pure function of the state (look, never advance a cursor or draw randomness)"
        )

    horizon = _declared_horizon(env, fail)
    steps = _ORACLE_STEPS if horizon is None else horizon

    def play_oracle() -> Awaitable[Trajectory]:
        return oracle_episode(env, seed=seed, max_steps=steps)

    oracle = await guarded("the oracle episode", play_oracle)
    _check_oracle_end(oracle, horizon, fail)
    if deterministic:
        again = await guarded("the oracle episode", play_oracle)
        if again.messages != oracle.messages or again.turns != oracle.turns:
            raise fail("the oracle's episode differs between two runs with the same seed")
        peeked = await guarded(
            "the oracle episode with peeks",
            lambda: oracle_episode(env, seed=seed, max_steps=steps, peeks=1),
        )
        if peeked.messages != oracle.messages or peeked.turns != oracle.turns:
            raise fail(
                "the oracle's episode changes when reference_action() is called once more "
                "before each step: reference_action() must not change the env's state"
            )
    expected = 1.0 if spec is None else spec.oracle_score
    if grade and expected is not None:
        score = await guarded("grading the oracle", lambda: env.grader().grade(oracle.task, oracle))
        if score.value is None or not math.isclose(score.value, expected, abs_tol=1e-9):
            raise fail(
                f"the oracle scored {score.value} (expected {expected}): {score.explanation}"
            )

    await guarded("close()", env.close)
    await guarded("a second close()", env.close)
