"""Remote envs (a real `gymforge serve`) and the Ray backend reproduce local runs exactly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gymforge.rollout import RunConfig, run
from gymforge.server import RemoteEnv

from ._trajectories import comparable

GYMFORGE = [sys.executable, "-m", "gymforge.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GYMFORGE_TOKEN": "integration-token"}
    proc = subprocess.Popen(
        [*GYMFORGE, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gymforge serve did not start: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize(
    ("env_id", "transport"),
    [("gymforge/Arithmetic-v0", "ws"), ("gymforge/CalculatorAgent-v0", "http")],
)
def test_gymforge_run_with_env_url_matches_the_local_run(
    server: str, tmp_path: Path, env_id: str, transport: str
) -> None:
    common = ["run", env_id, "--policy", "oracle", "--tasks", "3", "-g", "2", "--seed", "5"]
    env = {**os.environ, "GYMFORGE_TOKEN": "integration-token"}
    local = subprocess.run(
        [*GYMFORGE, *common, "--out", str(tmp_path / "local.jsonl")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert local.returncode == 0, local.stderr
    remote = subprocess.run(
        [
            *GYMFORGE,
            *common,
            "--out",
            str(tmp_path / "remote.jsonl"),
            "--env-url",
            server,
            "--env-transport",
            transport,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert remote.returncode == 0, remote.stderr
    remote_rows = comparable(tmp_path / "remote.jsonl")
    assert len(remote_rows) == 6
    assert remote_rows == comparable(tmp_path / "local.jsonl")
    assert all(r["reward"] == 1.0 for r in remote_rows)
    # Nothing left open on the server.
    metrics = httpx.get(f"{server}/metrics").text
    assert "gymforge_sessions_open 0.0" in metrics


def test_env_url_with_a_wrong_token_fails_clearly(server: str, tmp_path: Path) -> None:
    env = {**os.environ, "GYMFORGE_TOKEN": "wrong"}
    proc = subprocess.run(
        [
            *GYMFORGE,
            "run",
            "gymforge/Arithmetic-v0",
            "--tasks",
            "1",
            "--env-url",
            server,
            "--out",
            str(tmp_path / "x.jsonl"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "token" in proc.stderr


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GYMFORGE_TOKEN"}
    proc = subprocess.run(
        [*GYMFORGE, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "GYMFORGE_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [*GYMFORGE, "serve", "--no-auth", "--host", "0.0.0.0", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "loopback" in proc.stderr


def test_ray_backend_matches_the_local_backend(tmp_path: Path) -> None:
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=100 * 1024 * 1024,
    )
    try:
        common: dict[str, Any] = {
            "env_id": "gymforge/CalculatorAgent-v0",
            "policy": "oracle",
            "num_tasks": 4,
            "group_size": 3,
            "seed": 9,
            "concurrency": 4,
        }
        run(RunConfig(**common, out=tmp_path / "local.jsonl"))
        result = run(RunConfig(**common, out=tmp_path / "ray.jsonl", backend="ray"))
        assert result.completed == 12
        assert comparable(tmp_path / "ray.jsonl") == comparable(tmp_path / "local.jsonl")
        # Resume semantics are the driver's: a second run on the Ray backend runs nothing.
        again = run(RunConfig(**common, out=tmp_path / "ray.jsonl", backend="ray"))
        assert (again.completed, again.skipped) == (0, 12)
    finally:
        ray.shutdown()


def test_remote_env_url_must_be_http() -> None:
    from gymforge.errors import ConfigError

    with pytest.raises(ConfigError, match="http://"):
        RemoteEnv("127.0.0.1:8000", "gymforge/Arithmetic-v0")
