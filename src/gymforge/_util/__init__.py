"""Private helpers shared by every layer (no public API)."""
