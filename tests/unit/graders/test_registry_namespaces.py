"""Grader registry keys are namespaced: a plugin's `numeric()` registers beside ours."""

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gymforge.errors import NotFoundError
from gymforge.graders import (
    BuiltinGrader,
    _registry,
    grader_factories,
    grader_from_config,
    numeric,
    register_grader,
)
from gymforge.graders._numeric import NumericGrader
from gymforge.types import Score

PLUGIN = '''
from gymforge.graders import BuiltinGrader, register_grader
from gymforge.types import Score


class Half(BuiltinGrader):
    async def grade(self, task, trajectory):
        return Score(value=0.5)


@register_grader
def numeric(*, name: str = "acme_numeric") -> Half:
    """Acme's own numeric grader (it always says 0.5)."""
    return Half(name)
'''


@pytest.fixture
def clean_factories() -> Iterator[None]:
    saved = dict(_registry._FACTORIES)
    try:
        yield
    finally:
        _registry._FACTORIES.clear()
        _registry._FACTORIES.update(saved)


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_factories: None) -> Any:
    package = tmp_path / "acme_graders_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "graders.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("acme_graders_test.graders")
    yield module
    for name in [n for n in sys.modules if n.startswith("acme_graders_test")]:
        del sys.modules[name]


async def test_a_plugin_numeric_registers_beside_ours_and_both_rebuild(
    acme: Any, make_traj: Any
) -> None:
    keys = grader_factories()
    assert {"gymforge/numeric", "acme_graders_test/numeric"} <= set(keys)
    theirs, ours = acme.numeric(), numeric()
    assert theirs.config == {
        "factory": "acme_graders_test/numeric",
        "args": {"name": "acme_numeric"},
    }
    assert ours.config["factory"] == "gymforge/numeric"
    task, traj = make_traj(r"\boxed{3}", answer=3)
    for grader in (theirs, ours):
        rebuilt = grader_from_config(json.loads(json.dumps(grader.config)))
        assert type(rebuilt) is type(grader)
        assert rebuilt.config == grader.config
        assert await rebuilt.grade(task, traj) == await grader.grade(task, traj)
    assert (await theirs.grade(task, traj)).value == 0.5
    assert (await ours.grade(task, traj)).value == 1.0


def test_an_old_bare_key_rebuilds_our_factory() -> None:
    rebuilt = grader_from_config({"factory": "numeric", "args": {"rel_tol": 0.5}})
    assert isinstance(rebuilt, NumericGrader)
    assert rebuilt.config["factory"] == "gymforge/numeric"
    assert rebuilt.config["args"]["rel_tol"] == 0.5  # type: ignore[index]


def test_an_explicit_namespace(clean_factories: None) -> None:
    class Zero(BuiltinGrader):
        async def grade(self, task, trajectory) -> Score:  # type: ignore[no-untyped-def]
            return Score(value=0.0)

    @register_grader(namespace="team.eval")
    def numeric(*, name: str = "zero") -> Zero:
        return Zero(name)

    assert numeric().config["factory"] == "team.eval/numeric"
    assert isinstance(grader_from_config(numeric().config), Zero)
    assert isinstance(grader_from_config({"factory": "numeric", "args": {}}), NumericGrader)


@pytest.mark.parametrize("bad", ["", "a/b", "-x", 3])
def test_a_malformed_namespace_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="grader namespace"):
        register_grader(namespace=bad)  # type: ignore[arg-type]


def test_a_clash_within_one_namespace_is_refused(clean_factories: None) -> None:
    def numeric() -> BuiltinGrader:  # not ours, but claiming our namespace
        raise AssertionError

    with pytest.raises(ValueError, match="'gymforge/numeric' is already registered"):
        register_grader(namespace="gymforge")(numeric)


def test_an_unknown_key_suggests_the_same_name_in_other_namespaces(acme: Any) -> None:
    with pytest.raises(NotFoundError) as info:
        grader_from_config({"factory": "other/numeric", "args": {}})
    assert "did you mean 'acme_graders_test/numeric', 'gymforge/numeric'?" in str(info.value)
