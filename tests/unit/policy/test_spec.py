"""Policy specs: every valid form parses; every malformed one says what is wrong."""

from pathlib import Path

import pytest

from gymforge.errors import ConfigError
from gymforge.policy import (
    DEFAULT_OPENAI_URL,
    ConstantPolicy,
    LocalPolicy,
    OpenAIPolicy,
    OracleFactory,
    OraclePolicy,
    PolicyContext,
    PolicySpec,
    RandomPolicy,
    episode_policy,
    make_policy_factory,
    parse_policy_spec,
    valid_forms,
)
from gymforge.types import Message, Sampling

VALID_FORMS = (
    "oracle, nothing, random, local, local:/path/model.gguf, openai:MODEL, "
    "openai:MODEL@BASE_URL, py:module:factory"
)
CONTEXT = PolicyContext(env_id="t/T-v0", run_id="r", task_id="t/0", sample=0, seed=3)


def test_valid_forms_are_gymforge_kinds_in_order() -> None:
    assert ", ".join(valid_forms()) == VALID_FORMS  # no plugin is installed here


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local", PolicySpec(kind="local")),
        ("local:/models/m.gguf", PolicySpec(kind="local", argument="/models/m.gguf")),
        ("oracle", PolicySpec(kind="oracle")),
        ("nothing", PolicySpec(kind="nothing")),
        (" random ", PolicySpec(kind="random")),
        ("openai:gpt-4o-mini", PolicySpec(kind="openai", argument="gpt-4o-mini")),
        (
            "openai:Qwen/Qwen2.5-7B@http://127.0.0.1:8000/v1",
            PolicySpec(kind="openai", argument="Qwen/Qwen2.5-7B@http://127.0.0.1:8000/v1"),
        ),
        (
            "openai:llama3:8b@https://host.example/v1",
            PolicySpec(kind="openai", argument="llama3:8b@https://host.example/v1"),
        ),
        ("py:my.module:make.policy", PolicySpec(kind="py", argument="my.module:make.policy")),
    ],
)
def test_valid_specs_parse_and_print_back(text: str, expected: PolicySpec) -> None:
    parsed = parse_policy_spec(text)
    assert parsed == expected
    assert parse_policy_spec(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("locl", "unknown policy kind 'locl' (did you mean 'local'?)"),
        ("oracel", "unknown policy kind 'oracel' (did you mean 'oracle'?)"),
        ("nothin", "unknown policy kind 'nothin' (did you mean 'nothing'?)"),
        ("opnai:gpt-4o", "unknown policy kind 'opnai' (did you mean 'openai'?)"),
        ("RANDOM", "unknown policy kind 'RANDOM' (did you mean 'random'?)"),
        ("pyy:mod:f", "unknown policy kind 'pyy' (did you mean 'py'?)"),
        ("vllm:foo", "unknown policy kind 'vllm'. Valid"),
        ("oracle:x", "'oracle' takes no argument after ':'"),
        ("nothing:", "'nothing' takes no argument after ':'"),
        ("random:3", "'random' takes no argument after ':'"),
        ("local:", "'local:' needs a GGUF file path"),
        ("openai", "'openai' needs a model name"),
        ("openai:", "'openai' needs a model name"),
        ("openai:@http://127.0.0.1:8000/v1", "the model name before '@' is empty"),
        ("openai:m@", "the base URL after '@' is empty"),
        ("openai:m@127.0.0.1:8000", "must be an http(s) URL"),
        ("openai:m@ftp://host/v1", "must be an http(s) URL"),
        ("openai:m@http://", "must be an http(s) URL"),
        ("py", "expected py:module:factory"),
        ("py:json", "expected py:module:factory"),
        ("py:json:", "expected py:module:factory"),
        ("py:my-module:f", "expected py:module:factory"),
    ],
)
def test_malformed_specs_name_the_spec_the_problem_and_the_valid_forms(
    text: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy_spec(text)
    message = str(info.value)
    assert message.startswith(f"invalid policy spec {text!r}: ")
    assert problem in message
    assert message.endswith(f"Valid forms: {VALID_FORMS}")


def test_a_hand_built_spec_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="invalid policy spec 'oracle:x'"):
        make_policy_factory(PolicySpec(kind="oracle", argument="x"))
    with pytest.raises(ConfigError, match="unknown policy kind 'nope'"):
        make_policy_factory(PolicySpec(kind="nope"))


