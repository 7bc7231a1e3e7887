"""Tool outcomes cross the server intact, and the server's grader reads them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gymforge.policy import ScriptedPolicy
from gymforge.rollout import RunConfig, read_trajectories, run_async
from gymforge.server import RemoteEnv
from gymforge.types import Message, StepResult, ToolCall

from .conftest import LEDGER_ID, TOKEN_A, LedgerEnv, LiveServer

CALLS = [
    ToolCall.make("deposit", {"amount": 2}, id="c1"),
    ToolCall.make("deposit", {"amount": -1}, id="c2"),  # refused by the env's rule
    ToolCall.make("balance", {}, id="c3"),
    ToolCall.make("withdraw", {"amount": 1}, id="c4"),  # no such tool
    ToolCall.make("deposit", "{not json", id="c5"),
    ToolCall.make("deposit", {"amount": 3}, id="c1"),  # a repeated id is never run
]


async def _steps(env: object) -> list[StepResult]:
    await env.reset(seed=4)  # type: ignore[attr-defined]
    first = await env.step(Message.assistant(tool_calls=CALLS))  # type: ignore[attr-defined]
    again = ToolCall.make("deposit", {"amount": 3}, id="c6")
    second = await env.step(Message.assistant(tool_calls=[again]))  # type: ignore[attr-defined]
    await env.close()  # type: ignore[attr-defined]
    return [first, second]


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_a_tool_envs_outcomes_arrive_intact(live_server: LiveServer, transport: str) -> None:
    remote = RemoteEnv(live_server.url, LEDGER_ID, token=TOKEN_A, transport=transport)  # type: ignore[arg-type]
    over_the_wire = asyncio.run(_steps(remote))
    local = asyncio.run(_steps(LedgerEnv()))
    assert over_the_wire == local
    kinds = [o.kind for o in over_the_wire[0].tool_outcomes]
    assert kinds == ["ok", "refused", "ok", "unknown_tool", "bad_arguments", "duplicate_id"]
    bad = over_the_wire[0].tool_outcomes[4]
    assert (bad.arguments, bad.arguments_parsed) == ("{not json", False)
    assert [o.writes for o in over_the_wire[0].tool_outcomes[:3]] == [True, True, False]
    assert over_the_wire[1].tool_outcomes[0].reply == "balance 5"


def test_a_run_through_the_server_is_graded_from_the_outcomes(
    live_server: LiveServer, tmp_path: Path
) -> None:
    script = ScriptedPolicy(
        [
            Message.assistant(tool_calls=CALLS[:2]),  # +2, then a refused -1
            Message.assistant(tool_calls=[ToolCall.make("deposit", {"amount": 3}, id="c9")]),
            Message.assistant("done"),
        ]
    )
    config = RunConfig(
        env_id=LEDGER_ID, policy="test", num_tasks=1, group_size=1, out=tmp_path / "t.jsonl"
    )
    asyncio.run(
        run_async(
            config,
            env_factory=lambda: RemoteEnv(live_server.url, LEDGER_ID, token=TOKEN_A),
            policy_factory=lambda _: script,
        )
    )
    (trajectory,) = read_trajectories(config.out)
    assert trajectory.error is None
    assert [[o.kind for o in t.tool_outcomes] for t in trajectory.turns] == [
        ["ok", "refused"],
        ["ok"],
        [],
    ]
    # The server's grader summed the deposits that ran (2 + 3), not the refused one.
    assert trajectory.reward == 1.0
    assert trajectory.score is not None
    assert trajectory.score.explanation == "5; ok,refused,ok"
    assert live_server.manager.open_sessions == 0
