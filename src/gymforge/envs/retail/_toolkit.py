"""Small helpers of the shop: money formatting, token-boundary matching, safe arithmetic."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from gymforge.errors import ToolError

__all__ = ["CANCEL_REASONS", "mentions", "money", "safe_eval"]

CANCEL_REASONS = ("no longer needed", "ordered by mistake")
"""The only reasons `cancel_pending_order` accepts."""


def money(cents: int) -> str:
    """Cents as a dollar amount without the sign, e.g. ``"12.05"``.

    Example:
        >>> money(1205), money(-50)
        ('12.05', '-0.50')
    """
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def mentions(text: str, value: str) -> bool:
    """Whether `value` occurs in `text` on token boundaries (case-insensitive).

    Digits, letters and a decimal point followed by a digit extend a token, so
    "10" is not found in "$100" or "10.50", but is in "$10" and "10, please".

    Example:
        >>> mentions("That is $100.", "10"), mentions("That is $10.", "10")
        (False, True)
        >>> mentions("status: delivered", "Delivered"), mentions("undelivered", "delivered")
        (True, False)
    """
    if not value:
        return False
    pattern = r"(?<![\w])(?<!\d\.)" + re.escape(value.lower()) + r"(?!\w|\.\d)"
    return re.search(pattern, text.lower()) is not None


_OPS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def safe_eval(node: ast.AST) -> float:
    """Evaluate a parsed arithmetic expression without `eval`.

    Example:
        >>> safe_eval(ast.parse("(1 + 2) * 4 / 2", mode="eval"))
        6.0
    """
    if isinstance(node, ast.Expression):
        return safe_eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](safe_eval(node.left), safe_eval(node.right)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](safe_eval(node.operand)))
    raise ToolError("calculate accepts numbers, + - * / and parentheses only")
