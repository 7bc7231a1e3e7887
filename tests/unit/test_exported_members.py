"""Every public package and module lists exactly its public names in __all__ (sorted in packages).

Public means no part of the dotted name starts with ``_``. Names that load on first
use (PEP 562) count: each is fetched, then compared. The front door (`gymforge`),
`gymforge.env`, `gymforge.env.authoring` and the env packages are pinned name by
name, so moving a name in or out of them is a decision the diff shows.
"""

import importlib
import pkgutil

import pytest

import gymforge

PUBLIC = sorted(
    {"gymforge"}
    | {
        m.name
        for m in pkgutil.walk_packages(gymforge.__path__, "gymforge.")
        if not any(part.startswith("_") for part in m.name.split("."))
    }
)

FRONT_DOOR = {
    # the registry, the env base classes and tools
    *("make", "register", "spec", "Env", "ToolEnv", "tool"),
    # the rollout engine
    *("run", "run_async", "RunConfig"),
    # the data types every layer shares, and the root of the error tree
    *("ErrorRecord", "Info", "Message", "Sampling", "Score", "StepResult", "Task"),
    *("ToolCall", "ToolOutcome", "ToolSpec", "Trajectory", "Turn", "GymforgeError"),
}

AUTHORING = {
    "RESET_OPTIONS",
    "SeedStream",
    "TaskBound",
    "answer_tool_calls",
    "episode_trajectory",
    "parse_google_docstring",
    "reference_answer",
    "resolve_task",
    "task_index_for",
    "turn_record",
}

PINNED = {
    "gymforge": FRONT_DOOR,
    "gymforge.env.authoring": AUTHORING,
    "gymforge.env": {
        *("Env", "EnvSpec", "SingleTurnEnv", "Tool", "ToolEnv", "tool"),
        *("ENTRY_POINT_GROUP", "list_envs", "load_plugins", "make", "parse_env_id"),
        *("register", "spec", "WrapperSpec"),
        *("MaxTurns", "TimeLimit", "Wrapper"),
        *("EnvCheckError", "check_env", "oracle_episode", "replay_calls"),
        *("AnyText", "GymnasiumEnv", "decode_observation", "encode_observation", "parse_action"),
    },
    # Env packages: the envs, their families and their documented configuration only.
    "gymforge.envs.arithmetic": {"ArithmeticEnv"},
    "gymforge.envs.calculator": {"CalculatorAgentEnv"},
    "gymforge.envs.classic": {"GymFamily", "GymToolEnv", "ReferencePolicy", "Renderer"},
    "gymforge.envs.games": {
        *("TicTacToeEnv", "ConnectFourEnv", "GameFamily", "KeyDoorEnv", "KeyDoorFamily"),
    },
    "gymforge.envs.python_agent": {"PythonAgentEnv"},
    "gymforge.envs.python_function": {"PythonFunctionEnv"},
    "gymforge.envs.reasoning": {"FamilyGrader", "MultiStepEnv", "ReasoningEnv", "family_grader"},
    "gymforge.envs.retail": {
        *("RetailEnv", "RetailTaskFamily", "ShoppingEnv", "ShoppingTaskFamily"),
        *("WorldConfig", "FaultConfig", "FAULT_KINDS", "generate_world", "world_to_json"),
    },
}


def public_names(name: str) -> set[str]:
    """Names the module defines (or has loaded) that are gymforge's and not private."""
    module = importlib.import_module(name)
    return {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and getattr(v, "__module__", name).startswith("gymforge")
        and not isinstance(v, type(importlib))
    } - {"annotations"}


def check_module(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__: declare its public names"
    if hasattr(module, "__path__"):  # a package's __all__ is its curated, sorted front page
        assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    for item in exported:  # fetches the lazy ones, so that they count below
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which it does not define"
    missing = public_names(name) - set(exported)
    assert not missing, f"{name} defines public names missing from __all__: {sorted(missing)}"
    assert set(exported) <= set(dir(module)), f"dir({name}) leaves out names of its __all__"


@pytest.mark.parametrize("name", PUBLIC)
def test_all_is_sorted_and_complete(name: str) -> None:
    check_module(name)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_public_names(name: str) -> None:
    assert set(importlib.import_module(name).__all__) == PINNED[name]


def test_every_env_package_is_pinned() -> None:
    packages = {n for n in PUBLIC if n.startswith("gymforge.envs.") and n.count(".") == 2}
    assert packages == {n for n in PINNED if n.startswith("gymforge.envs.")}


def test_authoring_plumbing_left_the_front_pages() -> None:
    import gymforge.env

    assert not AUTHORING & set(gymforge.env.__all__)
    assert not AUTHORING & set(gymforge.__all__)
    for name in AUTHORING:
        assert not hasattr(gymforge.env, name), f"gymforge.env still has {name}"
