"""The simulated customers: what they reveal, when they confirm, when they stop."""

import re

from gymforge.envs.retail import RetailEnv, RetailTaskFamily
from gymforge.envs.retail._user import STOP, LLMUser, ScriptedUser, user_instructions
from gymforge.policy import ConstantPolicy, ScriptedPolicy
from gymforge.types import Message


def cancel_task():
    fam = RetailTaskFamily()
    return next(
        t
        for i in range(100)
        if (t := fam.generate(i, seed=0, difficulty=1)).metadata["intent_kinds"] == ["cancel"]
    )


async def test_hidden_details_are_revealed_only_when_asked() -> None:
    task = cancel_task()
    reveal = task.metadata["intents"][0]["reveal"]
    user = ScriptedUser(task.metadata, lambda i, t: False)
    vague = await user.reply("How can I help you today?")
    assert vague.startswith("As I said")
    assert reveal["order"] not in vague
    assert reveal["reason"] not in vague
    asked = await user.reply("Which order is it, and what is the reason?")
    assert reveal["order"] in asked
    assert reveal["reason"] in asked
    assert "@" not in asked  # identity only when asked for it
    assert task.metadata["persona"]["identity"] in await user.reply("What is your email address?")


async def test_confirms_and_waits_until_the_action_is_done() -> None:
    task = cancel_task()
    done = {"flag": False}
    user = ScriptedUser(task.metadata, lambda i, t: done["flag"])
    order = task.metadata["intents"][0]["check"][0]
    assert (await user.reply(f"I will cancel {order}. Shall I proceed (yes/no)?")).startswith("Yes")
    # the agent claims success but the database says otherwise: the user does not leave
    claim = await user.reply("Done: your order is cancelled. Anything else?")
    assert STOP not in claim
    assert not user.finished
    done["flag"] = True
    assert STOP in await user.reply("Done: your order is cancelled. Anything else?")
    assert user.finished


async def test_gives_up_after_patience_runs_out() -> None:
    user = ScriptedUser(cancel_task().metadata, lambda i, t: False)
    replies = [await user.reply("Hmm.") for _ in range(5)]
    assert STOP in replies[-1]
    assert all(STOP not in r for r in replies[:-1])


def test_llm_user_instructions_hold_the_scenario() -> None:
    task = cancel_task()
    text = user_instructions(task.metadata)
    assert STOP in text
    assert task.metadata["intents"][0]["reveal"]["order"] in text
    assert "wait until the agent says" in text


async def test_llm_user_cannot_stop_before_the_goal_is_done() -> None:
    task = cancel_task()
    done = {"flag": False}
    user = LLMUser(task.metadata, lambda i, t: done["flag"], ConstantPolicy(f"Yes. {STOP}"))
    await user.opening()
    early = await user.reply("Shall I proceed (yes/no)?")
    assert STOP not in early
    assert "Before we finish" in early
    assert not user.finished
    done["flag"] = True
    assert STOP in await user.reply("Done: cancelled. Anything else?")
    assert user.finished


def _model_customer(messages, tools) -> Message:
    """A stand-in language model: answers from the instructions it was given."""
    system, agent = messages[0].content, (messages[-1].content or "").lower()
    lines = system.splitlines()
    if "email" in agent:
        return Message.assistant(
            next(line.split("say: ", 1)[1] for line in lines if "say: " in line)
        )
    if "(yes/no)" in agent:
        return Message.assistant("Yes, please.")
    if "anything else" in agent:
        return Message.assistant(f"No, thanks. {STOP}")
    found = [m.group(1) for m in re.finditer(r"only if asked about the \w+: (.*)", system)]
    return Message.assistant(" ".join(found))


async def test_an_llm_customer_plays_the_whole_episode(h) -> None:
    task = RetailTaskFamily().generate(0, seed=3, difficulty=2)
    env = RetailEnv(user=ScriptedPolicy(_model_customer))
    msgs, score, terminated, _ = await h.play(env, task=task)
    assert terminated
    assert score.value == 1.0, score.explanation
    assert STOP in msgs[-1].content


async def test_declines_a_proposal_that_does_not_match_the_request() -> None:
    task = cancel_task()
    order = task.metadata["intents"][0]["check"][0]
    user = ScriptedUser(task.metadata, lambda i, t: False)
    no = await user.reply("I will cancel order #W0000000. Shall I proceed (yes/no)?")
    assert no.startswith("No, that is not what I asked for")
    yes = await user.reply(f"I will cancel order {order}. Shall I proceed (yes/no)?")
    assert yes.startswith("Yes")
