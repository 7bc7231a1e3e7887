"""One test per policy rule: a transcript that breaks it, and the same without the breach."""

import pytest

from gymforge.envs.retail import RetailEnv, RetailTaskFamily
from gymforge.envs.retail._db import load_world
from gymforge.envs.retail._grading import world_of
from gymforge.envs.retail._policy import RULES, check_policy
from gymforge.envs.retail._tools import WRITE_TOOLS, Shop
from gymforge.errors import ToolError
from gymforge.types import Message, Task, ToolCall, ToolOutcome, ToolOutcomeKind, Trajectory, Turn

USER = "ava_adler_0001"
OWNERS = {"#W1": USER, "#W2": USER, "#W9": "bo_brooks_0002"}


def call(
    name: str, args: dict, cid: str, result: str = "{}", kind: ToolOutcomeKind = "ok"
) -> list[Message | ToolOutcome]:
    """An assistant message with one call, then its recorded outcome (and reply)."""
    writes = name in WRITE_TOOLS
    outcome = ToolOutcome(
        call_id=cid, tool=name, arguments=args, kind=kind, writes=writes, reply=result
    )
    return [Message.assistant(tool_calls=[ToolCall.make(name, args, id=cid)]), outcome]


def episode(items: list[Message | ToolOutcome]) -> Trajectory:
    """A trajectory of messages with each outcome as its reply, one turn per action."""
    messages: list[Message] = []
    turns: list[Turn] = []
    for item in items:
        if isinstance(item, ToolOutcome):
            messages.append(item.message())
            last = turns[-1]
            turns[-1] = last.model_copy(update={"tool_outcomes": (*last.tool_outcomes, item)})
        else:
            messages.append(item)
            if item.role == "assistant":
                turns.append(Turn(reward=0.0))
    return Trajectory(
        run_id="r",
        env_id="gymforge/Retail-v0",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=Task(id="t", prompt="?"),
        messages=tuple(messages),
        turns=tuple(turns),
    )


def authed() -> list[Message]:
    return [
        Message.user("Hi, cancel my order."),
        *call("find_user_id_by_email", {"email": "a@x"}, "a", USER),
    ]


def consent() -> list[Message]:
    return [
        Message.assistant("I will cancel #W1. Shall I proceed (yes/no)?"),
        Message.user("Yes, go ahead."),
    ]


CANCEL = {"order_id": "#W1", "reason": "no longer needed"}


def rules(items: list[Message | ToolOutcome], forbidden=()) -> list[str]:
    traj = episode(items)
    return [v.rule for v in check_policy(traj, user_id=USER, owners=OWNERS, forbidden=forbidden)]


def test_every_rule_is_documented() -> None:
    assert set(RULES) == {
        "auth_first",
        "confirm_before_write",
        "one_modification",
        "refused_request",
        "other_customer",
    }


def test_clean_transcript_breaks_nothing() -> None:
    assert rules([*authed(), *consent(), *call("cancel_pending_order", CANCEL, "c")]) == []


def test_auth_first() -> None:
    early = [
        Message.user("Order #W1?"),
        *call("get_order_details", {"order_id": "#W1"}, "g"),
        *authed(),
    ]
    assert rules(early) == ["auth_first"]
    # a look-up that finds someone else does not authenticate this customer
    wrong = [
        *call("find_user_id_by_email", {"email": "b@x"}, "a", "bo_brooks_0002"),
        *call("get_user_details", {"user_id": USER}, "g"),
    ]
    assert rules(wrong) == ["auth_first"]


def test_confirm_before_write() -> None:
    assert rules([*authed(), *call("cancel_pending_order", CANCEL, "c")]) == [
        "confirm_before_write"
    ]
    # a "yes" the agent did not ask for is not consent
    unasked = [*authed(), Message.user("yes"), *call("cancel_pending_order", CANCEL, "c")]
    assert rules(unasked) == ["confirm_before_write"]
    # one yes covers one write; a retry after an error is still covered
    two = [
        *authed(),
        *consent(),
        *call("cancel_pending_order", CANCEL, "c", "error: timed out", kind="fault"),
        *call("cancel_pending_order", CANCEL, "d"),
        *call("cancel_pending_order", {**CANCEL, "order_id": "#W2"}, "e"),
    ]
    assert rules(two) == ["confirm_before_write"]
    # a hand-off needs no yes
    assert rules([*authed(), *call("transfer_to_human_agents", {"summary": "x"}, "t")]) == []


