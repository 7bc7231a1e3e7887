from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gymforge.envs.calculator._evaluator import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    format_number,
    safe_eval,
)
from gymforge.errors import ToolError
from gymforge.tasks import ArithmeticFamily


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1 + 2 * 3", Fraction(7)),
        ("(1 + 2) * 3", Fraction(9)),
        ("-(4 - 10) / 4", Fraction(3, 2)),
        ("7 // 2", Fraction(3)),
        ("-7 // 2", Fraction(-4)),
        ("7 % 3", Fraction(1)),
        ("-7 % 3", Fraction(2)),
        ("2 ** 10", Fraction(1024)),
        ("2 ** -2", Fraction(1, 4)),
        ("2 ** 64", Fraction(2**64)),
        ("0.1 + 0.2", Fraction(3, 10)),
        ("1e3 + +1", Fraction(1001)),
        ("3 × 4 ÷ 6 − 1", Fraction(1)),
        ("  ((((5))))  ", Fraction(5)),
    ],
)
def test_arithmetic_is_exact(expression: str, value: Fraction) -> None:
    assert safe_eval(expression) == value


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "function calls are not allowed"),
        ("__import__('os').system('true')", "function calls are not allowed"),
        ("(1).__class__", "attribute access is not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "function calls are not allowed"),
        ("x + 1", "names are not allowed"),
        ("True + 1", "only numbers are allowed"),
        ("'a' * 3", "only numbers are allowed"),
        ("1j * 2", "only numbers are allowed"),
        ("[1, 2][0]", "subscripts are not allowed"),
        ("1 < 2", "comparisons are not allowed"),
        ("lambda: 1", "unsupported syntax (Lambda)"),
        ("1 if 1 else 2", "unsupported syntax (IfExp)"),
        ("2 ^ 3", "use **"),
        ("1 << 100", "unsupported syntax (LShift)"),
        ("~1", "unsupported syntax (Invert)"),
        ("not 1", "unsupported syntax (Not)"),
        ("2 ** 65", "exponent 65 is too large"),
        ("2 ** 2 ** 10", "exponent 1024 is too large"),
        ("10 ** 64 ** 64", "too large"),
        ("(10 ** 60) ** 60 * (10 ** 60) ** 60", "result too large"),
        ("2 ** 0.5", "exponent must be a whole number"),
        ("1 / 0", "division by zero"),
        ("1 // (2 - 2)", "division by zero"),
        ("5 % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("1e999", "only finite numbers"),
        ("1 +", "syntax error"),
        ("", "empty"),
        ("1" * (MAX_EXPRESSION_LENGTH + 1), "too long"),
        ("(" * 400 + "1" + ")" * 400, "nested"),
    ],
)
def test_everything_else_is_rejected_with_a_reason(expression: str, message: str) -> None:
    with pytest.raises(ToolError) as info:
        safe_eval(expression)
    assert message in str(info.value)


def test_depth_is_bounded_without_recursion() -> None:
    assert safe_eval("-" * (MAX_DEPTH - 3) + "1") == (-1) ** (MAX_DEPTH - 3)
    for text in ("-" * 998 + "1", "2" + " ** 1" * 150):
        with pytest.raises(ToolError, match="too deeply nested"):
            safe_eval(text)


def test_non_strings_are_rejected() -> None:
    with pytest.raises(ToolError, match="must be a string"):
        safe_eval(3)  # type: ignore[arg-type]


def test_it_agrees_with_every_arithmetic_level() -> None:
    family = ArithmeticFamily()
    for index in range(200):
        task = family.generate(index, seed=11)
        assert safe_eval(str(task.metadata["expression"])) == task.answer, task.id


def test_format_number() -> None:
    assert format_number(Fraction(-12)) == "-12"
    assert format_number(Fraction(3, 2)) == "3/2 (≈ 1.5)"
    assert format_number(Fraction(-2, 3)) == "-2/3 (≈ -0.666666666667)"


_leaf = st.integers(min_value=-50, max_value=50).map(lambda n: f"({n})" if n < 0 else str(n))


def _join(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    op = st.sampled_from(["+", "-", "*", "//", "%"])
    return st.tuples(children, op, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.recursive(_leaf, _join, max_leaves=12))
def test_agrees_with_python_on_integer_arithmetic(expression: str) -> None:
    # The generated text is ours (digits, parentheses, operators), so eval is safe here.
    try:
        expected = eval(expression)  # noqa: S307 - the oracle for the property
    except ZeroDivisionError:
        with pytest.raises(ToolError, match="division by zero"):
            safe_eval(expression)
        return
    assert safe_eval(expression) == expected
