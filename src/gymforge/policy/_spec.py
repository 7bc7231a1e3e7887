"""Policy specs: the one-line strings that choose a policy (``--policy openai:MODEL@URL``).

A spec is ``KIND`` or ``KIND:ARGUMENT``; the kind comes from the ``gymforge.policies``
entry-point group (`policy_kinds`). gymforge's own kinds::

    oracle                     the env's reference solution (the only policy given the env)
    nothing                    the do-nothing baseline: empty text, no calls, every turn
    random                     seeded random tool calls and text
    local                      the bundled SmolLM2-135M-Instruct GGUF, in-process
    local:PATH                 another GGUF file, in-process
    openai:MODEL               OpenAI's API (key from $OPENAI_API_KEY)
    openai:MODEL@BASE_URL      any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1
    py:module:factory          your own factory (context: PolicyContext) -> Policy
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from gymforge.errors import ConfigError
from gymforge.policy._context import OracleFactory, PolicyFactory
from gymforge.policy._kinds import ORACLE, PolicyKind
from gymforge.policy._registry import lookup_kind, policy_kinds

__all__ = ["PolicySpec", "make_policy_factory", "parse_policy_spec", "valid_forms"]


@dataclass(frozen=True)
class PolicySpec:
    """A parsed policy spec: its kind and the argument after ':'.

    Example:
        >>> parse_policy_spec("openai:qwen2.5@http://127.0.0.1:8000/v1")
        PolicySpec(kind='openai', argument='qwen2.5@http://127.0.0.1:8000/v1')
        >>> str(parse_policy_spec(" local "))
        'local'
    """

    kind: str
    """The kind's name, e.g. "openai"."""
    argument: str | None = None
    """What follows the first ':' (None when there is no ':')."""

    def __str__(self) -> str:
        return self.kind if self.argument is None else f"{self.kind}:{self.argument}"


def valid_forms() -> list[str]:
    """Every spec form of every kind: gymforge's own, then installed plugins'.

    Example:
        >>> valid_forms()[:3]
        ['oracle', 'nothing', 'random']
    """
    return [form for kind in policy_kinds() for form in kind.forms]


def _bad(spec: str, problem: str) -> ConfigError:
    forms = ", ".join(valid_forms())
    return ConfigError(f"invalid policy spec {spec!r}: {problem}. Valid forms: {forms}")


def _kind(spec: str, name: str) -> PolicyKind:
    found = lookup_kind(name)
    if found is not None:
        return found
    names = [kind.name for kind in policy_kinds()]
    near = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise _bad(spec, f"unknown policy kind {name!r}{hint}")


def parse_policy_spec(spec: str) -> PolicySpec:
    """Parse a policy spec string and check its argument, building nothing.

    Raises:
        TypeError: `spec` is not a string.
        ConfigError: The spec is malformed; the message says why, lists every valid
            form (plugins' included) and suggests the nearest kind for a misspelt one.

    Example:
        >>> parse_policy_spec("local:/models/m.gguf").argument
        '/models/m.gguf'
        >>> parse_policy_spec("locl")
        Traceback (most recent call last):
        ...
        gymforge.errors.ConfigError: invalid policy spec 'locl': unknown policy kind 'locl' \
(did you mean 'local'?). Valid forms: oracle, nothing, random, local, \
local:/path/model.gguf, openai:MODEL, openai:MODEL@BASE_URL, py:module:factory
    """
    if not isinstance(spec, str):
        raise TypeError(f"a policy spec must be a str, got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        raise _bad(spec, "it is empty")
    name, colon, rest = text.partition(":")
    kind = _kind(spec, name)
    parsed = PolicySpec(kind=kind.name, argument=rest if colon else None)
    try:
        kind.check(parsed.argument)
    except ValueError as exc:
        raise _bad(spec, str(exc)) from None
    return parsed


def make_policy_factory(spec: str | PolicySpec) -> PolicyFactory:
    """The policy factory of a spec, for the rollout engine (``gymforge run --policy``).

    Shared backends (``random``, ``nothing``, ``local``, ``openai``) hand every episode
    one instance (one model, one HTTP client, one concurrency cap), built here, so a bad
    spec, a missing model file or a missing runtime fails before any episode starts.
    ``oracle`` is an `OracleFactory`: the only factory the engine gives the env. A
    ``py:`` factory or a plugin kind is called with each episode's `PolicyContext`;
    one that turns out to be an `OracleFactory` is refused.

    Raises:
        ConfigError: The spec is malformed, names nothing importable, or its backend
            cannot be set up.

    Example:
        >>> from gymforge.policy import PolicyContext
        >>> factory = make_policy_factory("nothing")
        >>> context = PolicyContext(env_id="a/B-v0", run_id="r", task_id="t", sample=0, seed=1)
        >>> factory(context) is factory(context)
        True
    """
    parsed = spec if isinstance(spec, PolicySpec) else parse_policy_spec(spec)
    text = str(parsed)
    kind = _kind(text, parsed.kind)
    try:
        kind.check(parsed.argument)
        factory = kind.make(parsed.argument)
    except ValueError as exc:
        raise _bad(text, str(exc)) from None
    if isinstance(factory, OracleFactory) and kind is not ORACLE:
        raise ConfigError(
            f"policy spec {text!r} made an OracleFactory, but only the 'oracle' spec is given "
            "the env: a py: or plugin factory is called with a PolicyContext, never the task"
        )
    if not callable(factory) and not isinstance(factory, OracleFactory):
        raise ConfigError(
            f"policy spec {text!r}: the kind {kind.name!r} made a {type(factory).__name__}, "
            "not a policy factory (a callable (context: PolicyContext) -> Policy)"
        )
    return factory
