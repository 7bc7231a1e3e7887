"""A library front desk: an example gymforge env over SQLite (docs/writing-an-env.md).

Importing this package registers nothing; gymforge calls `register_envs` through the
``gymforge.envs`` entry point of this package's ``pyproject.toml``. For
``gymforge ... --import library_desk.registered`` (no packaging), importing
`library_desk.registered` registers it.
"""

from __future__ import annotations

from gymforge.env import register

__all__ = ["ENV_ID", "register_envs"]

ENV_ID = "example/LibraryDesk-v0"
"""The env's id: bump the version whenever its grading or dynamics change."""


def register_envs() -> None:
    """Register example/LibraryDesk-v0 (called by gymforge through the entry point)."""
    register(
        ENV_ID,
        "library_desk.env:LibraryDeskEnv",
        description="A library front desk over SQLite: borrow, return, renew; state-replay grading",
        max_turns=30,
        reward_range=(0.0, 1.0),
    )
