"""LocalPolicy with the real SmolLM2-135M-Instruct GGUF, in-process via llama.cpp."""

import asyncio
import math

import pytest

from gymforge.policy import LocalPolicy, Policy, default_model_path
from gymforge.types import Message, Sampling, ToolSpec

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHAT = [
    Message.system("You are a helpful assistant."),
    Message.user("What is the capital of France? Answer in one short sentence."),
]
GREEDY = Sampling(temperature=0.0, max_tokens=24)


@pytest.fixture(scope="module")
def policy() -> LocalPolicy:
    return LocalPolicy()


async def test_answers_a_short_chat(policy: LocalPolicy) -> None:
    assert isinstance(policy, Policy)
    assert policy.model_path == default_model_path().resolve()
    reply = await policy.act(CHAT, [], seed=0, sampling=GREEDY)
    assert reply.role == "assistant"
    assert reply.tool_calls is None
    assert reply.content is not None
    assert "paris" in reply.content.lower()


async def test_same_seed_gives_identical_output_greedy_and_sampled(policy: LocalPolicy) -> None:
    first = await policy.act(CHAT, [], seed=3, sampling=GREEDY)
    # another conversation in between must not leak into the next result (no stale cache)
    await policy.act([Message.user("Count to five.")], [], seed=9, sampling=GREEDY)
    second = await policy.act(CHAT, [], seed=3, sampling=GREEDY)
    assert first.content == second.content
    assert first.generation is not None
    assert second.generation is not None
    assert first.generation.token_ids == second.generation.token_ids
    assert first.generation.logprobs == second.generation.logprobs

    hot = Sampling(temperature=1.2, max_tokens=8)
    a = await policy.act(CHAT, [], seed=11, sampling=hot)
    b = await policy.act(CHAT, [], seed=11, sampling=hot)
    assert a.content == b.content
    others = {(await policy.act(CHAT, [], seed=s, sampling=hot)).content for s in range(12, 15)}
    assert len(others | {a.content}) > 1, "sampling ignored the seed"


async def test_token_ids_logprobs_and_usage_agree(policy: LocalPolicy) -> None:
    reply = await policy.act(CHAT, [], seed=0, sampling=GREEDY)
    gen = reply.generation
    assert gen is not None
    assert gen.token_ids is not None
    assert gen.logprobs is not None
    assert gen.prompt_token_ids is not None
    assert len(gen.token_ids) == gen.usage.completion_tokens > 0
    assert len(gen.logprobs) == len(gen.token_ids)
    assert len(gen.prompt_token_ids) == gen.usage.prompt_tokens > 10
    assert all(lp <= 0.0 and math.isfinite(lp) for lp in gen.logprobs)
    assert gen.finish_reason in {"stop", "length"}
    assert len(gen.token_ids) <= GREEDY.max_tokens
    # the completion's ids decode back to the text (the end-of-turn token adds none)
    llm = policy._model().llm
    decoded = llm.detokenize(list(gen.token_ids)).decode("utf-8")
    assert decoded.strip() == (reply.content or "").strip()
    # the prompt ids are the tokenized chat template and end with the assistant header
    assert (
        llm.detokenize(list(gen.prompt_token_ids), special=True)
        .decode()
        .endswith("<|im_start|>assistant\n")
    )


async def test_max_tokens_and_stop_sequences_cut_the_completion(policy: LocalPolicy) -> None:
    story = [Message.user("Write a long story about a dragon.")]
    short = await policy.act(story, [], seed=0, sampling=Sampling(max_tokens=5))
    assert short.generation is not None
    assert short.generation.finish_reason == "length"
    assert short.generation.usage.completion_tokens == 5
    full = await policy.act(story, [], seed=0, sampling=Sampling(max_tokens=12))
    assert full.content is not None
    word = full.content.split()[2]
    cut = await policy.act(story, [], seed=0, sampling=Sampling(max_tokens=12, stop=(word,)))
    assert cut.generation is not None
    assert cut.generation.finish_reason == "stop"
    assert cut.content == full.content[: full.content.index(word)]


async def test_with_tools_the_reply_is_still_a_valid_message(policy: LocalPolicy) -> None:
    weather = ToolSpec(
        name="get_weather",
        description="Current weather for a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    )
    reply = await policy.act(
        [Message.user("What is the weather in Paris right now?")],
        [weather],
        seed=0,
        sampling=Sampling(max_tokens=48),
    )
    assert reply.role == "assistant"
    assert reply.content or reply.tool_calls
    for k, call in enumerate(reply.tool_calls or ()):
        assert call.id == f"call_0_{k}"
    assert reply.generation is not None
    # the tool instructions went into the prompt
    assert reply.generation.usage.prompt_tokens > 60


async def test_a_prompt_longer_than_the_context_is_blamed_on_who_made_it_long() -> None:
    from gymforge.errors import PolicyOutputError, PolicyUnavailable

    small = LocalPolicy(n_ctx=64)
    # The env's opening prompt alone: the run's set-up (n_ctx), not the policy.
    with pytest.raises(PolicyUnavailable, match="opening prompt .*context window is 64"):
        await small.act([Message.user("word " * 200)], [], seed=0, sampling=GREEDY)
    # After the policy's own turn the transcript outgrew the window: its output.
    grown = [Message.user("hi"), Message.assistant("word " * 200), Message.user("more")]
    with pytest.raises(PolicyOutputError, match="turn 1 .*context window is 64"):
        await small.act(grown, [], seed=0, sampling=GREEDY)


async def test_concurrent_calls_are_serialised_and_the_loop_stays_free(policy: LocalPolicy) -> None:
    chats = [[Message.user(f"Name a colour. ({i})")] for i in range(3)]
    sampling = Sampling(max_tokens=6)
    alone = [await policy.act(c, [], seed=5, sampling=sampling) for c in chats]

    loaded = policy._model()
    ticks_while_generating = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks_while_generating
        while not done:
            if loaded.lock.locked():  # a generation is running in a worker thread
                ticks_while_generating += 1
            await asyncio.sleep(0.001)

    tick_task = asyncio.create_task(ticker())
    together = await asyncio.gather(*(policy.act(c, [], seed=5, sampling=sampling) for c in chats))
    done = True
    await tick_task
    assert [m.content for m in together] == [m.content for m in alone]
    assert [m.generation.token_ids for m in together if m.generation] == [
        m.generation.token_ids for m in alone if m.generation
    ]
    assert ticks_while_generating > 0, "the event loop was blocked during generation"


async def test_gguf_template_and_builtin_chatml_agree_for_smollm2(policy: LocalPolicy) -> None:
    one = Sampling(max_tokens=1)
    auto = await policy.act(CHAT, [], seed=0, sampling=one)
    chatml = await LocalPolicy(chat_template="chatml").act(CHAT, [], seed=0, sampling=one)
    assert auto.generation is not None
    assert chatml.generation is not None
    assert auto.generation.prompt_token_ids == chatml.generation.prompt_token_ids
    # without a system message the GGUF template adds SmolLM2's default one; ChatML does not
    bare = [Message.user("hi")]
    auto_bare = await policy.act(bare, [], seed=0, sampling=one)
    chatml_bare = await LocalPolicy(chat_template="chatml").act(bare, [], seed=0, sampling=one)
    assert auto_bare.generation is not None
    assert chatml_bare.generation is not None
    assert auto_bare.generation.usage.prompt_tokens > chatml_bare.generation.usage.prompt_tokens
