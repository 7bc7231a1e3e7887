"""The reward recipe of a run: the env spec as built and the grader's recorded config.

A run's manifest (``<out>.run.json``) and report (``<out>.report.json``) carry it, so a
log says exactly how its rewards were made: which env id with which kwargs, turn and
time limits and wrappers, and which grader with which arguments (rebuildable with
`gymforge.graders.grader_from_config` when a registered factory built it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, JsonValue

from gymforge.env import Env, EnvSpec
from gymforge.errors import ConfigError

if TYPE_CHECKING:
    from gymforge.graders import Grader

__all__ = ["EnvRecipe", "RewardRecipe", "WrapperRecord", "reward_recipe"]

logger = logging.getLogger(__name__)


class WrapperRecord(BaseModel):
    """One wrapper around the env (`gymforge.env.WrapperSpec` as JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """The wrapper's class name, e.g. "MaxTurns"."""
    entry_point: str
    """"module:Class" of the wrapper."""
    kwargs: dict[str, JsonValue]
    """The arguments it was built with, e.g. ``{"max_turns": 16}``."""


class EnvRecipe(BaseModel):
    """The env spec as built (`gymforge.env.EnvSpec` of the made env, as JSON).

    Example:
        >>> from gymforge.env import make
        >>> recipe = EnvRecipe.of(make("gymforge/CalculatorAgent-v0", max_turns=3).spec)
        >>> recipe.max_turns, [w.name for w in recipe.wrappers], recipe.reward_range
        (3, ['MaxTurns'], (0.0, 1.0))
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Versioned env id."""
    entry_point: str
    """"module:Attr" the env was made from (a callable as its "module:qualname")."""
    kwargs: dict[str, JsonValue]
    """Keyword arguments the entry point got (registered defaults and overrides merged)."""
    max_turns: int | None
    """Turn limit in force; None: none."""
    time_limit: float | None
    """Wall-clock seconds per episode; None: none."""
    wrappers: tuple[WrapperRecord, ...]
    """Wrappers around the env, innermost first."""
    reward_range: tuple[float | None, float | None] | None
    """The declared bounds of an episode's reward, None for an open side (``inf`` in the
    spec, so the JSON stays standard); None when undeclared."""
    nondeterministic: bool
    """True when reset is not reproducible from the seed (an LLM in the loop)."""

    @classmethod
    def of(cls, spec: EnvSpec) -> EnvRecipe:
        """The recipe of an env spec."""
        entry = spec.entry_point
        if not isinstance(entry, str):
            entry = f"{getattr(entry, '__module__', '?')}:{getattr(entry, '__qualname__', entry)}"
        bounds = spec.reward_range
        return cls(
            id=spec.id,
            entry_point=entry,
            kwargs=_json_dict(spec.kwargs),
            max_turns=spec.max_turns,
            time_limit=spec.time_limit,
            wrappers=tuple(
                WrapperRecord(name=w.name, entry_point=w.entry_point, kwargs=_json_dict(w.kwargs))
                for w in spec.wrappers
            ),
            reward_range=None
            if bounds is None
            else (_finite_or_none(bounds[0]), _finite_or_none(bounds[1])),
            nondeterministic=spec.nondeterministic,
        )

    def declared_range(self) -> tuple[float, float] | None:
        """`reward_range` as the spec has it (``-inf``/``inf`` for an open side)."""
        if self.reward_range is None:
            return None
        lo, hi = self.reward_range
        return (-math.inf if lo is None else lo, math.inf if hi is None else hi)


class RewardRecipe(BaseModel):
    """How a run's rewards are made: the env spec as built and the grader's config.

    Example:
        >>> from gymforge.env import make
        >>> recipe = RewardRecipe.of(make("gymforge/Arithmetic-v0"))
        >>> recipe.env.id, recipe.env.max_turns, recipe.grader["factory"]
        ('gymforge/Arithmetic-v0', 1, 'gymforge/numeric')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: EnvRecipe | None
    """The env spec as built; None for an env without a spec (built by hand, or served
    remotely: the server's own spec is not known here)."""
    grader: dict[str, JsonValue]
    """`gymforge.graders.grader_config` of the grader the run uses: ``{"factory": key,
    "args": {...}}`` to rebuild it, or ``{"unregistered": "module:Class", "name": ...}``."""

    @classmethod
    def of(cls, env: Env, grader: Grader | None = None) -> RewardRecipe:
        """The recipe of `env` graded by `grader` (default: the env's own `grader()`)."""
        from gymforge.graders import grader_config  # graders load on first use, not on import

        spec = env.spec
        return cls(
            env=None if spec is None else EnvRecipe.of(spec),
            grader=grader_config(env.grader() if grader is None else grader),
        )

    @property
    def reward_range(self) -> tuple[float, float] | None:
        """The env's declared reward range (``inf`` for an open side); None: undeclared."""
        return None if self.env is None else self.env.declared_range()


async def reward_recipe(
    env_factory: Callable[[], Env], grader: Grader | None, *, env_id: str
) -> RewardRecipe:
    """The recipe of the env a run makes (one env is made for it, and closed again).

    A failure to close that env is logged, not raised: the episodes' own envs record
    their failures as data.

    Raises:
        ConfigError: The env cannot be made with the run's arguments.
    """
    try:
        env = env_factory()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot make {env_id}: {exc}") from exc
    try:
        return RewardRecipe.of(env, grader)
    finally:
        try:
            await env.close()
        except Exception as exc:  # the run goes on; its episodes record their own
            logger.warning("closing the env made for the reward recipe failed: %s", exc)


def _json_dict(values: Any) -> dict[str, JsonValue]:
    from gymforge.graders import to_config_value  # graders load on first use, not on import

    return {str(k): to_config_value(v) for k, v in dict(values).items()}


def _finite_or_none(bound: float) -> float | None:
    return None if math.isinf(bound) else bound
