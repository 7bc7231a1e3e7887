"""OpenAIPolicy against a mock transport: request shape, parsing, retries, errors and blame."""

import json
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest

from gymforge.env import Env
from gymforge.errors import (
    ConfigError,
    PolicyOutputError,
    PolicyTimeout,
    PolicyUnavailable,
)
from gymforge.policy import OpenAIPolicy
from gymforge.rollout import RunConfig, read_trajectories, run_async
from gymforge.types import (
    Info,
    Message,
    Sampling,
    Score,
    StepResult,
    Task,
    ToolCall,
    ToolSpec,
    Trajectory,
)

URL = "http://model.test/v1"
TOOL = ToolSpec(
    name="lookup",
    description="Look up an order.",
    parameters={"type": "object", "properties": {"id": {"type": "integer"}}},
)


def completion(message: dict[str, Any], finish: str = "stop", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "served-model",
        "choices": [{"index": 0, "finish_reason": finish, "message": message, **extra}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
    }


class Server:
    """A scripted server: answers requests in order, recording every request body."""

    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        return self.responses.pop(0)


def policy_for(handler: Callable[[httpx2.Request], httpx2.Response], **kw: Any) -> OpenAIPolicy:
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    policy = OpenAIPolicy("my-model", base_url=URL, http_client=client, **kw)
    sleeps: list[float] = []

    async def record_sleep(delay: float) -> None:
        sleeps.append(delay)

    policy._sleep = record_sleep  # type: ignore[assignment]
    policy.sleeps = sleeps  # type: ignore[attr-defined]
    return policy


OK = httpx2.Response(200, json=completion({"role": "assistant", "content": "hello"}))


async def test_request_carries_messages_tools_and_sampling() -> None:
    server = Server(OK)
    policy = policy_for(server, extra_body={"top_k": 20})
    sampling = Sampling(temperature=0.7, top_p=0.9, max_tokens=33, stop=("END",))
    history = [Message.system("sys"), Message.user("hi")]
    reply = await policy.act(history, [TOOL], seed=(1 << 40) + 5, sampling=sampling)
    assert reply.content == "hello"
    body = server.requests[0]
    assert body["model"] == "my-model"
    assert body["messages"] == [m.to_openai() for m in history]
    assert body["tools"] == [TOOL.to_openai()]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.7, 0.9, 33)
    assert body["stop"] == ["END"]
    assert body["seed"] == 5  # masked to 31 bits
    assert body["top_k"] == 20
    assert "logprobs" not in body


async def test_no_tools_means_no_tools_field() -> None:
    server = Server(OK)
    await policy_for(server).act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert "tools" not in server.requests[0]
    assert "stop" not in server.requests[0]


async def test_tool_calls_usage_and_logprobs_are_parsed() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "lookup", "arguments": '{"id": 4}'},
            },
            {"id": "c2", "type": "function", "function": {"name": "lookup", "arguments": "{bad"}},
        ],
    }
    logprobs = {
        "content": [
            {"token": "a", "logprob": -0.5, "bytes": None, "top_logprobs": []},
            {"token": "b", "logprob": -1.25, "bytes": None, "top_logprobs": []},
        ]
    }
    server = Server(httpx2.Response(200, json=completion(message, "tool_calls", logprobs=logprobs)))
    policy = policy_for(server, logprobs=True)
    reply = await policy.act([Message.user("find 4")], [TOOL], seed=0, sampling=Sampling())
    assert server.requests[0]["logprobs"] is True
    assert server.requests[0]["top_logprobs"] == 0
    assert reply.content is None
    assert reply.tool_calls == (
        ToolCall.make("lookup", '{"id": 4}', id="c1"),
        ToolCall.make("lookup", "{bad", id="c2"),  # invalid JSON is kept for the env to answer
    )
    gen = reply.generation
    assert gen is not None
    assert gen.model == "served-model"
    assert (gen.usage.prompt_tokens, gen.usage.completion_tokens) == (11, 5)
    assert gen.finish_reason == "tool_calls"
    assert gen.logprobs == (-0.5, -1.25)
    assert gen.latency_s is not None
    assert gen.latency_s >= 0


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_transient_errors_are_retried_then_succeed(status: int) -> None:
    err = httpx2.Response(status, json={"error": {"message": "busy"}})
    server = Server(err, err, OK)
    policy = policy_for(server, max_retries=4, backoff_s=0.5)
    reply = await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert reply.content == "hello"
    assert len(server.requests) == 3
    # exponential backoff with up to 25% jitter: 0.5..0.625, then 1.0..1.25
    assert len(policy.sleeps) == 2  # type: ignore[attr-defined]
    first, second = policy.sleeps  # type: ignore[attr-defined]
    assert 0.5 <= first <= 0.625
    assert 1.0 <= second <= 1.25


