import json
import pickle
import re

import pytest

from gymforge.errors import ConfigError, NotFoundError
from gymforge.graders import (
    BuiltinGrader,
    Grader,
    env_reward,
    exact_match,
    gate,
    grader_factories,
    grader_from_config,
    json_schema,
    numeric,
    product,
    regex_match,
    register_grader,
    weighted_sum,
)
from gymforge.types import Score

BUILT_IN = [
    exact_match(),
    numeric(percent_ok=True),
    regex_match(r"\d+", flags=re.IGNORECASE, on="answer"),
    json_schema({"type": "object"}),
    env_reward(),
    weighted_sum({"a": (exact_match(), 1.0), "b": (numeric(), 0.0)}),
    gate(regex_match("x", name="fmt"), numeric()),
    product(exact_match(), env_reward()),
]


@pytest.mark.parametrize("grader", BUILT_IN, ids=lambda g: g.name)
async def test_built_ins_satisfy_the_protocol_pickle_and_grade_the_same(grader, make_traj) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(grader, Grader)
    clone = pickle.loads(pickle.dumps(grader))
    assert clone.config == grader.config
    task, traj = make_traj('Answer: 3\n{"a": 1} x', answer=3, rewards=[1.0])
    assert await clone.grade(task, traj) == await grader.grade(task, traj)


@pytest.mark.parametrize("grader", BUILT_IN, ids=lambda g: g.name)
def test_config_is_json_and_names_the_factory(grader) -> None:  # type: ignore[no-untyped-def]
    config = json.loads(json.dumps(grader.config))
    assert config["factory"] == f"gymforge/{grader.name}"
    assert config["factory"] in grader_factories()


def test_config_records_bound_arguments_and_children() -> None:
    g = numeric(rel_tol=0.01, extract=["boxed"])
    assert g.config == {
        "factory": "gymforge/numeric",
        "args": {
            "rel_tol": 0.01,
            "abs_tol": 1e-9,
            "extract": ["boxed"],
            "percent_ok": False,
            "name": "numeric",
        },
    }
    assert regex_match(r"\d", flags=re.I).config["args"]["flags"] == re.I.value
    composite = weighted_sum({"m": (exact_match(), 0.5)})
    assert composite.config["args"]["parts"] == {"m": [exact_match().config, 0.5]}
    assert product(env_reward()).config["args"]["graders"] == [env_reward().config]
    assert repr(env_reward()) == "env_reward(name='env_reward')"


def test_registry_lists_built_ins_and_refuses_a_name_clash() -> None:
    ours = {"env_reward", "exact_match", "gate", "json_schema", "numeric", "product"}
    assert {f"gymforge/{name}" for name in ours} <= set(grader_factories())

    def exact_match() -> BuiltinGrader:  # a different function under a taken key
        raise AssertionError

    with pytest.raises(ValueError, match="already registered"):
        register_grader(namespace="gymforge")(exact_match)


def test_custom_factories_get_the_same_logging() -> None:
    class Half(BuiltinGrader):
        async def grade(self, task, trajectory) -> Score:  # type: ignore[no-untyped-def]
            return Score(value=0.5)

    @register_grader
    def half_for_test(*, name: str = "half") -> Half:
        return Half(name)

    key = f"{__name__.split('.')[0]}/half_for_test"  # the namespace: this module's package
    assert half_for_test(name="h").config == {"factory": key, "args": {"name": "h"}}
    assert key in grader_factories()


@pytest.mark.parametrize("bad", ["", "a/b", 3])
def test_bad_grader_names(bad: object) -> None:
    with pytest.raises(ValueError, match="grader name"):
        exact_match(name=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("grader", BUILT_IN, ids=lambda g: g.name)
async def test_rebuilt_from_its_json_config_it_is_the_same_grader(grader, make_traj) -> None:  # type: ignore[no-untyped-def]
    rebuilt = grader_from_config(json.loads(json.dumps(grader.config)))
    assert type(rebuilt) is type(grader)
    assert rebuilt.config == grader.config
    task, traj = make_traj('Answer: 3\n{"a": 1} x', answer=3, rewards=[1.0])
    assert await rebuilt.grade(task, traj) == await grader.grade(task, traj)


def test_rebuilding_bad_configs() -> None:
    with pytest.raises(
        NotFoundError,
        match="no grader factory named 'exact_mach'; did you mean 'gymforge/exact_match'",
    ):
        grader_from_config({"factory": "exact_mach", "args": {}})
    with pytest.raises(ConfigError, match="not a grader config"):
        grader_from_config({"factory": "exact_match"})
    with pytest.raises(ConfigError, match=r"has no argument\(s\) \['tolerance'\]"):
        grader_from_config({"factory": "numeric", "args": {"tolerance": 1}})
    with pytest.raises(ConfigError, match="cannot rebuild grader 'numeric': rel_tol"):
        grader_from_config({"factory": "numeric", "args": {"rel_tol": -1}})
