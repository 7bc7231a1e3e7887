import pytest

from gymforge.env import check_env, make
from gymforge.envs.retail import RetailEnv, RetailTaskFamily
from gymforge.envs.retail._user import STOP
from gymforge.types import Message


@pytest.mark.parametrize("faults", [False, True])
async def test_oracle_scores_one_and_do_nothing_scores_zero_on_many_tasks(faults: bool, h) -> None:
    env = RetailEnv(faults=faults)
    fam = RetailTaskFamily(faults=faults)
    failures = []
    for seed in range(3):
        for index in range(35):
            task = fam.generate(index, seed=seed)
            _, score, terminated, _ = await h.play(env, seed=index, task=task)
            if score.value != 1.0 or not terminated:
                failures.append((task.id, score.explanation))
            _, nothing, _, _ = await h.play(env, seed=index, task=task, act=_goodbye, max_steps=1)
            if nothing.value != 0.0:
                failures.append((task.id, "do-nothing: " + nothing.explanation))
    assert failures == []


async def _goodbye(env: RetailEnv) -> Message:
    return Message.assistant("Goodbye.")


async def test_same_seed_same_transcript_byte_for_byte(h) -> None:
    a, _, _, ea = await h.play(RetailEnv(faults=True), seed=21)
    b, _, _, eb = await h.play(RetailEnv(faults=True), seed=21)
    assert h.transcript_text(a) == h.transcript_text(b)
    assert ea == eb
    c, _, _, _ = await h.play(RetailEnv(faults=True), seed=22)
    assert h.transcript_text(a) != h.transcript_text(c)


async def test_episode_ends_on_the_stop_marker_and_on_transfer(h) -> None:
    fam = RetailTaskFamily()
    plain = next(fam.generate(i, seed=0, difficulty=1) for i in range(50))
    msgs, _, terminated, _ = await h.play(RetailEnv(), task=plain)
    assert terminated
    assert STOP in msgs[-1].content
    transfer = next(
        t
        for i in range(80)
        if "transfer" in (t := fam.generate(i, seed=0, difficulty=3)).metadata["intent_kinds"]
    )
    msgs, score, terminated, extra = await h.play(RetailEnv(), task=transfer)
    assert terminated
    assert msgs[-1].role == "tool"
    assert score.value == 1.0


async def test_milestones_track_authentication_writes_and_intents(h) -> None:
    env = RetailEnv()
    task = RetailTaskFamily().generate(0, seed=0, difficulty=2)
    _, info = await env.reset(options={"task": task})
    assert info.milestones == {
        "authenticated": False,
        "writes": 0,
        "intents_done": 0,
        "handed_off": False,
    }
    assert info.policy
    assert "authenticate" in info.policy.lower()
    last = None
    while True:
        result = await env.step(await env.reference_action())
        last = result
        if result.terminated:
            break
    assert last.info.milestones["authenticated"] is True
    assert last.info.milestones["writes"] >= 1
    assert last.info.extra["db_diff"] == task.answer["db_diff"]


@pytest.mark.parametrize("env_id", ["gymforge/Retail-v0", "gymforge/Retail-faults-v0"])
async def test_registered_ids_pass_check_env(env_id: str, h) -> None:
    for seed in (0, 1):
        await check_env(make(env_id), seed=seed)


async def test_unknown_user_spec_is_rejected() -> None:
    with pytest.raises(ValueError, match="scripted"):
        RetailEnv(user="gpt")


async def test_calls_after_a_hand_off_in_the_same_message_are_refused() -> None:
    from gymforge.types import ToolCall

    env = RetailEnv()
    await env.reset(seed=0)
    calls = [
        ToolCall.make("transfer_to_human_agents", {"summary": "x"}, id="t"),
        ToolCall.make("list_all_product_types", {}, id="l"),
    ]
    result = await env.step(Message.assistant(tool_calls=calls))
    assert result.terminated
    assert result.observation[1].content.startswith("error: the conversation was handed")
