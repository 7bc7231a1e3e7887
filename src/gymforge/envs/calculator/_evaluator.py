"""A safe arithmetic evaluator: `ast` parsing with a whitelist, exact `Fraction` math.

Never `eval`: the expression is parsed with `ast.parse(mode="eval")` and only
these nodes are evaluated: numeric literals (int, float; not bool or complex),
``+ - * / // % **``, unary ``-``/``+`` and parentheses. Everything else (names,
calls, attributes, subscripts, comparisons, strings, lambdas, ...) is rejected
with a `ToolError` whose text tells the model what went wrong. Sizes are
bounded so no input can exhaust CPU, memory or the stack: the expression's
length, the depth of its syntax tree, the exponent (|e| <= 64), and the size of
every intermediate result.
"""

from __future__ import annotations

import ast
import math
from fractions import Fraction

from gymforge.errors import ToolError

__all__ = ["MAX_DEPTH", "MAX_EXPONENT", "MAX_EXPRESSION_LENGTH", "format_number", "safe_eval"]

MAX_EXPRESSION_LENGTH = 1000
"""Longest expression accepted, in characters."""
MAX_EXPONENT = 64
"""Largest |exponent| of ``**``."""
MAX_DEPTH = 100
"""Deepest nesting of the syntax tree (parentheses, unary minus chains)."""
_MAX_BITS = 4096

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_HINTS = {
    ast.BitXor: "'^' is not a power here: use ** (e.g. 2**10)",
    ast.Name: "names are not allowed: write the numbers themselves",
    ast.Call: "function calls are not allowed: only numbers and + - * / // % **",
    ast.Attribute: "attribute access is not allowed: only numbers and + - * / // % **",
    ast.Subscript: "subscripts are not allowed: only numbers and + - * / // % **",
    ast.Compare: "comparisons are not allowed: only numbers and + - * / // % **",
}


def _check_size(value: Fraction) -> Fraction:
    if value.numerator.bit_length() > _MAX_BITS or value.denominator.bit_length() > _MAX_BITS:
        raise ToolError("result too large: keep numbers below about 10**1200")
    return value


def _binary(op: ast.operator, left: Fraction, right: Fraction) -> Fraction:
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        return left * right
    if isinstance(op, ast.Pow):
        if right.denominator != 1:
            raise ToolError("exponent must be a whole number")
        if abs(right) > MAX_EXPONENT:
            raise ToolError(f"exponent {right} is too large (|exponent| <= {MAX_EXPONENT})")
        if left == 0 and right < 0:
            raise ToolError("division by zero (0 to a negative power)")
        return left ** int(right)
    if right == 0:
        raise ToolError("division by zero")
    if isinstance(op, ast.Div):
        return left / right
    if isinstance(op, ast.FloorDiv):
        return Fraction(left // right)
    return left % right


def _literal(node: ast.Constant, source: str) -> Fraction:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolError(f"only numbers are allowed, got {value!r}")
    if isinstance(value, int):
        return _check_size(Fraction(value))
    if not math.isfinite(value):
        raise ToolError("only finite numbers are allowed")
    # Read "0.1" as the decimal it is written as, not its binary approximation.
    written = (ast.get_source_segment(source, node) or "").replace("_", "")
    try:
        return _check_size(Fraction(written))
    except ValueError:
        return _check_size(Fraction(value))


def _eval(node: ast.AST, source: str, depth: int = 0) -> Fraction:
    if depth > MAX_DEPTH:
        raise ToolError(f"the expression is too deeply nested (max depth {MAX_DEPTH})")
    if isinstance(node, ast.Expression):
        return _eval(node.body, source, depth + 1)
    if isinstance(node, ast.Constant):
        return _literal(node, source)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _eval(node.operand, source, depth + 1)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _eval(node.left, source, depth + 1)
        right = _eval(node.right, source, depth + 1)
        return _check_size(_binary(node.op, left, right))
    kind = type(node.op) if isinstance(node, ast.BinOp | ast.UnaryOp) else type(node)
    hint = _HINTS.get(kind, f"unsupported syntax ({kind.__name__})")
    raise ToolError(f"{hint}")


def safe_eval(expression: str) -> Fraction:
    """Evaluate an arithmetic expression exactly, or raise `ToolError` for the model.

    ``/`` is exact (``1/3`` stays a third), ``//`` floors and ``%`` is Python's
    modulo; decimal literals are read exactly as written (``0.1`` is 1/10).

    Raises:
        ToolError: Anything but arithmetic on numbers, a syntax error, division by
            zero, an exponent beyond ±64, or a result too large.

    Example:
        >>> safe_eval("(12 - 4) * 3 / 6")
        Fraction(4, 1)
        >>> safe_eval("__import__('os')")
        Traceback (most recent call last):
        ...
        gymforge.errors.ToolError: function calls are not allowed: only numbers and + - * / // % **
    """
    if not isinstance(expression, str):
        raise ToolError("the expression must be a string")
    text = expression.strip()
    if not text:
        raise ToolError("the expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ToolError(f"the expression is too long (max {MAX_EXPRESSION_LENGTH} characters)")
    text = text.replace("×", "*").replace("÷", "/").replace("−", "-")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ToolError("the expression is too deeply nested or malformed") from None
    return _eval(tree, text)


def format_number(value: Fraction) -> str:
    """An exact integer as digits; any other value as a fraction and a decimal.

    Example:
        >>> format_number(Fraction(8)), format_number(Fraction(1, 3))
        ('8', '1/3 (≈ 0.333333333333)')
    """
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator} (≈ {float(value):.12g})"
