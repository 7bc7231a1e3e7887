"""OpenAIPolicy against a mock transport: request shape, parsing, retries, errors."""

import json
import socket
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from gymforge.errors import ConfigError, PolicyError
from gymforge.policy import OpenAIPolicy
from gymforge.types import Message, Sampling, ToolCall, ToolSpec

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


async def test_retries_run_out_into_a_policy_error() -> None:
    err = httpx2.Response(500, json={"error": {"message": "kaput"}})
    server = Server(err, err, err)
    policy = policy_for(server, max_retries=2, backoff_s=0.0)
    with pytest.raises(
        PolicyError, match=rf"model server at {URL} answered HTTP 500 after 2 retries"
    ):
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "API key"), (404, "is model 'my-model' served there"), (400, "rejected the request")],
)
async def test_client_errors_fail_at_once_with_a_hint(status: int, hint: str) -> None:
    server = Server(httpx2.Response(status, json={"error": {"message": "no"}}))
    policy = policy_for(server)
    with pytest.raises(PolicyError, match=rf"HTTP {status} on the first attempt") as info:
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert hint in str(info.value)
    assert len(server.requests) == 1


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_unreachable_server_names_the_url_and_what_to_check() -> None:
    url = f"http://127.0.0.1:{_unused_port()}/v1"
    async with OpenAIPolicy("tiny", base_url=url, max_retries=2, backoff_s=0.001) as policy:
        with pytest.raises(PolicyError) as info:
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

    policy = policy_for(handler, max_retries=1, backoff_s=0.0)
    with pytest.raises(PolicyError, match=r"after 1 retries \(timed out\)"):
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
    assert calls == 2


@pytest.mark.parametrize(
    "response",
    [
        httpx2.Response(200, text="<html>not an API</html>"),
        httpx2.Response(200, json={"choices": []}),
        httpx2.Response(200, json={"detail": "hello"}),
    ],
)
async def test_a_response_that_is_not_a_chat_completion_is_a_policy_error(
    response: httpx2.Response,
) -> None:
    policy = policy_for(Server(response))
    with pytest.raises(PolicyError, match=rf"model server at {URL} answered with something"):
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())


async def test_missing_usage_counts_as_zero() -> None:
    body = completion({"role": "assistant", "content": "hi"})
    del body["usage"]
    reply = await policy_for(Server(httpx2.Response(200, json=body))).act(
        [Message.user("hi")], [], seed=0, sampling=Sampling()
    )
    assert reply.generation is not None
    assert reply.generation.usage.completion_tokens == 0
