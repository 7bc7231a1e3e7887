"""One test per fault kind, plus reproducibility, the retry cap and recovery by the oracle."""

import contextlib
import json

import pytest

from gymforge.envs.retail import FAULT_KINDS, FaultConfig, RetailEnv, RetailTaskFamily
from gymforge.envs.retail._faults import FaultInjector
from gymforge.errors import ToolError
from gymforge.types import Message, ToolCall


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("internal_error", "internal error (500)"),
        ("timeout", "timed out"),
        ("rate_limit", "Retry-After"),
    ],
)
def test_transient_faults_raise_a_retryable_tool_error(kind: str, text: str) -> None:
    inj = FaultInjector(FaultConfig(rate=1.0, kinds=(kind,)), seed=3)
    with pytest.raises(ToolError, match="Retry the call") as err:
        inj.before("get_order_details", writes=False)
    assert text in str(err.value)
    assert inj.log == [(1, "get_order_details", kind)]


def test_partial_data_drops_fields_and_says_so() -> None:
    inj = FaultInjector(FaultConfig(rate=1.0, kinds=("partial_data",)), seed=3)
    inj.before("get_order_details", writes=False)
    full = {
        "order_id": "#W1",
        "status": "pending",
        "total": "1.00",
        "items": [],
        "tracking_id": None,
    }
    out = json.loads(inj.after("get_order_details", json.dumps(full)))
    assert out["order_id"] == "#W1"
    assert "partial" in out
    assert set(out) < set(full) | {"partial"}


def test_writes_never_get_partial_data() -> None:
    inj = FaultInjector(FaultConfig(rate=1.0, kinds=("partial_data",)), seed=0)
    with pytest.raises(ToolError, match="internal error"):
        inj.before("cancel_pending_order", writes=True)


def test_outage_always_fails_and_says_retrying_will_not_help() -> None:
    inj = FaultInjector(None, seed=0, outage="cancel_pending_order")
    for _ in range(5):
        with pytest.raises(ToolError, match="retrying will not help"):
            inj.before("cancel_pending_order", writes=True)
    inj.before("get_order_details", writes=False)  # other tools work


def test_faults_are_reproducible_from_the_seed_and_capped_in_a_row() -> None:
    def run(seed: int) -> list:
        inj = FaultInjector(FaultConfig(rate=0.5), seed=seed)
        for _ in range(40):
            with contextlib.suppress(ToolError):
                inj.before("get_user_details", writes=False)
        return inj.log

    assert run(1) == run(1)
    assert run(1) != run(2)
    capped = FaultInjector(FaultConfig(rate=1.0, kinds=("timeout",), max_consecutive=2), seed=0)
    outcomes = []
    for _ in range(3):
        try:
            capped.before("get_user_details", writes=False)
            outcomes.append("ok")
        except ToolError:
            outcomes.append("fault")
    assert outcomes == ["fault", "fault", "ok"]


def test_bad_fault_config_is_rejected() -> None:
    with pytest.raises(ValueError, match="rate"):
        FaultConfig(rate=2.0)
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultConfig(kinds=("meteor",))
    assert set(FAULT_KINDS) == {"internal_error", "timeout", "rate_limit", "partial_data"}


@pytest.mark.parametrize("kind", ["internal_error", "timeout", "rate_limit", "partial_data"])
async def test_the_oracle_recovers_from_every_fault_kind(h, kind: str) -> None:
    env = RetailEnv(faults=FaultConfig(rate=0.6, kinds=(kind,)))
    task = RetailTaskFamily().generate(2, seed=0, difficulty=2)
    _, score, terminated, extra = await h.play(env, seed=5, task=task)
    assert terminated
    assert score.value == 1.0, score.explanation
    kinds = {f[2] for f in extra["faults"]}
    # a write never gets partial data: it fails with an internal error instead
    assert kind in kinds
    assert kinds <= {kind, "internal_error"}


async def test_an_agent_that_does_not_retry_fails_under_faults(h) -> None:
    env = RetailEnv(faults=FaultConfig(rate=1.0, kinds=("timeout",)))
    task = RetailTaskFamily().generate(2, seed=0, difficulty=1)

    # The gold script played once, step by step, whatever each call answered.
    steps = iter([*task.metadata["gold"], *[{"say": "Goodbye."}] * 20])

    async def no_retry(env: RetailEnv) -> Message:
        step = next(steps)
        call = step.get("call")
        calls = [ToolCall.make(call, step["args"], id=f"n{env.turn}")] if call else None
        return Message.assistant(step.get("say"), tool_calls=calls)

    _, score, _, _ = await h.play(env, seed=0, task=task, act=no_retry)
    assert score.value == 0.0


async def test_outage_tasks_are_solved_by_a_transfer(h) -> None:
    fam = RetailTaskFamily(faults=True)
    task = next(t for i in range(60) if (t := fam.generate(i, seed=0)).metadata["outage"])
    msgs, score, terminated, _ = await h.play(RetailEnv(faults=True), task=task)
    assert terminated
    assert score.value == 1.0
    assert msgs[-2].tool_calls[0].name == "transfer_to_human_agents"
