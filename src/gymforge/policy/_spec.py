"""Policy specs: the one-line strings that choose a policy (``--policy openai:MODEL@URL``).

Grammar::

    local                      the bundled SmolLM2-135M-Instruct GGUF, in-process
    local:PATH                 another GGUF file, in-process
    oracle                     the env's reference solution
    random                     seeded random tool calls and text
    openai:MODEL               OpenAI's API (key from $OPENAI_API_KEY)
    openai:MODEL@BASE_URL      any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from gymforge.errors import ConfigError
from gymforge.policy._base import Policy, ReferenceSource
from gymforge.policy._local import LocalPolicy
from gymforge.policy._openai import OpenAIPolicy
from gymforge.policy._oracle import OraclePolicy
from gymforge.policy._random import RandomPolicy

__all__ = ["PolicyFactory", "PolicySpec", "make_policy_factory", "parse_policy_spec"]

PolicyKind = Literal["local", "oracle", "random", "openai"]
PolicyFactory = Callable[[ReferenceSource], Policy]
"""Makes the policy for one episode from that episode's env (its reference source)."""

_KINDS: tuple[PolicyKind, ...] = ("local", "oracle", "random", "openai")
VALID_FORMS = (
    "local",
    "local:/path/model.gguf",
    "oracle",
    "random",
    "openai:MODEL",
    "openai:MODEL@BASE_URL",
)


@dataclass(frozen=True)
class PolicySpec:
    """A parsed policy spec.

    Example:
        >>> parse_policy_spec("openai:qwen2.5@http://127.0.0.1:8000/v1")
        PolicySpec(kind='openai', model='qwen2.5', base_url='http://127.0.0.1:8000/v1', path=None)
        >>> str(parse_policy_spec("local"))
        'local'
    """

    kind: PolicyKind
    """Which backend."""
    model: str | None = None
    """For ``openai``: the model name."""
    base_url: str | None = None
    """For ``openai``: the server URL; None means OpenAI's API."""
    path: str | None = None
    """For ``local``: the GGUF file; None means the bundled SmolLM2."""

    def __str__(self) -> str:
        if self.kind == "openai":
            return f"openai:{self.model}" + (f"@{self.base_url}" if self.base_url else "")
        if self.kind == "local" and self.path:
            return f"local:{self.path}"
        return self.kind


def _bad(spec: str, problem: str) -> ConfigError:
    forms = ", ".join(VALID_FORMS)
    return ConfigError(f"invalid policy spec {spec!r}: {problem}. Valid forms: {forms}")


def parse_policy_spec(spec: str) -> PolicySpec:
    """Parse a policy spec string (grammar in the module docstring).

    Raises:
        TypeError: `spec` is not a string.
        ConfigError: The spec is malformed; the message says why, lists the valid forms
            and suggests the nearest kind for a misspelt one.

    Example:
        >>> parse_policy_spec("local:/models/m.gguf").path
        '/models/m.gguf'
        >>> parse_policy_spec("locl")
        Traceback (most recent call last):
        ...
        gymforge.errors.ConfigError: invalid policy spec 'locl': unknown policy kind 'locl' \
(did you mean 'local'?). Valid forms: local, local:/path/model.gguf, oracle, random, \
openai:MODEL, openai:MODEL@BASE_URL
    """
    if not isinstance(spec, str):
        raise TypeError(f"a policy spec must be a str, got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        raise _bad(spec, "it is empty")
    kind, colon, rest = text.partition(":")
    if kind not in _KINDS:
        near = difflib.get_close_matches(kind.lower(), _KINDS, n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise _bad(spec, f"unknown policy kind {kind!r}{hint}")
    if kind in ("oracle", "random"):
        if colon:
            raise _bad(spec, f"{kind!r} takes no argument after ':'")
        return PolicySpec(kind=kind)
    if kind == "local":
        if colon and not rest.strip():
            raise _bad(spec, "'local:' needs a GGUF file path after ':' (or use plain 'local')")
        return PolicySpec(kind="local", path=rest.strip() or None)
    return _parse_openai(spec, colon, rest)


def _parse_openai(spec: str, colon: str, rest: str) -> PolicySpec:
    if not colon or not rest.strip():
        raise _bad(spec, "'openai' needs a model name: openai:MODEL or openai:MODEL@BASE_URL")
    model, at, url = rest.partition("@")
    model, url = model.strip(), url.strip()
    if not model:
        raise _bad(spec, "the model name before '@' is empty")
    if at and not url:
        raise _bad(spec, "the base URL after '@' is empty")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _bad(
                spec,
                f"the base URL {url!r} must be an http(s) URL such as http://127.0.0.1:8000/v1",
            )
    return PolicySpec(kind="openai", model=model, base_url=url or None)


def make_policy_factory(spec: str | PolicySpec) -> PolicyFactory:
    """A factory ``(source) -> Policy`` for the rollout engine, from a spec.

    Every episode gets the same shared instance (one model, one HTTP client, one
    concurrency cap), except ``oracle``: each episode gets a new `OraclePolicy` bound to
    its own env. The shared instance is built here, so a bad spec, a missing model file
    or a missing runtime fails before any episode starts.

    Raises:
        ConfigError: The spec is malformed or its backend cannot be set up.

    Example:
        >>> factory = make_policy_factory("random")
        >>> factory(None) is factory(None)
        True
    """
    parsed = spec if isinstance(spec, PolicySpec) else parse_policy_spec(spec)
    if parsed.kind == "oracle":
        return OraclePolicy
    shared: Policy
    if parsed.kind == "random":
        shared = RandomPolicy()
    elif parsed.kind == "local":
        shared = LocalPolicy(model_path=parsed.path)
    else:
        shared = OpenAIPolicy(parsed.model or "", base_url=parsed.base_url)

    def factory(source: ReferenceSource) -> Policy:
        return shared

    return factory
