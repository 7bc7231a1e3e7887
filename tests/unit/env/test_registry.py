from typing import Any

import gymnasium
import pytest

from gymforge.env import (
    MaxTurns,
    SingleTurnEnv,
    TimeLimit,
    _registry,
    list_envs,
    load_plugins,
    make,
    parse_env_id,
    register,
    spec,
)
from gymforge.errors import ConfigError, EnvError, NotFoundError

pytestmark = pytest.mark.usefixtures("clean_registry")


@pytest.fixture
def factory(family: Any, grader: Any) -> Any:
    def build(**kwargs: Any) -> SingleTurnEnv:
        return SingleTurnEnv(family, grader, **kwargs)

    return build


def test_builtins_are_loaded_from_the_entry_point() -> None:
    ids = [s.id for s in list_envs()]
    assert {"gymforge/Arithmetic-v0", "gymforge/CalculatorAgent-v0"} <= set(ids)
    assert ids == sorted(ids)
    load_plugins()  # idempotent
    assert [s.id for s in list_envs()] == ids


def test_register_and_make_with_kwargs(factory: Any) -> None:
    registered = register(
        "test/Count-v0", factory, kwargs={"system_prompt": "A"}, description="d", max_turns=3
    )
    assert spec("test/Count-v0") is registered
    assert (registered.name, registered.version, registered.description) == ("Count", 0, "d")
    env = make("test/Count-v0", system_prompt="B")
    assert isinstance(env, MaxTurns)
    assert env.max_turns == 3
    assert isinstance(env.unwrapped, SingleTurnEnv)
    assert env.unwrapped.system_prompt == "B"
    assert env.spec is not None
    assert dict(env.spec.kwargs) == {"system_prompt": "B"}
    assert repr(env) == "<MaxTurns<SingleTurnEnv test/Count-v0>>"


def test_make_without_kwargs_records_the_registered_spec(factory: Any) -> None:
    registered = register("test/Count-v0", factory, kwargs={"system_prompt": "A"})
    first, second = make("test/Count-v0"), make("test/Count-v0")
    assert first.unwrapped is not second.unwrapped  # every make is a fresh env
    assert first.unwrapped.spec is registered
    assert first.spec is not None
    assert dict(first.spec.kwargs) == {"system_prompt": "A"}
    assert first.unwrapped.system_prompt == "A"  # type: ignore[attr-defined]


def test_make_wrapper_options(factory: Any) -> None:
    register("test/Count-v0", factory)
    assert repr(make("test/Count-v0", max_turns=None)) == "<SingleTurnEnv test/Count-v0>"
    timed = make("test/Count-v0", max_turns=5, time_limit=2.5)
    assert isinstance(timed, TimeLimit)
    assert timed.seconds == 2.5
    assert repr(timed) == "<TimeLimit<MaxTurns<SingleTurnEnv test/Count-v0>>>"


def test_string_entry_point_is_imported_by_make() -> None:
    register(
        "test/Arith-v3", "gymforge.envs.arithmetic._env:ArithmeticEnv", kwargs={"difficulty": 1}
    )
    env = make("test/Arith-v3")
    assert type(env.unwrapped).__name__ == "ArithmeticEnv"


def test_identical_reregistration_is_a_noop_and_a_different_one_fails(factory: Any) -> None:
    first = register("test/Count-v0", factory, max_turns=4)
    assert register("test/Count-v0", factory, max_turns=4) is first
    with pytest.raises(ConfigError, match="already registered.*bump the version"):
        register("test/Count-v0", factory, max_turns=5)


@pytest.mark.parametrize(
    "bad_id", ["Count-v0", "test/Count", "test/Count-v01", "test/Count-vX", "a/b/c-v0", ""]
)
def test_malformed_ids_are_rejected(factory: Any, bad_id: str) -> None:
    with pytest.raises(ValueError, match="namespace/Name-vN"):
        register(bad_id, factory)


