"""Typed JSON: Python values across the sandbox boundary, compared type-strictly.

Stdlib only: this file's text is also shipped into the sandbox inside the
harness. JSON keeps ``None``, ``bool``, ``int``, ``float`` and ``str`` apart; the
rest is tagged: ``{"$tuple": [...]}``, ``{"$list": [...]}`` is never used (a list
is a JSON array), ``{"$dict": [[k, v], ...]}``, ``{"$set": [...]}``,
``{"$frozenset": [...]}``, ``{"$bytes": "<base64>"}`` and ``{"$float": "nan"}``
for non-finite floats. Only exact built-in types are encoded (``type(x) is int``),
so a subclass with a lying ``__eq__`` cannot pass as a value.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

__all__ = ["CodecError", "decode_value", "encode_value", "values_equal"]

_MAX_DEPTH = 64


class CodecError(ValueError):
    """A value cannot cross the boundary (unsupported type, too deep, bad tag)."""


def _key(encoded: Any) -> str:
    return json.dumps(encoded, sort_keys=True)


def encode_value(value: Any, _depth: int = 0) -> Any:
    """Encode a Python value as typed JSON.

    Example:
        >>> encode_value((1, [2.5, None], {"a": {3}}))
        {'$tuple': [1, [2.5, None], {'$dict': [['a', {'$set': [3]}]]}]}
    """
    if _depth > _MAX_DEPTH:
        raise CodecError(f"value nested deeper than {_MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [encode_value(v, _depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [encode_value(v, _depth + 1) for v in value]}
    if kind is dict:
        pairs = [
            [encode_value(k, _depth + 1), encode_value(v, _depth + 1)] for k, v in value.items()
        ]
        return {"$dict": sorted(pairs, key=lambda p: _key(p[0]))}
    if kind is set or kind is frozenset:
        items = sorted((encode_value(v, _depth + 1) for v in value), key=_key)
        return {"$set" if kind is set else "$frozenset": items}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode()}
    raise CodecError(f"cannot return a value of type {kind.__name__}: use built-in types")


def decode_value(data: Any) -> Any:
    """Decode typed JSON back to Python.

    Example:
        >>> decode_value({"$tuple": [1, {"$set": [2]}]})
        (1, {2})
    """
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if isinstance(data, dict):
        if len(data) != 1:
            raise CodecError(f"not a typed value: {data!r}")
        ((tag, body),) = data.items()
        if tag == "$tuple":
            return tuple(decode_value(v) for v in body)
        if tag == "$dict":
            return {decode_value(k): decode_value(v) for k, v in body}
        if tag == "$set":
            return {decode_value(v) for v in body}
        if tag == "$frozenset":
            return frozenset(decode_value(v) for v in body)
        if tag == "$bytes":
            return base64.b64decode(body)
        if tag == "$float":
            return float(body)
        raise CodecError(f"unknown tag {tag!r}")
    return data


def values_equal(
    expected: Any, actual: Any, *, rel_tol: float = 1e-9, abs_tol: float = 0.0
) -> bool:
    """Type-strict equality of two typed-JSON values; floats within a tolerance.

    ``1`` and ``1.0`` and ``True`` are three different values; a tuple is not a list.

    Example:
        >>> values_equal([1, 2], [1, 2]), values_equal(1, 1.0), values_equal(1, True)
        (True, False, False)
        >>> values_equal(0.1 + 0.2, 0.3)
        True
    """
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, float):
        return math.isclose(expected, actual, rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(
            values_equal(e, a, rel_tol=rel_tol, abs_tol=abs_tol)
            for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict):
        if expected.keys() != actual.keys():
            return False
        ((tag, body),) = expected.items()
        if tag == "$float":
            return bool(body == actual[tag])
        return values_equal(body, actual[tag], rel_tol=rel_tol, abs_tol=abs_tol)
    return bool(expected == actual)
