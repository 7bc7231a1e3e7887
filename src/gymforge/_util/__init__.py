"""Private helpers shared by every layer (no public API)."""

from gymforge._util._seeding import derive_seed, seeded_random

__all__ = ["derive_seed", "seeded_random"]
