"""``import gymforge`` registers every env, with us and with Gymnasium, and imports little else.

Each check runs in a fresh interpreter, since this one has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

OPTIONAL = (
    "openai",
    "jsonschema",
    "rich",
    "typer",
    "sympy",
    "math_verify",
    "llama_cpp",
    "fastapi",
    "uvicorn",
    "websockets",
    "httpx",
    "ray",
    "torch",
    "transformers",
)
"""Extras, and core dependencies that only some parts of gymforge need."""

NOT_AT_IMPORT = (
    "pydantic",
    "asyncio",
    "gymforge.types",
    "gymforge.graders",
    "gymforge.tasks",
    "gymforge.policy",
    "gymforge.sandbox",
    "gymforge.rollout",
    "gymforge.cli",
    "gymforge.server",
)
"""What registering envs does not need: the data types and every other layer."""


def run_fresh(code: str) -> dict[str, object]:
    """Run `code` in a new interpreter on this one's path; it prints one JSON object."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def loaded(modules: object, names: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return sorted({n for n in names for m in modules if m == n or m.startswith(n + ".")})


def env_code(modules: object) -> list[str]:
    """The env packages whose code (anything but ``_register``) is in `modules`."""
    assert isinstance(modules, list)
    return sorted(
        {
            ".".join(m.split(".")[:3])
            for m in modules
            if m.startswith("gymforge.envs.") and not m.endswith("._register")
        }
    )


def test_import_registers_every_env_and_loads_nothing_optional() -> None:
    report = run_fresh(
        """
        import json, sys
        import gymforge
        after_import = sorted(sys.modules)
        import gymnasium
        gym_ids = sorted(i for i in gymnasium.registry if i.startswith("gymforge/"))
        ours = sorted(s.id for s in gymforge.env.list_envs())
        print(json.dumps({"modules": after_import, "gym_ids": gym_ids, "ours": ours}))
        """
    )
    assert loaded(report["modules"], OPTIONAL) == []
    assert loaded(report["modules"], NOT_AT_IMPORT) == []
    assert env_code(report["modules"]) == []  # only each env package's _register.py ran
    ours = report["ours"]
    assert isinstance(ours, list)
    assert "gymforge/Arithmetic-v0" in ours
    assert report["gym_ids"] == ours  # registered with Gymnasium at import, every one


def test_make_of_a_simple_env_loads_nothing_optional() -> None:
    report = run_fresh(
        """
        import asyncio, json, sys
        import gymforge
        env = gymforge.make("gymforge/Arithmetic-v0")
        asyncio.run(env.reset(seed=0))
        print(json.dumps({"modules": sorted(sys.modules)}))
        """
    )
    assert loaded(report["modules"], OPTIONAL) == []
    assert env_code(report["modules"]) == ["gymforge.envs.arithmetic"], "other envs' code loaded"


def test_gymnasium_make_works_after_import_gymforge() -> None:
    report = run_fresh(
        """
        import json
        import gymnasium, gymforge
        env = gymnasium.make("gymforge/Arithmetic-v0")
        obs, info = env.reset(seed=0)
        _, reward, terminated, truncated, _ = env.step("\\\\boxed{-1}")
        env.close()
        print(json.dumps({"obs": obs, "terminated": terminated, "reward": reward}))
        """
    )
    assert isinstance(report["obs"], str)
    assert report["obs"].startswith("[")  # a JSON array of messages
    assert report["terminated"] is True
    assert report["reward"] in (0.0, 1.0)


def test_front_door_names_load_on_first_use() -> None:
    report = run_fresh(
        """
        import json, sys
        import gymforge
        before = "gymforge.types" in sys.modules
        from gymforge import Message, RunConfig
        print(json.dumps({
            "before": before,
            "same": Message is sys.modules["gymforge.types"].Message,
            "cached": "Message" in vars(gymforge),
            "config": RunConfig is sys.modules["gymforge.rollout"].RunConfig,
        }))
        """
    )
    assert report == {
        "before": False,
        "same": True,
        "cached": True,
        "config": True,
    }