def test_bad_registration_arguments(factory: Any) -> None:
    with pytest.raises(ValueError, match="must be 'package.module:Attr'"):
        register("test/Count-v0", "no colon here")
    with pytest.raises(ValueError, match="callable"):
        register("test/Count-v0", 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_turns"):
        register("test/Count-v0", factory, max_turns=0)


def test_parse_env_id() -> None:
    assert parse_env_id("my.org/Tau-Retail-v12") == ("my.org", "Tau-Retail", 12)


def test_unknown_id_suggests_the_closest() -> None:
    with pytest.raises(NotFoundError) as info:
        spec("gymforge/Arithmetik-v0")
    message = str(info.value)
    assert "did you mean 'gymforge/Arithmetic-v0'?" in message
    assert "gymforge list" in message


def test_unknown_id_without_namespace_or_case_suggests_too() -> None:
    with pytest.raises(NotFoundError, match="did you mean 'gymforge/CalculatorAgent-v0'"):
        make("gymforge/calculatoragent-v0")
    with pytest.raises(NotFoundError, match="did you mean 'gymforge/Arithmetic-v0'"):
        make("Arithmetic-v0")


def test_unknown_id_with_nothing_close() -> None:
    with pytest.raises(NotFoundError) as info:
        spec("zzz/Qqqqqq-v9")
    assert "did you mean" not in str(info.value)
    assert "gymforge list" in str(info.value)


def test_wrong_version_lists_the_versions(factory: Any) -> None:
    register("test/Count-v0", factory)
    register("test/Count-v2", factory)
    with pytest.raises(
        NotFoundError, match=r"'test/Count' has no version v1; registered versions: v0, v2"
    ):
        make("test/Count-v1")
    with pytest.raises(NotFoundError, match=r"needs a version; did you mean 'test/Count-v2'"):
        make("test/Count")


def test_empty_registry_points_at_installation() -> None:
    _registry._restore({})
    with pytest.raises(NotFoundError, match="no envs are registered at all.*pip install -e"):
        spec("gymforge/Arithmetic-v0")


def test_broken_entry_points_raise_env_error(family: Any) -> None:
    register("test/Missing-v0", "no_such_module_xyz:Env")
    register("test/NoAttr-v0", "gymforge.env:NoSuchThing")
    register("test/NotEnv-v0", lambda: family)
    with pytest.raises(EnvError, match="cannot import 'no_such_module_xyz'"):
        make("test/Missing-v0")
    with pytest.raises(EnvError, match="has no 'NoSuchThing'"):
        make("test/NoAttr-v0")
    with pytest.raises(EnvError, match="returned CountFamily, not a gymforge Env"):
        make("test/NotEnv-v0")


def test_registration_mirrors_into_gymnasium(factory: Any) -> None:
    register("test/Count-v0", factory, nondeterministic=True)
    gym_spec = gymnasium.spec("test/Count-v0")
    assert gym_spec.entry_point == "gymforge.env._gym:GymnasiumEnv"
    assert gym_spec.kwargs == {"env_id": "test/Count-v0"}
    assert gym_spec.nondeterministic is True


def test_a_failing_third_party_plugin_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeEntryPoint:
        def __init__(self, name: str, value: str, fn: Any) -> None:
            self.name, self.value, self.fn = name, value, fn

        def load(self) -> Any:
            return self.fn

    def broken() -> None:
        raise RuntimeError("boom")

    def good() -> None:
        register("thirdparty/Good-v0", "gymforge.envs.arithmetic._env:ArithmeticEnv")

    eps = [FakeEntryPoint("bad", "other_pkg:broken", broken), FakeEntryPoint("ok", "x:good", good)]
    monkeypatch.setattr(_registry, "entry_points", lambda group: eps)
    monkeypatch.setattr(_registry._PluginState, "loaded", False)
    load_plugins()
    assert spec("thirdparty/Good-v0").id == "thirdparty/Good-v0"

    monkeypatch.setattr(_registry._PluginState, "loaded", False)
    eps[:] = [FakeEntryPoint("builtin", "gymforge.envs:register_builtins", broken)]
    with pytest.raises(EnvError, match="gymforge's env plugin .* failed: boom"):
        load_plugins()
    assert _registry._PluginState.loaded is False


def _fake_envs_package(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> None:
    import sys

    import gymforge.envs

    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.setattr(gymforge.envs, "__path__", [str(tmp_path)])
    # Whatever the test imports under these names is dropped again afterwards.
    for sub in {rel.split("/")[0] for rel in files}:
        for suffix in ("", "._register"):
            name = f"gymforge.envs.{sub}{suffix}"
            monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
            monkeypatch.delitem(sys.modules, name)


def test_register_builtins_discovers_subpackages(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import gymforge.envs

    _fake_envs_package(
        tmp_path,
        monkeypatch,
        {
            # Registration must not import the package itself (its __init__ may be heavy).
            "fake_b/__init__.py": "raise RuntimeError('the package was imported')\n",
            "fake_b/_register.py": (
                "from gymforge.env import register\n"
                "def register_envs():\n"
                "    register('fake/B-v0', 'gymforge.envs.arithmetic._env:ArithmeticEnv')\n"
            ),
            "fake_a/__init__.py": "",
            "_private/__init__.py": "raise RuntimeError('never imported')\n",
            "notapackage.py": "raise RuntimeError('never imported')\n",
        },
    )
    assert gymforge.envs.builtin_subpackages() == ["fake_a", "fake_b"]
    gymforge.envs.register_builtins()
    gymforge.envs.register_builtins()
    assert spec("fake/B-v0").entry_point == "gymforge.envs.arithmetic._env:ArithmeticEnv"
    assert "gymforge.envs.fake_b" not in sys.modules


@pytest.mark.parametrize(
    ("register_py", "match"),
    [
        (
            "def register_envs():\n    raise KeyError('oops')\n",
            "envs of gymforge.envs.fake_c failed",
        ),
        ("x = 1\n", "gymforge.envs.fake_c._register must define register_envs"),
        ("import no_such_module_xyz\n", "envs of gymforge.envs.fake_c failed"),
    ],
)
def test_register_builtins_names_the_broken_subpackage(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, register_py: str, match: str
) -> None:
    import gymforge.envs

    _fake_envs_package(
        tmp_path, monkeypatch, {"fake_c/__init__.py": "", "fake_c/_register.py": register_py}
    )
    with pytest.raises(EnvError, match=match):
        gymforge.envs.register_builtins()