def test_far_off_names_get_no_suggestion() -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy_spec("transformers")
    assert "did you mean" not in str(info.value)


def test_a_non_string_spec_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        parse_policy_spec(3)  # type: ignore[arg-type]


class Env:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def reference_action(self) -> Message:
        return Message.assistant(self.answer)


async def test_oracle_factory_binds_a_new_policy_to_each_episodes_env() -> None:
    factory = make_policy_factory("oracle")
    assert isinstance(factory, OracleFactory)
    a = episode_policy(factory, CONTEXT, Env("a"))
    b = episode_policy(factory, CONTEXT, Env("b"))
    assert isinstance(a, OraclePolicy)
    assert isinstance(b, OraclePolicy)
    assert a is not b
    assert (await a.act([], [], seed=0, sampling=Sampling())).content == "a"
    assert (await b.act([], [], seed=0, sampling=Sampling())).content == "b"


def test_other_factories_share_one_instance_and_get_only_the_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for spec, kind in [
        ("random", RandomPolicy),
        ("nothing", ConstantPolicy),
        ("local", LocalPolicy),
        ("openai:m@http://127.0.0.1:8000/v1", OpenAIPolicy),
        ("openai:gpt-4o-mini", OpenAIPolicy),
    ]:
        factory = make_policy_factory(spec)
        assert not isinstance(factory, OracleFactory)
        first = episode_policy(factory, CONTEXT, Env("x"))
        assert isinstance(first, kind)
        assert episode_policy(factory, CONTEXT, Env("y")) is first
    openai_policy = episode_policy(make_policy_factory("openai:gpt-4o-mini"), CONTEXT, Env("x"))
    assert isinstance(openai_policy, OpenAIPolicy)
    assert openai_policy.base_url == DEFAULT_OPENAI_URL


async def test_nothing_replies_empty_text_and_no_calls_every_turn() -> None:
    policy = episode_policy(make_policy_factory("nothing"), CONTEXT, Env("x"))
    assert policy.name == "nothing"
    history = [Message.user("What is 2 + 2?")]
    replies = [await policy.act(history, [], seed=seed, sampling=Sampling()) for seed in (0, 1, 2)]
    for reply in replies:
        assert (reply.role, reply.content, reply.tool_calls) == ("assistant", "", None)
    assert replies[0] is replies[1] is replies[2]  # prebuilt: no work per turn


def test_factory_fails_early_on_a_missing_model_file_or_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        make_policy_factory("local:/nonexistent/model.gguf")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"\$OPENAI_API_KEY is not set"):
        make_policy_factory("openai:gpt-4o-mini")
    with pytest.raises(ConfigError, match="did you mean 'local'"):
        make_policy_factory("locl")


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "spec_policies.py").write_text(
        "from gymforge.policy import ConstantPolicy, OracleFactory\n"
        "SHARED = ConstantPolicy('mine', name='mine')\n"
        "def make(context):\n"
        "    return SHARED\n"
        "class Nested:\n"
        "    make = staticmethod(make)\n"
        "PEEK = OracleFactory()\n"
        "NOT_CALLABLE = 3\n"
    )
    (tmp_path / "spec_broken.py").write_text("raise RuntimeError('module body failed')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.mark.usefixtures("module_dir")
@pytest.mark.parametrize("attr", ["make", "Nested.make"])
def test_py_factory_is_imported_and_called_with_the_context(attr: str) -> None:
    factory = make_policy_factory(f"py:spec_policies:{attr}")
    assert episode_policy(factory, CONTEXT, Env("x")).name == "mine"


@pytest.mark.usefixtures("module_dir")
@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("py:spec_policies:PEEK", "made an OracleFactory, but only the 'oracle' spec is given"),
        ("py:spec_policies:NOT_CALLABLE", "is a int, not a callable"),
        ("py:spec_policies:missing", "module 'spec_policies' has no 'missing'"),
        ("py:no_such_module_xyz:f", "cannot import module 'no_such_module_xyz'"),
        ("py:spec_broken:f", "raised RuntimeError: module body failed"),
    ],
)
def test_py_factories_that_cannot_be_used_are_refused(spec: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_policy_factory(spec)
    assert repr(spec) in str(info.value)
    assert problem in str(info.value)
