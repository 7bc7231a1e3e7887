"""A policy over any OpenAI-compatible chat-completions server.

vLLM, SGLang, the llama.cpp server, Ollama and OpenAI itself all speak this API, so
one client covers them. The `openai` package is imported on first use only.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import re
import socket
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gymforge.errors import (
    ConfigError,
    PolicyError,
    PolicyOutputError,
    PolicyTimeout,
    PolicyUnavailable,
)
from gymforge.policy._blame import context_overflow
from gymforge.policy._toolprompt import assistant_turn, tool_call_id
from gymforge.types import Generation, JsonValue, Message, Sampling, ToolCall, ToolSpec, Usage

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI

__all__ = ["DEFAULT_OPENAI_URL", "OpenAIPolicy"]

logger = logging.getLogger(__name__)

DEFAULT_OPENAI_URL = "https://api.openai.com/v1"
"""The base URL used when a spec names no server (``openai:gpt-4o-mini``)."""
_RETRY_STATUS = frozenset({408, 409, 429})
_TIMEOUT_STATUS = frozenset({408, 504})  # the server, or a gateway before it, gave up waiting
_OVERFLOW_STATUS = frozenset({400, 422})
_OVERFLOW_CODES = frozenset(
    {"context_length_exceeded", "exceed_context_size_error", "context_window_exceeded"}
)
"""Error ``code`` / ``type`` values that servers give a request too long for the model
(OpenAI and llama-cpp-python's server, llama.cpp's own server, others)."""
_OVERFLOW_TEXT = re.compile(
    r"context[ _-]?(length|window|size)|maximum context|prompt is too long|"
    r"input is too long|`inputs` tokens \+ `max_new_tokens`",
    re.IGNORECASE,
)
"""How servers that send no such code say it: vLLM ("This model's maximum context
length is ..."), SGLang ("longer than the model's context length"), TGI ("`inputs`
tokens + `max_new_tokens` must be <= ...") and others."""
_MAX_BACKOFF_S = 30.0
_MAX_RETRY_AFTER_S = 120.0
_SEED_MASK = 0x7FFFFFFF  # servers differ in seed width; 31 bits fit every one


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(raw) if raw.strip() else None
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _overflows_context(exc: Exception, status: int | None) -> bool:
    """Whether a server's refusal says the request is longer than the model's context."""
    if status not in _OVERFLOW_STATUS:
        return False
    codes = {str(getattr(exc, "code", None) or ""), str(getattr(exc, "type", None) or "")}
    return bool(codes & _OVERFLOW_CODES) or bool(_OVERFLOW_TEXT.search(_detail(exc)))


def _detail(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc)[:300]


def _cause(exc: BaseException) -> str:
    """The most telling reason in an error's chain ("connection refused", "timed out", ...)."""
    chain: list[BaseException] = []
    inner: BaseException | None = exc
    while inner is not None and inner not in chain:
        chain.append(inner)
        inner = inner.__cause__ or inner.__context__
    for err in chain:
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, TimeoutError) or "timeout" in type(err).__name__.lower():
            return "timed out"
    if any(isinstance(err, socket.gaierror) for err in chain):
        return "host name not found"
    return str(chain[-1]).strip() or type(chain[-1]).__name__


