"""Unbiased pass@k and pass^k of one task, shared by run summaries and env metrics."""

from __future__ import annotations

import math

__all__ = ["pass_at_k", "pass_hat_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task: ``1 - C(n-c, k) / C(n, k)`` (Chen et al., 2021).

    The chance that at least one of k samples drawn without replacement from the
    n samples, c of which passed, passes.

    Example:
        >>> pass_at_k(4, 1, 1)
        0.25
        >>> pass_at_k(4, 1, 4)
        1.0
        >>> round(pass_at_k(5, 2, 2), 4)  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        0.7
    """
    _check(n, c, k)
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Unbiased pass^k of one task: ``C(c, k) / C(n, k)``, the chance all k samples pass.

    The reliability metric of tau-bench: with n == k it is 1 only if every sample passed.

    Example:
        >>> pass_hat_k(4, 3, 4)
        0.0
        >>> pass_hat_k(4, 4, 4)
        1.0
        >>> pass_hat_k(5, 3, 2)  # C(3,2)/C(5,2) = 3/10
        0.3
    """
    _check(n, c, k)
    return math.comb(c, k) / math.comb(n, k)


def _check(n: int, c: int, k: int) -> None:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