def test_one_modification() -> None:
    addr = {"order_id": "#W1", "address1": "1 A St", "city": "Reno", "state": "NV", "zip": "00001"}
    pay = {"order_id": "#W1", "payment_method_id": "paypal_1"}
    once = [*authed(), *consent(), *call("modify_pending_order_address", addr, "m1")]
    assert rules(once) == []
    twice = [*once, *consent(), *call("modify_pending_order_payment", pay, "m2")]
    assert rules(twice) == ["one_modification"]


def test_refused_request() -> None:
    forbidden = [{"tool": "cancel_pending_order", "order_id": "#W2"}]
    attempt = [
        *authed(),
        *consent(),
        *call(
            "cancel_pending_order",
            {**CANCEL, "order_id": "#W2"},
            "c",
            "error: order is delivered",
            kind="tool_raised",
        ),
    ]
    assert rules(attempt, forbidden) == ["refused_request"]
    assert rules([*authed(), Message.assistant("Sorry, #W2 is delivered.")], forbidden) == []


def test_other_customer() -> None:
    theirs = [
        *authed(),
        *consent(),
        *call("cancel_pending_order", {**CANCEL, "order_id": "#W9"}, "c"),
    ]
    assert rules(theirs) == ["other_customer"]
    addr = {
        "user_id": "bo_brooks_0002",
        "address1": "1 A St",
        "city": "Reno",
        "state": "NV",
        "zip": "00001",
    }
    assert rules([*authed(), *consent(), *call("modify_user_address", addr, "u")]) == [
        "other_customer"
    ]


async def test_skipping_confirmations_zeroes_the_reward_but_not_the_database(h) -> None:
    task = RetailTaskFamily().generate(1, seed=0, difficulty=1)

    # The gold script without its confirmation questions, played in order.
    steps = iter(
        [s for s in task.metadata["gold"] if "(yes/no)" not in (s.get("say") or "")]
        + [{"say": "Goodbye."}] * 20
    )

    async def hasty(env: RetailEnv) -> Message:
        step = next(steps)
        calls = (
            [ToolCall.make(step["call"], step["args"], id=f"h{env.turn}")]
            if "call" in step
            else None
        )
        return Message.assistant(step.get("say"), tool_calls=calls)

    _, score, _, _ = await h.play(RetailEnv(), task=task, act=hasty)
    assert score.components == {"db": 1.0, "outputs": 1.0, "policy": 0.0}
    assert score.value == 0.0
    assert "confirm_before_write" in score.explanation


@pytest.mark.parametrize("kind", ["cancel_not_pending", "other_user_order"])
async def test_acting_on_a_trap_breaks_the_policy(h, kind: str) -> None:
    fam = RetailTaskFamily()
    task = next(
        t
        for i in range(200)
        if kind in (t := fam.generate(i, seed=1, difficulty=2)).metadata["intent_kinds"]
    )
    intent = next(d for d in task.metadata["intents"] if d["kind"] == kind)
    order = intent["forbidden"][0]["order_id"]
    args = {"order_id": order, "reason": "no longer needed"}
    # What the shop really answers this call on the task's world, so that the
    # grader's replay of the recorded episode agrees with it.
    shop = Shop(load_world(world_of(task.metadata)))
    try:
        reply, kind = shop.call("cancel_pending_order", args), "ok"
    except ToolError as exc:
        reply, kind = f"error: {exc}", "tool_raised"
    attempt = [
        Message.user(task.prompt),
        *consent(),
        *call("cancel_pending_order", args, "x", reply, kind=kind),
    ]
    score = await h.grade(task, attempt)
    assert score.components["policy"] == 0.0
    assert "refused_request" in score.explanation
