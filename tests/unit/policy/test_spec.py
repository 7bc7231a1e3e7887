"""Policy specs: every valid form parses; every malformed one says what is wrong."""

import pytest

from gymforge.errors import ConfigError
from gymforge.policy import (
    DEFAULT_OPENAI_URL,
    LocalPolicy,
    OpenAIPolicy,
    OraclePolicy,
    PolicySpec,
    RandomPolicy,
    make_policy_factory,
    parse_policy_spec,
)
from gymforge.types import Message, Sampling

VALID_FORMS = "local, local:/path/model.gguf, oracle, random, openai:MODEL, openai:MODEL@BASE_URL"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local", PolicySpec(kind="local")),
        ("local:/models/m.gguf", PolicySpec(kind="local", path="/models/m.gguf")),
        ("oracle", PolicySpec(kind="oracle")),
        (" random ", PolicySpec(kind="random")),
        ("openai:gpt-4o-mini", PolicySpec(kind="openai", model="gpt-4o-mini")),
        (
            "openai:Qwen/Qwen2.5-7B@http://127.0.0.1:8000/v1",
            PolicySpec(kind="openai", model="Qwen/Qwen2.5-7B", base_url="http://127.0.0.1:8000/v1"),
        ),
        (
            "openai:llama3:8b@https://host.example/v1",
            PolicySpec(kind="openai", model="llama3:8b", base_url="https://host.example/v1"),
        ),
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
        ("opnai:gpt-4o", "unknown policy kind 'opnai' (did you mean 'openai'?)"),
        ("RANDOM", "unknown policy kind 'RANDOM' (did you mean 'random'?)"),
        ("vllm:foo", "unknown policy kind 'vllm'. Valid"),
        ("oracle:x", "'oracle' takes no argument after ':'"),
        ("random:3", "'random' takes no argument after ':'"),
        ("local:", "'local:' needs a GGUF file path"),
        ("openai", "'openai' needs a model name"),
        ("openai:", "'openai' needs a model name"),
        ("openai:@http://127.0.0.1:8000/v1", "the model name before '@' is empty"),
        ("openai:m@", "the base URL after '@' is empty"),
        ("openai:m@127.0.0.1:8000", "must be an http(s) URL"),
        ("openai:m@ftp://host/v1", "must be an http(s) URL"),
        ("openai:m@http://", "must be an http(s) URL"),
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
    a, b = factory(Env("a")), factory(Env("b"))
    assert isinstance(a, OraclePolicy)
    assert isinstance(b, OraclePolicy)
    assert a is not b
    assert (await a.act([], [], seed=0, sampling=Sampling())).content == "a"
    assert (await b.act([], [], seed=0, sampling=Sampling())).content == "b"


def test_other_factories_share_one_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for spec, kind in [
        ("random", RandomPolicy),
        ("local", LocalPolicy),
        ("openai:m@http://127.0.0.1:8000/v1", OpenAIPolicy),
        ("openai:gpt-4o-mini", OpenAIPolicy),
    ]:
        factory = make_policy_factory(spec)
        first = factory(Env("x"))
        assert isinstance(first, kind)
        assert factory(Env("y")) is first
    openai_policy = make_policy_factory("openai:gpt-4o-mini")(Env("x"))
    assert isinstance(openai_policy, OpenAIPolicy)
    assert openai_policy.base_url == DEFAULT_OPENAI_URL


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