async def test_retry_after_sets_the_wait() -> None:
    limited = httpx2.Response(429, headers={"retry-after": "7"}, json={"error": {}})
    limited_ms = httpx2.Response(429, headers={"retry-after-ms": "250"}, json={"error": {}})
    server = Server(limited, limited_ms, OK)
    policy = policy_for(server, backoff_s=0.01)
    await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert len(server.requests) == 3
    assert policy.sleeps == [7.0, 0.25]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, PolicyUnavailable), (503, PolicyUnavailable), (429, PolicyUnavailable)]
    + [(408, PolicyTimeout), (504, PolicyTimeout)],
)
async def test_retries_run_out_into_unavailable_or_timeout(
    status: int, kind: type[Exception]
) -> None:
    err = httpx2.Response(status, json={"error": {"message": "kaput"}})
    server = Server(err, err, err)
    policy = policy_for(server, max_retries=2, backoff_s=0.0)
    with pytest.raises(
        kind, match=rf"model server at {URL} answered HTTP {status} after 2 retries"
    ) as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert type(info.value) is kind
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "API key"), (404, "is model 'my-model' served there"), (400, "rejected the request")],
)
async def test_client_errors_fail_at_once_with_a_hint(status: int, hint: str) -> None:
    # A refused request is the run's set-up (key, model, options): infrastructure, at
    # the policy boundary, never the model's output (see OpenAIPolicy._error).
    server = Server(httpx2.Response(status, json={"error": {"message": "no"}}))
    policy = policy_for(server)
    with pytest.raises(PolicyUnavailable, match=rf"HTTP {status} on the first attempt") as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert hint in str(info.value)
    assert info.value.cause == "unavailable"
    assert len(server.requests) == 1


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_unreachable_server_names_the_url_and_what_to_check() -> None:
    url = f"http://127.0.0.1:{_unused_port()}/v1"
    async with OpenAIPolicy("tiny", base_url=url, max_retries=2, backoff_s=0.001) as policy:
        with pytest.raises(PolicyUnavailable) as info:
            await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert str(info.value) == (
        f"could not reach the model server at {url} after 2 retries (connection refused); "
        f"is the server running? check --policy openai:tiny@{url}"
    )


async def test_concurrency_is_capped_by_the_semaphore() -> None:
    import asyncio

    in_flight = 0
    peak = 0

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx2.Response(200, json=completion({"role": "assistant", "content": "x"}))

    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    policy = OpenAIPolicy("m", base_url=URL, http_client=client, max_concurrency=3)
    msgs = [Message.user("hi")]
    await asyncio.gather(*(policy.act(msgs, [], seed=i, sampling=Sampling()) for i in range(10)))
    assert peak == 3


def test_api_key_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_KEY", raising=False)
    assert OpenAIPolicy("m", base_url=URL, api_key_env="MY_KEY")._api_key == "EMPTY"
    monkeypatch.setenv("MY_KEY", "sk-123")
    assert OpenAIPolicy("m", base_url=URL, api_key_env="MY_KEY")._api_key == "sk-123"
    monkeypatch.delenv("MY_KEY")
    with pytest.raises(ConfigError, match=r"\$MY_KEY is not set"):
        OpenAIPolicy("gpt-4o-mini", api_key_env="MY_KEY")


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ConfigError, match="needs a model name"):
        OpenAIPolicy("", base_url=URL)
    with pytest.raises(ValueError, match="max_retries"):
        OpenAIPolicy("m", base_url=URL, max_retries=-1)
    with pytest.raises(ValueError, match="max_concurrency"):
        OpenAIPolicy("m", base_url=URL, max_concurrency=0)


async def test_timeouts_are_retried_and_reported_as_timed_out() -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        raise httpx2.ReadTimeout("read timed out", request=request)

    policy = policy_for(handler, max_retries=1, backoff_s=0.0, timeout_s=7)
    with pytest.raises(PolicyTimeout, match=r"within 7s after 1 retries \(timed out\)") as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert info.value.cause == "timeout"
    assert calls == 2


async def test_a_dropped_connection_is_retried_then_unavailable() -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        raise httpx2.RemoteProtocolError("Server disconnected without sending a response.")

    policy = policy_for(handler, max_retries=2, backoff_s=0.0)
    with pytest.raises(PolicyUnavailable, match=r"could not reach .* after 2 retries") as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert type(info.value) is PolicyUnavailable
    assert calls == 3


@pytest.mark.parametrize(
    "response",
    [
        httpx2.Response(200, text="<html>not an API</html>"),
        httpx2.Response(200, json={"choices": []}),
        httpx2.Response(200, json={"detail": "hello"}),
    ],
)
async def test_a_response_that_is_not_a_chat_completion_is_unavailable(
    response: httpx2.Response,
) -> None:
    # Not the model's output: the URL does not serve the API (never scored as the policy's).
    policy = policy_for(Server(response))
    with pytest.raises(PolicyUnavailable, match=rf"model server at {URL} answered with something"):
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())


@pytest.mark.parametrize(
    "choice",
    [
        {"index": 0, "finish_reason": "content_filter", "message": None},
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": [1]}}
                ],
            },
        },
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": [7]}},
    ],
)
async def test_a_reply_that_cannot_become_a_message_is_the_policys_output(
    choice: dict[str, Any],
) -> None:
    body = completion({})
    body["choices"] = [choice]
    policy = policy_for(Server(httpx2.Response(200, json=body)))
    with pytest.raises(PolicyOutputError, match="graded as it stands") as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert info.value.cause == "bad_output"


OVERFLOWS = [
    # OpenAI, and llama-cpp-python's server: a code
    {
        "message": "This model's maximum context length is 2048 tokens. However, you requested "
        "2100 tokens (2000 in the messages, 100 in the completion).",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
    },
    # llama.cpp's own server: a type
    {
        "code": 400,
        "message": "the request exceeds the available context size, try increasing it",
        "type": "exceed_context_size_error",
    },
    # vLLM and SGLang: text only
    {"message": "This model's maximum context length is 4096 tokens and your request has ..."},
    {"message": "The input (5000 tokens) is longer than the model's context length (4096)."},
]
LATER = [Message.user("hi"), Message.assistant("a long answer"), Message.user("go on")]


@pytest.mark.parametrize("error", OVERFLOWS)
async def test_a_conversation_outgrowing_the_context_is_the_policys_output(
    error: dict[str, Any],
) -> None:
    server = Server(httpx2.Response(400, json={"error": error}))
    policy = policy_for(server, max_retries=3)
    with pytest.raises(PolicyOutputError, match="at assistant turn 1") as info:
        await policy.act(LATER, [], seed=0, sampling=Sampling())
    assert info.value.cause == "bad_output"
    assert str(error["message"])[:30] in str(info.value)
    assert len(server.requests) == 1  # never retried


async def test_an_opening_prompt_too_long_for_the_model_is_the_runs_set_up() -> None:
    server = Server(httpx2.Response(400, json={"error": OVERFLOWS[0]}))
    policy = policy_for(server)
    with pytest.raises(PolicyUnavailable, match="opening prompt does not fit") as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert "--max-model-len" in str(info.value)


async def test_a_400_about_something_else_is_not_an_overflow() -> None:
    error = {"message": "max_tokens is too large: 100000. This model supports at most 4096."}
    server = Server(httpx2.Response(400, json={"error": error}))
    with pytest.raises(PolicyUnavailable, match="HTTP 400 on the first attempt"):
        await policy_for(server).act(LATER, [], seed=0, sampling=Sampling())


async def test_missing_usage_counts_as_zero() -> None:
    body = completion({"role": "assistant", "content": "hi"})
    del body["usage"]
    reply = await policy_for(Server(httpx2.Response(200, json=body))).act(
        [Message.user("hi")], [], seed=0, sampling=Sampling()
    )
    assert reply.generation is not None
    assert reply.generation.usage.completion_tokens == 0


class Talk(Env):
    """Never ends by itself: each step asks for more, so the transcript keeps growing."""

    _task = Task(id="talk/0", prompt="talk")

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        return [Message.user("talk")], Info()

    async def step(self, action: Message) -> StepResult:
        return StepResult(observation=(Message.user("more"),))

    async def reference_action(self) -> Message:
        return Message.assistant("ok")

    @property
    def task(self) -> Task:
        return self._task

    @property
    def task_family(self) -> Any:
        return SimpleNamespace(
            name="talk",
            difficulty=None,
            generate=lambda index, *, seed, difficulty=None: self._task,
        )

    def grader(self) -> Any:
        class Turns:
            name = "turns"

            async def grade(self, task: Task, trajectory: Trajectory) -> Score:
                said = sum(m.role == "assistant" for m in trajectory.messages)
                return Score(value=said / 10)

        return Turns()


async def test_an_overflow_mid_episode_is_scored_by_the_engine(tmp_path: Path) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        said = sum(m["role"] == "assistant" for m in json.loads(request.content)["messages"])
        if said >= 2:
            return httpx2.Response(400, json={"error": OVERFLOWS[0]})
        return httpx2.Response(200, json=completion({"role": "assistant", "content": "blah"}))

    policy = policy_for(handler)
    config = RunConfig(
        env_id="test/Talk-v0", policy="test", num_tasks=1, group_size=2, out=tmp_path / "t.jsonl"
    )
    result = await run_async(config, env_factory=Talk, policy_factory=lambda _: policy)
    trajectories = read_trajectories(config.out)
    assert len(trajectories) == 2
    for t in trajectories:
        assert t.error is not None
        assert (t.error.boundary, t.error.cause, t.error.policy_caused) == (
            "policy",
            "bad_output",
            True,
        )
        assert t.error.type == "PolicyOutputError"
        assert t.truncated
        assert t.reward == 0.2  # graded as it stands: it had answered twice
    assert result.summary.policy_failures == 2
    assert result.summary.infrastructure == 0
