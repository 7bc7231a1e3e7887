"""Policy kinds: what the first word of a policy spec names, gymforge's own included.

A kind turns the argument after ``KIND:`` into a policy factory. gymforge's kinds are
declared in the ``gymforge.policies`` entry-point group of its own ``pyproject.toml``,
exactly as a plugin declares its kinds (see `gymforge.policy.policy_kinds`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gymforge.errors import ConfigError
from gymforge.policy._base import Policy
from gymforge.policy._context import OracleFactory, PolicyContext, PolicyFactory
from gymforge.policy._local import LocalPolicy
from gymforge.policy._openai import OpenAIPolicy
from gymforge.policy._random import RandomPolicy
from gymforge.policy._scripted import ConstantPolicy

__all__ = ["LOCAL", "NOTHING", "OPENAI", "ORACLE", "PY", "RANDOM", "PolicyKind"]


def _accept(argument: str | None) -> None:
    """A kind without its own check accepts any argument (its `make` may still refuse)."""


@dataclass(frozen=True)
class PolicyKind:
    """One kind of policy a spec can name: ``NAME`` or ``NAME:ARGUMENT``.

    A plugin package declares its kinds in the ``gymforge.policies`` entry-point group,
    one entry per kind, named like the kind and pointing at a `PolicyKind`::

        [project.entry-points."gymforge.policies"]
        echo = "mypkg.policies:ECHO"

    Example:
        >>> from gymforge.policy import ConstantPolicy
        >>> def make(argument):
        ...     shared = ConstantPolicy(argument or "")
        ...     return lambda context: shared
        >>> ECHO = PolicyKind("echo", forms=("echo:TEXT",), make=make)
        >>> ECHO.forms
        ('echo:TEXT',)
    """

    name: str
    """The spec's first word, e.g. "openai"; equal to the entry point's name."""
    forms: tuple[str, ...]
    """The spec forms it accepts, for error messages and help, e.g. ("openai:MODEL",)."""
    make: Callable[[str | None], PolicyFactory]
    """Builds the factory from the argument after ':' (None without one), once per run.
    A shared backend is built here, so a missing model fails before any episode. Raises
    `ValueError` saying what is wrong with the argument, or `ConfigError`."""
    check: Callable[[str | None], None] = _accept
    """Validates the argument without building anything (`parse_policy_spec` calls it);
    raises `ValueError` saying what is wrong."""


def _no_argument(name: str) -> Callable[[str | None], None]:
    def check(argument: str | None) -> None:
        if argument is not None:
            raise ValueError(f"{name!r} takes no argument after ':'")

    return check


def _shared(policy: Policy) -> PolicyFactory:
    """A factory handing every episode the same instance (one model, one client)."""

    def factory(context: PolicyContext) -> Policy:
        return policy

    return factory


ORACLE = PolicyKind(
    "oracle",
    forms=("oracle",),
    make=lambda argument: OracleFactory(),
    check=_no_argument("oracle"),
)
"""The env's reference solution: a new `OraclePolicy` per episode, bound to its env."""

NOTHING = PolicyKind(
    "nothing",
    forms=("nothing",),
    make=lambda argument: _shared(ConstantPolicy(name="nothing")),
    check=_no_argument("nothing"),
)
"""The do-nothing baseline: every turn an assistant message with empty text and no calls."""

RANDOM = PolicyKind(
    "random",
    forms=("random",),
    make=lambda argument: _shared(RandomPolicy()),
    check=_no_argument("random"),
)
"""Seeded random tool calls and text."""


def _check_local(argument: str | None) -> None:
    if argument is not None and not argument.strip():
        raise ValueError("'local:' needs a GGUF file path after ':' (or use plain 'local')")


LOCAL = PolicyKind(
    "local",
    forms=("local", "local:/path/model.gguf"),
    make=lambda argument: _shared(LocalPolicy(model_path=(argument or "").strip() or None)),
    check=_check_local,
)
"""A GGUF model in-process: the bundled SmolLM2-135M-Instruct, or the file given."""


def _split_openai(argument: str | None) -> tuple[str, str | None]:
    """(model, base URL or None) of ``MODEL[@BASE_URL]``."""
    if argument is None or not argument.strip():
        raise ValueError("'openai' needs a model name: openai:MODEL or openai:MODEL@BASE_URL")
    model, at, url = argument.partition("@")
    model, url = model.strip(), url.strip()
    if not model:
        raise ValueError("the model name before '@' is empty")
    if at and not url:
        raise ValueError("the base URL after '@' is empty")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"the base URL {url!r} must be an http(s) URL such as http://127.0.0.1:8000/v1"
            )
    return model, url or None


def _check_openai(argument: str | None) -> None:
    _split_openai(argument)


def _make_openai(argument: str | None) -> PolicyFactory:
    model, url = _split_openai(argument)
    return _shared(OpenAIPolicy(model, base_url=url))


OPENAI = PolicyKind(
    "openai",
    forms=("openai:MODEL", "openai:MODEL@BASE_URL"),
    make=_make_openai,
    check=_check_openai,
)
"""Any OpenAI-compatible server (`OpenAIPolicy`); MODEL may hold '/' and ':'."""


def _split_py(argument: str | None) -> tuple[str, str]:
    """(module, attribute path) of ``module:factory``."""
    module, _, attr = (argument or "").strip().partition(":")
    names = [*module.split("."), *attr.split(".")]
    if not module or not attr or not all(name.isidentifier() for name in names):
        raise ValueError(
            "expected py:module:factory, a callable importable from Python "
            "(e.g. py:my_policies:make_policy)"
        )
    return module, attr


def _check_py(argument: str | None) -> None:
    _split_py(argument)


def _make_py(argument: str | None) -> PolicyFactory:
    module_name, attr = _split_py(argument)
    where = f"py:{module_name}:{attr}"
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"policy spec {where!r}: cannot import module {module_name!r} ({exc}); is it on "
            "sys.path (PYTHONPATH, or the current directory)?"
        ) from exc
    except Exception as exc:  # the module's own code failed while importing
        raise ConfigError(
            f"policy spec {where!r}: importing module {module_name!r} raised "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(
                f"policy spec {where!r}: module {module_name!r} has no {attr!r}"
            ) from None
    if not callable(obj) and not isinstance(obj, OracleFactory):  # the latter: refused later
        raise ConfigError(
            f"policy spec {where!r}: {module_name}.{attr} is a {type(obj).__name__}, not a "
            "callable (context: PolicyContext) -> Policy"
        )
    factory: PolicyFactory = obj
    return factory


PY = PolicyKind(
    "py",
    forms=("py:module:factory",),
    make=_make_py,
    check=_check_py,
)
"""Your own factory ``(context: PolicyContext) -> Policy``, imported by path."""
