"""The security battery, sandbox level: one adversarial property per test, on every backend.

Contained means: the attack fails or is cut, the host and this process are unaffected,
nothing is left running, and the next run works normally. The grader-level items
(`__eq__` tricks, fake result lines, ...) are in tests/unit/graders/test_code_battery.py.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import gymforge.graders
from gymforge.sandbox import IsolatedSandbox, Limits

Leftovers = Callable[[str], list[int]]
NextRun = Callable[[IsolatedSandbox], None]


def _py(sb: IsolatedSandbox, code: str, limits: Limits, **kw: object):  # type: ignore[no-untyped-def]
    return sb.run_sync(["python", "main.py"], files={"main.py": code}, limits=limits, **kw)  # type: ignore[arg-type]


def test_network_to_host_loopback_is_unreachable(
    sandbox: IsolatedSandbox, fast: Limits, next_run_works: NextRun
) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    port = server.getsockname()[1]
    accepted: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        "    print('CONNECTED')\n"
        "except OSError as e:\n"
        "    print('blocked', type(e).__name__)\n"
    )
    result = _py(sandbox, code, fast)
    thread.join()
    server.close()
    assert "blocked" in result.stdout, result
    assert accepted == []
    next_run_works(sandbox)


def test_network_to_outside_address_has_no_route(
    sandbox: IsolatedSandbox, fast: Limits, next_run_works: NextRun
) -> None:
    # A UDP connect() sends no packet: it only asks the kernel for a route. Inside
    # the sandbox there is none; the interface list has nothing but loopback.
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n"
        "    s.connect(('192.0.2.1', 9))\n"
        "    print('ROUTED')\n"
        "except OSError as e:\n"
        "    print('blocked', e.errno)\n"
        "print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))\n"
    )
    result = _py(sandbox, code, fast)
    assert "blocked" in result.stdout, result
    assert "['lo']" in result.stdout
    next_run_works(sandbox)


_READ = (
    "try:\n    print(open({path!r}).read()[:40])\n"
    "except OSError as e:\n    print('denied', e.errno)\n"
)


def test_reading_etc_shadow_fails(sandbox: IsolatedSandbox, fast: Limits) -> None:
    code = _READ.format(path="/etc/shadow")
    result = _py(sandbox, code, fast)
    assert result.stdout.startswith("denied"), result
    assert "root:" not in result.stdout


def test_reading_hidden_tests_on_disk_fails(
    sandbox: IsolatedSandbox, fast: Limits, tmp_path: Path
) -> None:
    hidden = tmp_path / "hidden_tests.json"
    hidden.write_text('{"expected": "SECRET-EXPECTED-42"}')
    code = _READ.format(path=str(hidden))
    result = _py(sandbox, code, fast)
    assert "SECRET-EXPECTED-42" not in result.stdout
    assert result.stdout.startswith("denied"), result


def test_host_environment_variables_do_not_leak(
    sandbox: IsolatedSandbox, fast: Limits, monkeypatch: object
) -> None:
    os.environ["GYMFORGE_TEST_SECRET"] = "hunter2-leak-check"
    try:
        code = (
            "import os\n"
            "print(sorted(os.environ))\n"
            "for pid in os.listdir('/proc'):\n"
            "    if pid.isdigit():\n"
            "        try: print(open(f'/proc/{pid}/environ','rb').read())\n"
            "        except OSError: pass\n"
        )
        result = _py(sandbox, code, fast)
    finally:
        del os.environ["GYMFORGE_TEST_SECRET"]
    assert result.ok, result
    assert "hunter2-leak-check" not in result.stdout
    assert "GYMFORGE_TEST_SECRET" not in result.stdout


def test_grader_source_is_invisible(sandbox: IsolatedSandbox, fast: Limits) -> None:
    source = Path(gymforge.graders.__file__).resolve()
    code = (
        "import os\n"
        f"print(os.path.exists({str(source)!r}), os.path.exists({str(source.parents[2])!r}))\n"
        "try:\n    import gymforge\n    print('IMPORTED')\n"
        "except ImportError:\n    print('no gymforge')\n"
    )
    result = _py(sandbox, code, fast)
    assert result.stdout == "False False\nno gymforge\n", result


def test_writing_outside_the_working_dir_does_not_reach_the_host(
    sandbox: IsolatedSandbox, fast: Limits, tmp_path: Path, next_run_works: NextRun
) -> None:
    targets = [str(tmp_path / "pwned"), "/usr/pwned-by-sandbox", "/etc/pwned-by-sandbox"]
    code = (
        "import json\n"
        f"for t in {targets!r}:\n"
        "    try:\n        open(t, 'w').write('x'); print('wrote', t)\n"
        "    except OSError as e:\n        print('denied', t, e.errno)\n"
        "open('/tmp/leftover', 'w').write('state')\n"
        "open('inside.txt', 'w').write('fine')\n"
    )
    result = _py(sandbox, code, fast)
    assert result.ok, result
    assert all(not Path(t).exists() for t in targets)
    assert "wrote /usr" not in result.stdout
    # /tmp and the working dir are wiped between runs: no state crosses.
    after = _py(sandbox, "import os\nprint(os.listdir('/tmp'), os.listdir('.'))\n", fast)
    assert after.stdout == "[] ['main.py']\n", after
    next_run_works(sandbox)


def test_fork_bomb_is_contained(
    sandbox: IsolatedSandbox, leftovers: Leftovers, next_run_works: NextRun
) -> None:
    limits = Limits(wall=1.5, cpu=2, processes=16)
    code = (
        "import os, time\n"
        "# fork-bomb-marker-7731\n"
        "while True:\n"
        "    try:\n        os.fork()\n"
        "    except OSError:\n        time.sleep(0.01)\n"
    )
    result = _py(sandbox, code, limits)
    assert result.timed_out, result
    assert leftovers("fork-bomb-marker-7731") == []
    next_run_works(sandbox)


def test_memory_bomb_is_contained(sandbox: IsolatedSandbox, next_run_works: NextRun) -> None:
    limits = Limits(wall=3.0, memory=128 * 1024 * 1024)
    result = _py(
        sandbox, "chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))\n", limits
    )
    assert result.out_of_memory, result
    assert not result.ok
    next_run_works(sandbox)


def test_cpu_spin_hits_the_cpu_limit(sandbox: IsolatedSandbox, next_run_works: NextRun) -> None:
    result = _py(sandbox, "while True:\n    pass\n", Limits(wall=10.0, cpu=1))
    assert result.timed_out, result
    assert result.cpu_time >= 0.5
    next_run_works(sandbox)


def test_infinite_output_is_cut_with_a_marker(
    sandbox: IsolatedSandbox, next_run_works: NextRun
) -> None:
    result = _py(sandbox, "while True:\n    print('x' * 1000)\n", Limits(wall=5.0, output=10_000))
    assert result.output_truncated, result
    assert "output truncated" in result.stdout
    assert len(result.stdout) < 10_200
    next_run_works(sandbox)


def test_sleeping_past_the_timeout_is_killed(
    sandbox: IsolatedSandbox, next_run_works: NextRun
) -> None:
    result = _py(
        sandbox, "import time\nprint('start', flush=True)\ntime.sleep(60)\n", Limits(wall=0.5)
    )
    assert result.timed_out, result
    assert result.stdout == "start\n"
    assert result.duration < 30
    next_run_works(sandbox)


def test_killing_the_parent_and_every_process_is_harmless(
    sandbox: IsolatedSandbox, fast: Limits, next_run_works: NextRun
) -> None:
    code = (
        "import os, signal\n"
        "for target in (os.getppid(), 1, -1):\n"
        "    try:\n        os.kill(target, signal.SIGKILL)\n"
        "    except OSError as e:\n        print('denied', target, e.errno)\n"
        "print('alive')\n"
    )
    result = _py(sandbox, code, fast)
    # Either the job manager survived and reports, or the sandbox says it was lost:
    # never a hang, never an exception in this process.
    assert result.error is not None or "alive" in result.stdout, result
    next_run_works(sandbox)


def test_background_processes_are_not_left_behind(
    sandbox: IsolatedSandbox, fast: Limits, leftovers: Leftovers, next_run_works: NextRun
) -> None:
    code = (
        "import os, subprocess\n"
        "subprocess.Popen(['sleep', '4242.5'], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.execvp('sleep', ['sleep', '4242.5'])\n"
        "    os._exit(0)\n"
        "print('bye')\n"
    )
    result = _py(sandbox, code, fast)
    assert result.ok, result
    assert leftovers("4242.5") == []
    next_run_works(sandbox)
