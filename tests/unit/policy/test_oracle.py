"""OraclePolicy: each act asks the bound source for its reference action."""

import pytest

from gymforge.errors import EnvError, SandboxError
from gymforge.policy import OraclePolicy, Policy
from gymforge.types import Message, Sampling


class CountingSource:
    def __init__(self) -> None:
        self.calls = 0

    async def reference_action(self) -> Message:
        self.calls += 1
        return Message.assistant(f"step {self.calls}")


async def test_each_act_returns_the_sources_current_reference_action() -> None:
    source = CountingSource()
    policy = OraclePolicy(source)
    first = await policy.act([], [], seed=0, sampling=Sampling())
    second = await policy.act([], [], seed=0, sampling=Sampling())
    assert (first.content, second.content) == ("step 1", "step 2")
    assert source.calls == 2
    assert isinstance(policy, Policy)
    assert policy.name == "oracle"


async def test_a_broken_reference_solution_is_the_envs_failure() -> None:
    class Bad:
        async def reference_action(self) -> Message:
            return Message.user("I am not an action")

    with pytest.raises(EnvError, match=r"Bad.reference_action\(\) returned"):
        await OraclePolicy(Bad()).act([], [], seed=0, sampling=Sampling())

    class Crashing:
        async def reference_action(self) -> Message:
            raise KeyError("solution")

    with pytest.raises(EnvError, match=r"Crashing.reference_action\(\) failed: KeyError"):
        await OraclePolicy(Crashing()).act([], [], seed=0, sampling=Sampling())

    class Sandboxed:
        async def reference_action(self) -> Message:
            raise SandboxError("bwrap failed")

    with pytest.raises(SandboxError):  # a gymforge error keeps its own boundary
        await OraclePolicy(Sandboxed()).act([], [], seed=0, sampling=Sampling())


def test_a_source_without_reference_action_is_rejected() -> None:
    with pytest.raises(TypeError, match="reference_action"):
        OraclePolicy(object())  # type: ignore[arg-type]
