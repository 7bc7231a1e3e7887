"""`gymforge run` as a real process: determinism, SIGKILL + resume, Ctrl-C, dead model server.

The slow policy comes from ``tests/integration/slow_policies.py`` through
``--policy py:slow_policies:slow_oracle`` (this directory goes on PYTHONPATH).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gymforge.rollout import read_trajectories, scan_trajectories

from ._trajectories import comparable

HERE = Path(__file__).parent
ENV = "gymforge/Arithmetic-v0"
pytestmark = pytest.mark.slow


def _env(delay: float = 0.05) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["GYMFORGE_TEST_POLICY_DELAY"] = str(delay)
    env["COLUMNS"] = "200"
    return env


def _cmd(*args: object) -> list[str]:
    return [sys.executable, "-c", "from gymforge.cli import main; main()", *map(str, args)]


def _gymforge(
    *args: object, delay: float = 0.05, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cmd(*args), env=_env(delay), capture_output=True, text=True, timeout=timeout, check=False
    )


def _start(*args: object, delay: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _cmd(*args),
        env=_env(delay),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A background parent may ignore SIGINT; the child must get Python's default handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_lines(
    path: Path, count: int, proc: subprocess.Popen[str], limit_s: float = 60
) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        if proc.poll() is not None:
            raise AssertionError(f"run ended early: {proc.communicate()}")
        time.sleep(0.02)
    proc.kill()
    raise AssertionError(f"{path} never reached {count} lines")


def test_same_command_in_two_processes_gives_identical_trajectories(tmp_path: Path) -> None:
    files = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.jsonl"
        proc = _gymforge(
            "run",
            ENV,
            "--policy",
            "oracle",
            "-n",
            "12",
            "-g",
            "3",
            "-c",
            "5",
            "--seed",
            "11",
            "--out",
            out,
        )
        assert proc.returncode == 0, proc.stderr
        files.append(out)
    a, b = (comparable(f) for f in files)  # sorted: completion order may differ
    assert len(a) == 36
    assert a == b
    assert len({d["seed"] for d in a}) == 36  # every sample has its own seed


def test_sigkill_then_resume_gives_every_episode_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "k.jsonl"
    args = (
        "run",
        ENV,
        "--policy",
        "py:slow_policies:slow_oracle",
        "-n",
        "30",
        "-g",
        "2",
        "-c",
        "4",
        "--out",
        out,
    )
    proc = _start(*args, delay=0.05)
    _wait_for_lines(out, 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    killed_at = scan_trajectories(out)
    assert 6 <= len(killed_at.trajectories) < 60
    # Simulate the worst case too: a half-written last line.
    with out.open("a") as fh:
        fh.write(killed_at.lines[0][:50])
    again = _gymforge(*args, delay=0.0)
    assert again.returncode == 0, again.stderr
    assert "truncated" in again.stderr
    trajs = read_trajectories(out)  # raises on any damaged line
    keys = [t.key for t in trajs]
    assert len(keys) == len(set(keys)) == 60
    expected = {(t.task_id, s) for t in trajs for s in range(2)}
    assert set(keys) == expected
    assert all(t.reward == 1.0 for t in trajs)


def test_ctrl_c_stops_cleanly_with_exit_130_and_whole_lines(tmp_path: Path) -> None:
    out = tmp_path / "i.jsonl"
    proc = _start(
        "run",
        ENV,
        "--policy",
        "py:slow_policies:slow_oracle",
        "-n",
        "200",
        "-c",
        "2",
        "--out",
        out,
        delay=0.05,
    )
    _wait_for_lines(out, 3, proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    scanned = scan_trajectories(out)
    assert scanned.damaged == ()
    n = len(scanned.trajectories)
    assert 3 <= n < 200
    assert (
        f"interrupted: {n} of 200 episodes written to {out}; run the same command again to resume"
        in stderr
    )


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_model_server_fails_fast_with_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_unused_port()}/v1"
    out = tmp_path / "u.jsonl"
    proc = _gymforge(
        "run", ENV, "--policy", f"openai:m@{url}", "-n", "40", "-c", "5", "--out", out, timeout=180
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert url in proc.stderr
    assert "policy boundary" in proc.stderr
    recorded = read_trajectories(out)
    assert 5 <= len(recorded) < 40  # aborted long before the end, failures recorded
    assert all(t.error is not None and t.error.boundary == "policy" for t in recorded)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "gymforge/Arithmetik-v0", "--out", "x.jsonl"), "did you mean"),
        (("run", ENV, "--policy", "locl", "--out", "x.jsonl"), "'locl'"),
        (("run", ENV, "--tasks", "zero", "--out", "x.jsonl"), "--tasks"),
    ],
)
def test_console_script_bad_input_is_one_message(args: tuple[str, ...], needle: str) -> None:
    proc = _gymforge(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr
