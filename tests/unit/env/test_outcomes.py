"""Tool outcomes are data: kinds, unique call ids, the post-step hook, replay, purity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from gymforge.env import EnvCheckError, ToolEnv, check_env, replay_calls, tool
from gymforge.env.authoring import answer_tool_calls
from gymforge.errors import ToolError, ToolFault, ToolRefused
from gymforge.types import Message, Task, ToolCall, ToolOutcome


class Notes(ToolEnv):
    """A notebook: `write` stores a note (refused past 8 characters), `read` reads one."""

    @tool(writes=True)
    def write(self, key: str, text: str) -> str:
        """Store a note.

        Args:
            key: Where.
            text: What.
        """
        if len(text) > 8:
            raise ToolRefused("notes are at most 8 characters")
        if key == "flaky":
            raise ToolFault("storage hiccup; retry")
        self.notes[key] = text
        return f"stored {key}"

    @tool
    def read(self, key: str) -> str:
        """Read a note.

        Args:
            key: Where.
        """
        if key not in self.notes:
            raise ToolError(f"no note {key!r}")
        return self.notes[key]

    @tool
    def done(self) -> str:
        """Finish."""
        self.end_episode()
        return "bye"

    async def on_reset(self, options: Any) -> None:
        self.notes: dict[str, str] = {}
        self.seen: list[list[str]] = []

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        self.seen.append([o.kind for o in outcomes])
        self.milestones["notes"] = len(self.notes)
        return [Message.user(f"{len(self.notes)} note(s)")] if outcomes else []

    async def opening_messages(self) -> Sequence[Message]:
        return [Message.user(self.task.prompt)]

    async def reference_action(self) -> Message:
        if "a" not in self.notes:
            call = ToolCall.make("write", {"key": "a", "text": "hi"}, id=f"r{self.turn}")
        else:
            call = ToolCall.make("done", {}, id=f"r{self.turn}")
        return Message.assistant(tool_calls=[call])


class OneFamily:
    name, difficulty = "one", None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(id=f"one/{seed}/{index}", prompt="Write note a, then finish.")


class AlwaysOne:
    name = "one"

    async def grade(self, task: Task, trajectory: Any) -> Any:
        from gymforge.types import Score

        return Score(value=1.0)


def _call(name: str, call_id: str, **args: Any) -> ToolCall:
    return ToolCall.make(name, args, id=call_id)


async def test_every_call_gets_an_outcome_of_the_right_kind() -> None:
    env = Notes(OneFamily(), AlwaysOne())
    await env.reset(seed=0)
    calls = [
        _call("write", "c1", key="a", text="hi"),
        _call("write", "c2", key="b", text="far too long"),
        _call("write", "c3", key="flaky", text="x"),
        _call("read", "c4", key="zzz"),
        _call("nope", "c5"),
        ToolCall.make("read", "{not json", id="c6"),
        _call("done", "c7"),
        _call("read", "c8", key="a"),
    ]
    result = await env.step(Message.assistant(tool_calls=calls))
    kinds = [(o.call_id, o.kind) for o in result.tool_outcomes]
    assert kinds == [
        ("c1", "ok"),
        ("c2", "refused"),
        ("c3", "fault"),
        ("c4", "tool_raised"),
        ("c5", "unknown_tool"),
        ("c6", "bad_arguments"),
        ("c7", "ok"),
        ("c8", "after_end"),
    ]
    by_id = {o.call_id: o for o in result.tool_outcomes}
    assert by_id["c1"].writes is True
    assert by_id["c4"].writes is False
    assert by_id["c1"].arguments == {"key": "a", "text": "hi"}
    assert (by_id["c6"].arguments, by_id["c6"].arguments_parsed) == ("{not json", False)
    # The model sees each reply as the tool message answering its call.
    replies = [(m.tool_call_id, m.content) for m in result.observation if m.role == "tool"]
    assert replies == [(o.call_id, o.reply) for o in result.tool_outcomes]


async def test_a_repeated_call_id_is_never_run_and_never_replaces_a_reply() -> None:
    env = Notes(OneFamily(), AlwaysOne())
    await env.reset(seed=0)
    first = await env.step(Message.assistant(tool_calls=[_call("write", "x", key="a", text="1")]))
    again = await env.step(Message.assistant(tool_calls=[_call("write", "x", key="a", text="2")]))
    assert first.tool_outcomes[0].kind == "ok"
    assert again.tool_outcomes[0].kind == "duplicate_id"
    assert env.notes == {"a": "1"}  # the repeat did not run
    same_message = [_call("write", "y", key="b", text="1"), _call("write", "y", key="b", text="2")]
    result = await env.step(Message.assistant(tool_calls=same_message))
    assert [o.kind for o in result.tool_outcomes] == ["ok", "duplicate_id"]
    assert env.notes["b"] == "1"
    # A new episode starts with no ids used.
    await env.reset(seed=1)
    fresh = await env.step(Message.assistant(tool_calls=[_call("write", "x", key="a", text="3")]))
    assert fresh.tool_outcomes[0].kind == "ok"


async def test_after_step_sees_the_outcomes_and_its_messages_are_observed() -> None:
    env = Notes(OneFamily(), AlwaysOne())
    await env.reset(seed=0)
    calls = [_call("write", "c1", key="a", text="hi"), _call("read", "c2", key="q")]
    result = await env.step(Message.assistant(tool_calls=calls))
    assert env.seen == [["ok", "tool_raised"]]
    assert result.observation[-1] == Message.user("1 note(s)")
    assert result.info.milestones == {"notes": 1}  # built after the hook


def test_a_hook_written_without_async_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"Sync\.after_step must be 'async def'"):

        class Sync(Notes):
            def after_step(self, action, outcomes):  # type: ignore[no-untyped-def, override]
                return []


async def test_replay_calls_rebuilds_the_state_and_reports_divergence() -> None:
    env = Notes(OneFamily(), AlwaysOne())
    await env.reset(seed=0)
    calls = [_call("write", "c1", key="a", text="hi"), _call("write", "c2", key="b", text="yo")]
    result = await env.step(Message.assistant(tool_calls=calls))
    fresh = Notes(OneFamily(), AlwaysOne())
    await fresh.reset(seed=0)
    pairs = await replay_calls(result.tool_outcomes, fresh.available_tools())
    assert [(new.kind, new.reply == old.reply) for old, new in pairs] == [("ok", True)] * 2
    assert fresh.notes == env.notes
    tampered = result.tool_outcomes[0].model_copy(update={"arguments": {"key": "a", "text": "?"}})
    again = Notes(OneFamily(), AlwaysOne())
    await again.reset(seed=0)
    [(old, new)] = await replay_calls([tampered], again.available_tools())
    assert new.kind == "ok"
    assert again.notes == {"a": "?"}


async def test_answer_tool_calls_checks_ids_within_one_message_without_an_episode() -> None:
    outcomes = await answer_tool_calls([_call("nope", "a"), _call("nope", "a")], ())
    assert [o.kind for o in outcomes] == ["unknown_tool", "duplicate_id"]


class Cursor(Notes):
    """A reference that advances a cursor each time it is asked: an oracle that peeks fails."""

    async def on_reset(self, options: Any) -> None:
        await super().on_reset(options)
        self.asked = 0

    async def reference_action(self) -> Message:
        self.asked += 1
        if self.asked == 1:
            call = ToolCall.make("write", {"key": "a", "text": "hi"}, id=f"r{self.turn}")
        else:
            call = ToolCall.make("done", {}, id=f"r{self.turn}")
        return Message.assistant(tool_calls=[call])


async def test_check_env_passes_a_pure_reference_and_catches_a_cursor() -> None:
    await check_env(Notes(OneFamily(), AlwaysOne()))
    with pytest.raises(EnvCheckError, match="pure function of the state"):
        await check_env(Cursor(OneFamily(), AlwaysOne()))


class ReusesIds(Notes):
    """Answers a repeated id by running it again: the bug check_env must report."""

    async def step(self, action: Message) -> Any:
        self._call_ids = set()  # forgets the episode's ids
        return await super().step(action)


async def test_check_env_reports_an_env_that_runs_a_repeated_id() -> None:
    with pytest.raises(EnvCheckError, match="recorded as 'duplicate_id'"):
        await check_env(ReusesIds(OneFamily(), AlwaysOne()))


class OneWritePerMessage(Notes):
    """An env rule outside the world: at most one write per message (the second is refused)."""

    async def on_reset(self, options: Any) -> None:
        await super().on_reset(options)
        self.wrote_in_turn = -1
        self.asked: list[tuple[str, dict[str, Any]]] = []

    async def before_call(self, call: ToolCall, arguments: Any) -> None:
        self.asked.append((call.name, dict(arguments)))
        if call.name == "write":
            if self.wrote_in_turn == self.turn:
                raise ToolRefused("one write per message: this call was not run")
            self.wrote_in_turn = self.turn


async def test_before_call_refuses_by_the_env_s_rules_before_the_tool_runs() -> None:
    env = OneWritePerMessage(OneFamily(), AlwaysOne())
    await env.reset(seed=0)
    calls = [
        _call("write", "c1", key="a", text="hi"),
        _call("write", "c2", key="b", text="yo"),
        _call("read", "c3", key="a"),
        ToolCall.make("write", "{not json", id="c4"),
    ]
    result = await env.step(Message.assistant(tool_calls=calls))
    assert [o.kind for o in result.tool_outcomes] == ["ok", "refused", "ok", "bad_arguments"]
    assert env.notes == {"a": "hi"}  # the refused write never ran
    # Only valid calls reach the hook, with their validated arguments.
    assert env.asked == [
        ("write", {"key": "a", "text": "hi"}),
        ("write", {"key": "b", "text": "yo"}),
        ("read", {"key": "a"}),
    ]
    next_turn = await env.step(
        Message.assistant(tool_calls=[_call("write", "c5", key="b", text="x")])
    )
    assert next_turn.tool_outcomes[0].kind == "ok"


def test_before_call_is_not_called_unless_overridden() -> None:
    assert Notes._checks_calls is False
    assert OneWritePerMessage._checks_calls is True