class OpenAIPolicy:
    """Chat completions from an OpenAI-compatible server, with retries and a concurrency cap.

    Tools go out as OpenAI ``tools=[...]`` (only when there are some) and tool calls come
    back as `ToolCall` objects. Sampling maps to ``temperature``, ``top_p``,
    ``max_tokens``, ``stop`` and ``seed`` (the episode seed masked to 31 bits, which every
    server accepts). ``message.generation`` gets the model name, usage, finish reason,
    latency (of the whole call, waits included) and, with ``logprobs=True``, the
    per-token log-probabilities.

    429, 408, 409, 5xx, timeouts and connection errors are retried with exponential
    backoff and jitter; a ``Retry-After`` header, when the server sends one, sets the
    wait instead. Errors say who is to blame, and name the URL and what to check:
    `PolicyTimeout` when the last attempt timed out (or answered 408/504),
    `PolicyUnavailable` when the server could not be reached, kept failing (5xx, 429)
    or refused the run's requests (401, 403, 404, other 4xx: a key, a model name or an
    option to fix; found only by asking, mid-run), and `PolicyOutputError` when the
    model's own reply cannot become a message or the conversation has outgrown the
    context window (a 400 saying so, once the policy has acted; on the opening prompt
    that is the run's set-up: `PolicyUnavailable`).

    Args:
        model: Model name as the server knows it.
        base_url: Server URL ending in ``/v1``; None means OpenAI's API.
        api_key_env: Environment variable holding the API key. When it is unset and the
            server is not OpenAI's, the placeholder key ``EMPTY`` is sent (local servers
            ignore it); for OpenAI's API an unset key is a `ConfigError`.
        timeout_s: Seconds before one request times out (then it is retried).
        max_retries: Retries after the first attempt.
        max_concurrency: Requests in flight at once, per event loop.
        extra_body: Extra JSON fields for every request (e.g. ``{"top_k": 20}`` for vLLM).
        logprobs: Ask for per-token log-probabilities.
        backoff_s: First backoff delay; doubles with each retry, capped at 30 s.
        http_client: An ``httpx2.AsyncClient`` for the openai client (tests pass one
            with a mock transport); None lets openai make its own.

    Example:
        >>> policy = OpenAIPolicy("qwen2.5", base_url="http://127.0.0.1:8000/v1")
        >>> policy.name
        'openai:qwen2.5@http://127.0.0.1:8000/v1'
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 60.0,
        max_retries: int = 4,
        max_concurrency: int = 16,
        extra_body: Mapping[str, JsonValue] | None = None,
        logprobs: bool = False,
        backoff_s: float = 0.5,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        if not model:
            raise ConfigError("OpenAIPolicy needs a model name, e.g. OpenAIPolicy('gpt-4o-mini')")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
        if timeout_s <= 0 or backoff_s < 0:
            raise ValueError(
                f"timeout_s must be > 0 and backoff_s >= 0, got {timeout_s}, {backoff_s}"
            )
        self.model = model
        self.base_url = (base_url or DEFAULT_OPENAI_URL).rstrip("/")
        key = os.environ.get(api_key_env)
        if not key and base_url is None:
            raise ConfigError(
                f"${api_key_env} is not set, and the OpenAI API needs a key; export it, or "
                "name a local server: --policy openai:MODEL@http://127.0.0.1:8000/v1"
            )
        self._api_key = key or "EMPTY"
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_concurrency = max_concurrency
        self.extra_body = dict(extra_body) if extra_body else None
        self.logprobs = logprobs
        self.backoff_s = backoff_s
        self._http_client = http_client
        self._jitter = random.Random()  # jitter only spreads retries; it never reaches results
        self._sleep = asyncio.sleep
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self.name = f"openai:{model}@{self.base_url}"

    def __repr__(self) -> str:
        return f"OpenAIPolicy({self.model!r}, base_url={self.base_url!r})"

    def _ensure_client(self) -> tuple[AsyncOpenAI, asyncio.Semaphore]:
        """The client and semaphore of the running loop (remade when the loop changes)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._semaphore is None or self._loop is not loop:
            from openai import AsyncOpenAI

            self._client = AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout_s,
                max_retries=0,  # retries are ours: Retry-After, backoff and our error text
                http_client=self._http_client,
            )
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
            self._loop = loop
        return self._client, self._semaphore

    async def aclose(self) -> None:
        """Close the HTTP client; the next `act` opens a new one."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def __aenter__(self) -> OpenAIPolicy:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _request(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], seed: int, s: Sampling
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.to_openai() for m in messages],
            "temperature": s.temperature,
            "top_p": s.top_p,
            "max_tokens": s.max_tokens,
            "seed": seed & _SEED_MASK,
        }
        if s.stop:
            body["stop"] = list(s.stop)
        if tools:
            body["tools"] = [spec.to_openai() for spec in tools]
        if self.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = 0  # llama.cpp's server sends logprobs only with this set
        if self.extra_body:
            body["extra_body"] = self.extra_body
        return body

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Ask the server for the next assistant message.

        Raises:
            PolicyTimeout: The last attempt timed out.
            PolicyUnavailable: The server could not be reached, kept failing after the
                retries, refused the request (bad key, unknown model, bad option), or
                the opening prompt does not fit the model's context.
            PolicyOutputError: The model's reply cannot become a message, or the
                conversation no longer fits the model's context window.
        """
        import openai

        client, semaphore = self._ensure_client()
        body = self._request(messages, tools, seed, sampling)
        started = time.perf_counter()
        attempt = 0
        while True:
            try:
                async with semaphore:
                    response = await client.chat.completions.create(**body)
                break
            except (openai.APIConnectionError, openai.APIStatusError) as exc:
                status = getattr(exc, "status_code", None)
                if _overflows_context(exc, status):
                    raise context_overflow(
                        messages,
                        f"model server at {self.base_url}: {_detail(exc)}",
                        fix="serve the model with a longer context (llama.cpp --n_ctx, vLLM "
                        "--max-model-len) or lower max_tokens",
                    ) from exc
                retryable = status is None or status in _RETRY_STATUS or status >= 500
                if not retryable or attempt >= self.max_retries:
                    raise self._error(exc, status, attempt) from exc
                delay = self._delay(exc, attempt)
                logger.warning(
                    "%s: attempt %d failed (%s); retrying in %.2fs",
                    self.name,
                    attempt + 1,
                    status or _cause(exc),
                    delay,
                )
                await self._sleep(delay)
                attempt += 1
            except openai.OpenAIError as exc:  # anything else the client raises: not retried
                raise PolicyUnavailable(f"model server at {self.base_url}: {exc}") from exc
        return self._message(response, messages, time.perf_counter() - started)

    def _delay(self, exc: Exception, attempt: int) -> float:
        response = getattr(exc, "response", None)
        if response is not None:
            wait = _retry_after(response.headers)
            if wait is not None and wait <= _MAX_RETRY_AFTER_S:
                return wait
        base = min(self.backoff_s * 2.0**attempt, _MAX_BACKOFF_S)
        return base + self._jitter.uniform(0.0, base / 4)

    def _error(self, exc: Exception, status: int | None, attempt: int) -> PolicyError:
        """The last attempt's failure, classified: timeout, or the server unavailable.

        A refusal of the run's requests (401, 403, 404, another 4xx) is
        `PolicyUnavailable` rather than `ConfigError`: it is found only by asking the
        server, in the middle of the run, and it is the same for every episode, so it
        belongs at the policy boundary, where the engine's dead-server guard
        (``max_consecutive_errors``) stops the run after a few identical failures;
        recorded at the ``config`` boundary, every episode would fail on its own.
        Either way it is infrastructure, never scored against the policy.
        """
        import openai

        url = self.base_url
        tries = f"after {attempt} retries" if attempt else "on the first attempt"
        spec = f"check --policy openai:{self.model}@{url}"
        if status is None:
            if isinstance(exc, openai.APITimeoutError):
                return PolicyTimeout(
                    f"the model server at {url} did not answer within {self.timeout_s:g}s "
                    f"{tries} (timed out); raise timeout_s or lower the load. {spec}"
                )
            return PolicyUnavailable(
                f"could not reach the model server at {url} {tries} ({_cause(exc)}); "
                f"is the server running? {spec}"
            )
        detail = _detail(exc)
        if status in (401, 403):
            hint = "check the API key in the environment variable the policy reads"
        elif status == 404:
            hint = f"is model {self.model!r} served there? GET {url}/models lists the models"
        elif status in _TIMEOUT_STATUS:
            hint = "the server gave up waiting for the model; raise its timeout or lower the load"
        elif status == 429 or status >= 500:
            hint = "the server is overloaded or failing; lower the concurrency or retry later"
        else:
            hint = "the server rejected the request; check the model's options and the tools"
        kind = PolicyTimeout if status in _TIMEOUT_STATUS else PolicyUnavailable
        return kind(f"model server at {url} answered HTTP {status} {tries}: {detail}; {hint}")

    def _message(self, response: object, messages: Sequence[Message], latency: float) -> Message:
        from openai.types.chat import ChatCompletion

        if not isinstance(response, ChatCompletion) or not getattr(response, "choices", None):
            # Not the model's doing: the URL does not serve the chat-completions API.
            raise PolicyUnavailable(
                f"model server at {self.base_url} answered with something that is not a chat "
                f"completion ({str(response)[:200]!r}); is that URL an OpenAI-compatible /v1 "
                "endpoint?"
            )
        choice = response.choices[0]
        if getattr(choice, "message", None) is None:
            raise PolicyOutputError(
                f"model server at {self.base_url} sent a completion without a message "
                f"(finish_reason {getattr(choice, 'finish_reason', None)!r}): the model's "
                "reply is unusable, so the episode ends here and is graded as it stands"
            )
        try:
            return self._parse(response, choice, messages, latency)
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            raise PolicyOutputError(
                f"model server at {self.base_url}: the model's reply cannot become a message "
                f"({str(exc).splitlines()[0][:200]}); the episode ends here and is graded as "
                "it stands"
            ) from exc

    def _parse(
        self, response: Any, choice: Any, messages: Sequence[Message], latency: float
    ) -> Message:
        calls: list[ToolCall] = []
        turn = assistant_turn(messages)
        for k, call in enumerate(choice.message.tool_calls or ()):
            function = getattr(call, "function", None)
            if function is None:  # a "custom" tool call: not part of gymforge's format
                continue
            call_id = call.id or tool_call_id(turn, k)
            calls.append(ToolCall.make(function.name or "", function.arguments or "{}", id=call_id))
        logprobs: tuple[float, ...] | None = None
        if choice.logprobs is not None and choice.logprobs.content is not None:
            logprobs = tuple(t.logprob for t in choice.logprobs.content)
        usage = response.usage
        generation = Generation(
            model=response.model,
            usage=Usage(
                prompt_tokens=(usage.prompt_tokens if usage else 0) or 0,
                completion_tokens=(usage.completion_tokens if usage else 0) or 0,
            ),
            finish_reason=choice.finish_reason,
            logprobs=logprobs,
            latency_s=latency,
        )
        content = choice.message.content
        return Message.assistant(
            content if content or not calls else None, tool_calls=calls, generation=generation
        )
