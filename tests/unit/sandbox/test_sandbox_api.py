"""The sandbox API: results, limits, bad input, backends by name, reaping, async use."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest

from gymforge.errors import ConfigError, SandboxError
from gymforge.sandbox import (
    BwrapBackend,
    IsolatedSandbox,
    Limits,
    ProcessBackend,
    Sandbox,
    backend_names,
    default_backend_name,
    get_sandbox,
)
from gymforge.sandbox._backends import supervisor_source


def test_backends_by_name_and_default() -> None:
    assert backend_names() == ["bwrap", "process"]
    assert default_backend_name() == "bwrap"  # bubblewrap is installed by the project
    with pytest.raises(ConfigError, match="choose one of"):
        get_sandbox("docker")


def test_missing_tooling_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert not BwrapBackend().available()
    with pytest.raises(SandboxError, match="apt-get install -y bubblewrap"):
        get_sandbox("bwrap")
    with pytest.raises(SandboxError, match="util-linux"):
        get_sandbox("process")


def test_result_fields_and_exit_codes(sandbox: IsolatedSandbox, fast: Limits) -> None:
    assert isinstance(sandbox, Sandbox)
    ok = sandbox.run_sync(
        ["python", "-c", "import sys; print('out'); print('err', file=sys.stderr)"]
    )
    assert (ok.stdout, ok.stderr, ok.exit_code, ok.ok) == ("out\n", "err\n", 0, True)
    bad = sandbox.run_sync(["python", "-c", "raise SystemExit(3)"], limits=fast)
    assert (bad.exit_code, bad.ok, bad.outcome) == (3, False, "exited 3")
    boom = sandbox.run_sync(["python", "-c", "1/0"], limits=fast)
    assert boom.exit_code == 1
    assert "ZeroDivisionError" in boom.stderr
    killed = sandbox.run_sync(["sh", "-c", "kill -9 $$"], limits=fast)
    assert (killed.signal, killed.exit_code) == (9, None)


def test_files_stdin_and_exec_mode(sandbox: IsolatedSandbox, fast: Limits) -> None:
    files = {
        "pkg/data.txt": "hello",
        "main.py": "import sys\nprint(open('pkg/data.txt').read(), sys.stdin.read(), sys.argv[1:])",
    }
    result = sandbox.run_sync(["python", "main.py", "a", "b"], files=files, stdin="in", limits=fast)
    assert result.stdout == "hello in ['a', 'b']\n", result
    shell = sandbox.run_sync(["sh", "-c", "cat pkg/data.txt; wc -c < pkg/data.txt"], files=files)
    assert shell.stdout == "hello5\n"
    unbuffered = sandbox.run_sync(["python3", "-u", "-c", "print(2 + 2)"], limits=fast)
    assert unbuffered.stdout == "4\n"


def test_non_utf8_output_is_replaced_not_raised(sandbox: IsolatedSandbox, fast: Limits) -> None:
    code = (
        "import sys\nsys.stdout.buffer.write(b'ok\\xff\\xfe\\n'); sys.stderr.buffer.write(b'\\x80')"
    )
    result = sandbox.run_sync(["python", "-c", code], limits=fast)
    assert (result.stdout, result.stderr) == ("ok\ufffd\ufffd\n", "\ufffd"), result


def test_binary_files_round_trip(sandbox: IsolatedSandbox, fast: Limits) -> None:
    blob = bytes(range(256))
    code = "import hashlib\nprint(hashlib.sha256(open('blob.bin','rb').read()).hexdigest())"
    result = sandbox.run_sync(["python", "-c", code], files={"blob.bin": blob}, limits=fast)
    import hashlib

    assert result.stdout.strip() == hashlib.sha256(blob).hexdigest()


def test_huge_input_file_is_refused_with_the_limit(sandbox: IsolatedSandbox) -> None:
    with pytest.raises(ValueError, match="Limits.file_size"):
        sandbox.run_sync(["true"], files={"big": b"x" * 2000}, limits=Limits(file_size=1000))


def test_huge_file_written_by_the_program_is_cut(sandbox: IsolatedSandbox) -> None:
    code = (
        "f = open('big', 'wb')\ntry:\n    f.write(b'x' * 100000); f.flush()\n"
        "except OSError as e:\n    print('refused', e.errno)"
    )
    result = sandbox.run_sync(["python", "-c", code], limits=Limits(file_size=10_000))
    assert result.stdout.startswith("refused 27"), result  # EFBIG


def test_code_that_is_not_python_and_empty_programs(sandbox: IsolatedSandbox, fast: Limits) -> None:
    shell = sandbox.run_sync(
        ["python", "main.py"], files={"main.py": "echo hi && ls\n"}, limits=fast
    )
    assert shell.exit_code == 1
    assert "SyntaxError" in shell.stderr
    empty = sandbox.run_sync(["python", "main.py"], files={"main.py": ""}, limits=fast)
    assert (empty.ok, empty.stdout) == (True, "")
    missing = sandbox.run_sync(["no-such-program"], limits=fast)
    assert missing.exit_code == 127
    assert "no-such-program" in missing.stderr


@pytest.mark.parametrize("name", ["/etc/passwd", "../up", "a/../../b", ""])
def test_file_names_must_stay_inside(sandbox: IsolatedSandbox, name: str) -> None:
    with pytest.raises(ValueError, match="relative path"):
        sandbox.run_sync(["true"], files={name: "x"})


def test_bad_argv_is_a_type_error(sandbox: IsolatedSandbox) -> None:
    with pytest.raises(TypeError, match="argv"):
        sandbox.run_sync("python -c 1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="argv"):
        sandbox.run_sync([])


def test_network_opt_in_shares_the_host_network(fast: Limits) -> None:
    with get_sandbox("process", pool_size=1) as sb:
        code = (
            "print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))"
        )
        shared = sb.run_sync(
            ["python", "-c", code], limits=fast.model_copy(update={"network": True})
        )
        private = sb.run_sync(["python", "-c", code], limits=fast)
    assert private.stdout == "['lo']\n"
    assert shared.ok
    assert shared.stdout != private.stdout


async def test_many_concurrent_callers_share_a_bounded_pool(fast: Limits) -> None:
    async with get_sandbox(pool_size=2) as sb:
        results = await asyncio.gather(
            *(sb.run(["python", "-c", f"print({i} * 2)"], limits=fast) for i in range(40))
        )
        assert [r.stdout for r in results] == [f"{i * 2}\n" for i in range(40)]
        assert len(sb._all) <= 2


def test_one_shot_mode_and_close_reaps_everything(
    fast: Limits, leftovers: Callable[[str], list[int]]
) -> None:
    from gymforge.sandbox._supervisor import MARKER

    before = set(leftovers(MARKER))
    for warm in (False, True):
        sb = get_sandbox(pool_size=2, warm=warm)
        assert sb.run_sync(["python", "-c", "print(1)"], limits=fast).stdout == "1\n"
        sb.close()
        sb.close()  # twice is harmless
        with pytest.raises(SandboxError, match="closed"):
            sb.run_sync(["true"])
    assert set(leftovers(MARKER)) <= before
    assert MARKER in supervisor_source()


def test_state_does_not_cross_runs(sandbox: IsolatedSandbox, fast: Limits) -> None:
    first = (
        "import json, sys\njson.dumps = None\nsys.modules['math'].pi = 3\n"
        "open('/tmp/x','w').write('1')"
    )
    sandbox.run_sync(["python", "-c", first], limits=fast)
    second = (
        "import json, math, os\nprint(json.dumps is not None, math.pi > 3.1, os.listdir('/tmp'))"
    )
    assert sandbox.run_sync(["python", "-c", second], limits=fast).stdout == "True True []\n"


class _Custom(ProcessBackend):
    name = "custom"


def test_backends_from_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from gymforge.sandbox import ENTRY_POINT_GROUP

    here = f"{__name__}:_Custom"
    plugin = importlib.metadata.EntryPoint(name="custom", value=here, group=ENTRY_POINT_GROUP)
    broken = importlib.metadata.EntryPoint(
        name="broken", value="no.such:X", group=ENTRY_POINT_GROUP
    )

    def fake(*, group: str) -> list[importlib.metadata.EntryPoint]:
        return [plugin, broken] if group == ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    monkeypatch.setitem(sys.modules, __name__, sys.modules[__name__])
    assert backend_names() == ["bwrap", "custom", "process"]
    with get_sandbox("custom", pool_size=1) as sb:
        assert sb.name == "custom"
        assert sb.run_sync(["python", "-c", "print(1)"]).stdout == "1\n"
