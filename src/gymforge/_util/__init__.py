"""Private helpers shared by every layer (no public API)."""

from gymforge._util._files import atomic_write_text
from gymforge._util._passk import pass_at_k, pass_hat_k
from gymforge._util._seeding import derive_seed, seeded_random

__all__ = ["atomic_write_text", "derive_seed", "pass_at_k", "pass_hat_k", "seeded_random"]
