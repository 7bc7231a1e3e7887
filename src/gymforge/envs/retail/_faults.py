"""Seeded fault injection for the shop's tools.

Four kinds of fault, chosen per call from a private random stream (seed, call
number), so an episode's faults are reproducible from its seed:

- ``internal_error``: the call fails with a 500; nothing changed; a retry may work.
- ``timeout``: the call times out; nothing changed; a retry may work.
- ``rate_limit``: a 429 with a retry-after hint; a retry may work.
- ``partial_data``: a read tool answers with some fields missing (and says so).

A task may also put one write tool into an *outage*: every call fails with a 503
and the right move is to hand the customer to a human. `max_consecutive` caps
transient faults in a row per tool, so retrying always gets through eventually.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gymforge._util import seeded_random
from gymforge.errors import ToolFault

__all__ = ["FAULT_KINDS", "RETRY_HINT", "FaultConfig", "FaultInjector"]

FAULT_KINDS = ("internal_error", "timeout", "rate_limit", "partial_data")
"""Every transient fault kind."""

RETRY_HINT = "Retry the call."
"""Every transient fault message ends with this (the oracle retries on it)."""

_KEEP = ("user_id", "order_id", "product_id", "name")


@dataclass(frozen=True)
class FaultConfig:
    """Which faults to inject, how often and where.

    Example:
        >>> FaultConfig(rate=0.5, kinds=("timeout",)).kinds
        ('timeout',)
    """

    rate: float = 0.15
    """Probability that a call gets a fault."""
    kinds: tuple[str, ...] = FAULT_KINDS
    """Fault kinds to draw from (uniformly)."""
    tools: tuple[str, ...] | None = None
    """Tools that can fail; None means every tool except `calculate` and the hand-off."""
    max_consecutive: int = 2
    """At most this many transient faults in a row on one tool."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], got {self.rate}")
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {FAULT_KINDS}")
        if self.max_consecutive < 0:
            raise ValueError("max_consecutive must be >= 0")


class FaultInjector:
    """Decides, call by call, whether a tool call fails and how.

    Args:
        config: The fault configuration (None: only the outage, if any).
        seed: The episode's seed.
        outage: A tool that is down for the whole episode, or None.

    Example:
        >>> inj = FaultInjector(FaultConfig(rate=1.0, kinds=("timeout",)), seed=0)
        >>> try:
        ...     inj.before("get_order_details", writes=False)
        ... except ToolFault as exc:
        ...     print(str(exc).split(";")[0])
        get_order_details timed out after 30 s
    """

    def __init__(self, config: FaultConfig | None, *, seed: int, outage: str | None = None) -> None:
        self.config = config
        self.seed = seed
        self.outage = outage
        self.calls = 0
        self.log: list[tuple[int, str, str]] = []
        """(call number, tool, fault kind) of every injected fault."""
        self._streak: dict[str, int] = {}
        self._partial: str | None = None

    def before(self, tool: str, *, writes: bool) -> None:
        """Raise the `ToolFault` of a fault for this call, or return to let it run.

        The call's outcome is then recorded with kind ``fault``; `log` says which fault.
        """
        self.calls += 1
        self._partial = None
        if tool == self.outage:
            self.log.append((self.calls, tool, "outage"))
            raise ToolFault(
                f"service unavailable (503): {tool} is down; retrying will not help right now"
            )
        cfg = self.config
        if cfg is None or tool in ("calculate", "transfer_to_human_agents"):
            return
        if cfg.tools is not None and tool not in cfg.tools:
            return
        rng = seeded_random("retail-fault", self.seed, self.calls)
        if rng.random() >= cfg.rate or self._streak.get(tool, 0) >= cfg.max_consecutive:
            self._streak[tool] = 0
            return
        kinds = [k for k in cfg.kinds if not (writes and k == "partial_data")] or ["internal_error"]
        kind = kinds[rng.randrange(len(kinds))]
        self._streak[tool] = self._streak.get(tool, 0) + 1
        self.log.append((self.calls, tool, kind))
        if kind == "partial_data":
            self._partial = tool
            return
        text = {
            "internal_error": f"internal error (500) in {tool}; nothing was changed.",
            "timeout": f"{tool} timed out after 30 s; nothing was changed.",
            "rate_limit": f"rate limited (429) on {tool}; Retry-After: 1 s.",
        }[kind]
        raise ToolFault(f"{text} {RETRY_HINT}")

    def after(self, tool: str, result: str) -> str:
        """The result as the agent sees it (fields dropped when this call got partial data)."""
        if self._partial != tool:
            return result
        try:
            data = json.loads(result)
        except ValueError:
            return result
        if not isinstance(data, dict):
            return result
        rng = seeded_random("retail-partial", self.seed, self.calls)
        droppable = sorted(k for k in data if k not in _KEEP)
        dropped = sorted(rng.sample(droppable, max(1, len(droppable) // 2))) if droppable else []
        kept = {k: v for k, v in data.items() if k not in dropped}
        kept["partial"] = f"some fields could not be loaded: {', '.join(dropped)}. {RETRY_HINT}"
        return json.dumps(kept)
