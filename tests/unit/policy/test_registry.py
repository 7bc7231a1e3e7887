"""Policy kinds come from the ``gymforge.policies`` entry-point group, plugins' and ours.

Plugins are real installed distributions: a ``*.dist-info`` folder with
``entry_points.txt`` on ``sys.path``, found by `importlib.metadata` as pip's would be.
"""

from __future__ import annotations

import importlib
import logging
import sys
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from gymforge.errors import ConfigError
from gymforge.policy import (
    ENTRY_POINT_GROUP,
    PolicyContext,
    PolicyKind,
    _registry,
    episode_policy,
    make_policy_factory,
    parse_policy_spec,
    policy_kinds,
    valid_forms,
)

ROOT = Path(__file__).resolve().parents[3]
CONTEXT = PolicyContext(env_id="t/T-v0", run_id="r", task_id="t/0", sample=0, seed=0)

PLUGIN_MODULE = """
from gymforge.policy import ConstantPolicy, OracleFactory, PolicyKind

LOADED = True

def _make(argument):
    shared = ConstantPolicy(argument or "", name="echo")
    return lambda context: shared

ECHO = PolicyKind("echo", forms=("echo", "echo:TEXT"), make=_make)
PEEK = PolicyKind("peek", forms=("peek",), make=lambda argument: OracleFactory())
MISNAMED = PolicyKind("other", forms=("other",), make=_make)
NOT_A_KIND = 42
FAKE_ORACLE = PolicyKind("oracle", forms=("oracle",), make=_make)
"""


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry that has listed nothing yet (each test installs its own plugins)."""
    monkeypatch.setattr(_registry, "_REGISTRY", _registry._Registry())


@pytest.fixture
def install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> Callable[[dict[str, str]], str]:
    """Install a distribution whose ``gymforge.policies`` entries are the given ones."""

    def install(entries: dict[str, str]) -> str:
        module = f"gf_plugin_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{module}.py").write_text(PLUGIN_MODULE)
        dist = tmp_path / f"{module}-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
        lines = [f"{name} = {value.format(module=module)}" for name, value in entries.items()]
        (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n" + "\n".join(lines) + "\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()
        return module

    return install


def test_pyproject_declares_exactly_gymforges_own_kinds() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert declared == _registry.OWN_ENTRIES
    for name, value in declared.items():
        module, _, attr = value.partition(":")
        kind = getattr(importlib.import_module(module), attr)
        assert isinstance(kind, PolicyKind)
        assert kind.name == name


@pytest.mark.usefixtures("fresh_registry")
def test_gymforges_own_kinds_are_there_without_installed_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_registry, "entry_points", lambda group: ())  # a stale install
    assert [k.name for k in policy_kinds()] == list(_registry.OWN_ENTRIES)
    assert str(parse_policy_spec("nothing")) == "nothing"


def test_a_plugin_kind_is_looked_up_lazily_and_used_like_ours(
    install: Callable[[dict[str, str]], str],
) -> None:
    module = install({"echo": "{module}:ECHO"})
    parse_policy_spec("oracle")  # a lookup of one of ours does not import the plugin
    assert module not in sys.modules
    factory = make_policy_factory("echo:hello")
    assert module in sys.modules
    policy = episode_policy(factory, CONTEXT, env=None)
    assert policy.name == "echo"
    assert valid_forms()[-2:] == ["echo", "echo:TEXT"]  # after gymforge's own


def test_an_unknown_kind_lists_plugin_forms_and_suggests_them(
    install: Callable[[dict[str, str]], str],
) -> None:
    install({"echo": "{module}:ECHO"})
    with pytest.raises(ConfigError) as info:
        parse_policy_spec("ecko:hi")
    message = str(info.value)
    assert "unknown policy kind 'ecko' (did you mean 'echo'?)" in message
    assert message.endswith("py:module:factory, echo, echo:TEXT")


def test_a_broken_plugin_is_logged_and_skipped(
    install: Callable[[dict[str, str]], str], caplog: pytest.LogCaptureFixture
) -> None:
    install(
        {
            "echo": "{module}:ECHO",
            "gone": "no_such_module_xyz:KIND",
            "number": "{module}:NOT_A_KIND",
            "named": "{module}:MISNAMED",
        }
    )
    with caplog.at_level(logging.ERROR, logger="gymforge.policy._registry"):
        forms = valid_forms()
    assert forms[-2:] == ["echo", "echo:TEXT"]  # the working plugin is still there
    logged = caplog.text
    assert "'gone' (no_such_module_xyz:KIND) failed and was skipped: ModuleNotFoundError" in logged
    assert "is a int, not a PolicyKind" in logged
    assert "the entry is named 'named' but its kind is 'other'" in logged
    with pytest.raises(ConfigError, match=r"policy kind 'gone' comes from the plugin .*failed"):
        make_policy_factory("gone")


def test_a_plugin_cannot_take_one_of_gymforges_names(
    install: Callable[[dict[str, str]], str], caplog: pytest.LogCaptureFixture
) -> None:
    install({"oracle": "{module}:FAKE_ORACLE"})
    with caplog.at_level(logging.ERROR, logger="gymforge.policy._registry"):
        kinds = policy_kinds()
    assert [k.name for k in kinds] == list(_registry.OWN_ENTRIES)
    assert "the kind 'oracle' is already gymforge.policy._kinds:ORACLE" in caplog.text


def test_a_plugin_kind_cannot_make_an_oracle(install: Callable[[dict[str, str]], str]) -> None:
    install({"peek": "{module}:PEEK"})
    with pytest.raises(ConfigError, match="only the 'oracle' spec is given the env"):
        make_policy_factory("peek")


@pytest.mark.usefixtures("fresh_registry")
def test_gymforges_own_kind_failing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = dict(_registry.OWN_ENTRIES, nothing="gymforge.policy._kinds:MISSING")
    monkeypatch.setattr(_registry, "OWN_ENTRIES", broken)
    with pytest.raises(ConfigError, match="gymforge's policy kind 'nothing' failed"):
        make_policy_factory("nothing")
