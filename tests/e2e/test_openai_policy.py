"""OpenAIPolicy against a real OpenAI-compatible server: llama.cpp's, on loopback."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from gymforge.env import Env
from gymforge.errors import PolicyUnavailable
from gymforge.policy import LocalPolicy, OpenAIPolicy, default_model_path
from gymforge.rollout import RunConfig, read_trajectories, run_async
from gymforge.types import Info, Message, Sampling, Score, StepResult, Task, ToolSpec, Trajectory

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STARTUP_DEADLINE_S = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log_path: Path = tmp_path_factory.mktemp("llama_server") / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(default_model_path()),
        "--model_alias",
        "smollm2",
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--n_ctx",
        "2048",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama.cpp server exited with {proc.returncode}:\n{log_path.read_text()}"
                )
            try:
                if httpx.get(f"{url}/models", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"llama.cpp server not ready in {STARTUP_DEADLINE_S}s:\n{log_path.read_text()}"
                )
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


CHAT = [
    Message.system("You are a helpful assistant."),
    Message.user("What is the capital of France? Answer in one short sentence."),
]


async def test_real_completion_with_usage_and_determinism(server_url: str) -> None:
    sampling = Sampling(temperature=0.0, max_tokens=16)
    async with OpenAIPolicy("smollm2", base_url=server_url, max_retries=1, timeout_s=120) as p:
        reply = await p.act(CHAT, [], seed=1, sampling=sampling)
        again = await p.act(CHAT, [], seed=1, sampling=sampling)
    assert reply.role == "assistant"
    assert reply.content is not None
    assert "paris" in reply.content.lower()
    gen = reply.generation
    assert gen is not None
    assert gen.model == "smollm2"
    assert 0 < gen.usage.completion_tokens <= 16
    assert gen.usage.prompt_tokens > 10
    assert gen.finish_reason in {"stop", "length"}
    assert again.content == reply.content


async def test_server_and_local_policy_agree_on_text_and_logprobs(server_url: str) -> None:
    """The same GGUF behind the server and in-process: same greedy text, same logprobs."""
    sampling = Sampling(temperature=0.0, max_tokens=8)
    async with OpenAIPolicy("smollm2", base_url=server_url, logprobs=True, timeout_s=120) as p:
        remote = await p.act(CHAT, [], seed=0, sampling=sampling)
    local = await LocalPolicy().act(CHAT, [], seed=0, sampling=sampling)
    assert remote.generation is not None
    assert local.generation is not None
    assert remote.content == local.content
    assert remote.generation.usage.prompt_tokens == local.generation.usage.prompt_tokens
    remote_lp = remote.generation.logprobs
    local_lp = local.generation.logprobs
    assert remote_lp is not None
    assert local_lp is not None
    assert len(remote_lp) == remote.generation.usage.completion_tokens
    # the server does not report a logprob for the end-of-turn token; compare the rest
    for ours, theirs in zip(local_lp, remote_lp, strict=False):
        assert ours == pytest.approx(theirs, abs=0.02)


async def test_tools_go_to_the_server_and_a_valid_message_comes_back(server_url: str) -> None:
    tool = ToolSpec(
        name="get_weather",
        description="Current weather for a city.",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    async with OpenAIPolicy("smollm2", base_url=server_url, timeout_s=120) as policy:
        reply = await policy.act(
            [Message.user("Weather in Paris?")], [tool], seed=0, sampling=Sampling(max_tokens=8)
        )
    assert reply.role == "assistant"
    assert reply.content or reply.tool_calls
    assert reply.generation is not None
    assert reply.generation.usage.completion_tokens > 0


async def test_unknown_route_on_a_live_server_is_a_clear_policy_error(server_url: str) -> None:
    wrong = server_url.removesuffix("/v1") + "/nope/v1"
    async with OpenAIPolicy("smollm2", base_url=wrong, max_retries=0) as policy:
        with pytest.raises(PolicyUnavailable, match=rf"model server at {wrong} answered HTTP 404"):
            await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling(max_tokens=4))


class Chatter(Env):
    """Answers every turn with a long text and never ends: the transcript outgrows 2048."""

    _task = Task(id="chatter/0", prompt="Say one word.")
    FILLER = "word " * 1010  # 1,010 tokens a turn

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        return [Message.user(self._task.prompt)], Info()

    async def step(self, action: Message) -> StepResult:
        return StepResult(observation=(Message.user(f"{self.FILLER}\nSay one more word."),))

    async def reference_action(self) -> Message:
        return Message.assistant("word")

    @property
    def task(self) -> Task:
        return self._task

    @property
    def task_family(self) -> Any:
        return SimpleNamespace(
            name="chatter", difficulty=None, generate=lambda i, *, seed, difficulty=None: self._task
        )

    def grader(self) -> Any:
        class Answers:
            name = "answers"

            async def grade(self, task: Task, trajectory: Trajectory) -> Score:
                return Score(value=sum(m.role == "assistant" for m in trajectory.messages) / 10)

        return Answers()


async def test_a_context_overflow_is_the_policys_output_and_the_episode_is_scored(
    server_url: str, tmp_path: Path
) -> None:
    """The real server refuses the grown transcript (400); the engine grades the episode."""
    policy = OpenAIPolicy("smollm2", base_url=server_url, max_retries=0, timeout_s=300)
    config = RunConfig(
        env_id="test/Chatter-v0",
        policy="test",
        num_tasks=1,
        group_size=1,
        out=tmp_path / "t.jsonl",
        sampling=Sampling(temperature=0.0, max_tokens=4),
    )
    try:
        await run_async(config, env_factory=Chatter, policy_factory=lambda _: policy)
    finally:
        await policy.aclose()
    (trajectory,) = read_trajectories(config.out)
    error = trajectory.error
    assert error is not None
    assert (error.type, error.boundary, error.cause, error.policy_caused) == (
        "PolicyOutputError",
        "policy",
        "bad_output",
        True,
    )
    assert "maximum context length is 2048 tokens" in error.message
    assert trajectory.truncated
    answered = sum(m.role == "assistant" for m in trajectory.messages)
    assert answered == 2  # prompts of 34, then 1,066 tokens fit; 2,097 do not
    assert trajectory.reward == answered / 10  # graded as it stands, not left out
