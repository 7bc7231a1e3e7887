"""The shop's database: an in-memory SQLite per episode, its canonical state and diffs.

Money is integer cents everywhere. The canonical state is what grading compares:
rows keyed by natural ids (the catalog is read-only for every tool, so it stays
out), option lists sorted, payment history as a sorted
multiset (its sequence numbers are generated, so they stay out), and hand-offs to
a human as a count (their free-text summary stays out).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import sqlite3
import threading
from typing import Any

from gymforge.envs.retail._world import Address, World

__all__ = [
    "Change",
    "canonical_state",
    "diff_states",
    "initial_state",
    "load_world",
    "normalize",
    "options_text",
    "read_fact",
    "state_digest",
]

Change = dict[str, Any]
"""One field-level change: {"table", "key", "field", "before", "after"}."""

_SCHEMA = """
CREATE TABLE users (user_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT,
    address1 TEXT, city TEXT, state TEXT, zip TEXT);
CREATE TABLE payment_methods (payment_method_id TEXT PRIMARY KEY, user_id TEXT, kind TEXT,
    brand TEXT, last_four TEXT, balance_cents INTEGER);
CREATE TABLE products (product_id TEXT PRIMARY KEY, name TEXT, category TEXT);
CREATE TABLE variants (item_id TEXT PRIMARY KEY, product_id TEXT, options TEXT,
    price_cents INTEGER, available INTEGER);
CREATE TABLE orders (order_id TEXT PRIMARY KEY, user_id TEXT, status TEXT, address1 TEXT,
    city TEXT, state TEXT, zip TEXT, payment_method_id TEXT, tracking_id TEXT,
    modifications INTEGER DEFAULT 0);
CREATE TABLE order_items (order_id TEXT, position INTEGER, item_id TEXT, product_id TEXT,
    name TEXT, options TEXT, price_cents INTEGER, state TEXT, exchange_item_id TEXT,
    PRIMARY KEY (order_id, position));
CREATE TABLE payments (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT, kind TEXT,
    payment_method_id TEXT, amount_cents INTEGER);
CREATE TABLE handoffs (ticket INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT);
"""


@functools.lru_cache(maxsize=4096)
def options_text(options: tuple[tuple[str, str], ...]) -> str:
    """Options as canonical JSON (keys sorted), the form stored in the database.

    Example:
        >>> options_text((("size", "M"), ("color", "red")))
        '{"color": "red", "size": "M"}'
    """
    return json.dumps(dict(options), sort_keys=True)


def _addr(a: Address) -> tuple[str, str, str, str]:
    return (a.address1, a.city, a.state, a.zip)


_TEMPLATES: collections.OrderedDict[int, tuple[World, sqlite3.Connection, dict[str, Any]]] = (
    collections.OrderedDict()
)
_TEMPLATES_LOCK = threading.Lock()


def _template(world: World) -> tuple[World, sqlite3.Connection, dict[str, Any]]:
    """The built database and canonical state of `world`, cached for the last 16 worlds."""
    with _TEMPLATES_LOCK:
        hit = _TEMPLATES.get(id(world))
        if hit is not None and hit[0] is world:
            _TEMPLATES.move_to_end(id(world))
            return hit
        db = _build(world)
        entry = (world, db, canonical_state(db))
        _TEMPLATES[id(world)] = entry
        while len(_TEMPLATES) > 16:
            _TEMPLATES.popitem(last=False)
        return entry


def initial_state(world: World) -> dict[str, Any]:
    """The canonical state of a freshly loaded `world` (cached; treat it as read-only).

    Example:
        >>> from gymforge.envs.retail._world import generate_world
        >>> initial_state(generate_world(0)) == canonical_state(load_world(generate_world(0)))
        True
    """
    return _template(world)[2]


def load_world(world: World) -> sqlite3.Connection:
    """A fresh in-memory database holding `world` (a copy of a cached build).

    Example:
        >>> from gymforge.envs.retail._world import generate_world
        >>> db = load_world(generate_world(0))
        >>> db.execute("SELECT COUNT(*) FROM products").fetchone()[0] > 0
        True
    """
    template = _template(world)[1]
    db = sqlite3.connect(":memory:")
    with _TEMPLATES_LOCK:
        template.backup(db)
    db.row_factory = sqlite3.Row
    return db


def _build(world: World) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.executescript(_SCHEMA)
    users, methods, variants, orders, items, payments = [], [], [], [], [], []
    for c in world.customers:
        users.append((c.user_id, c.first_name, c.last_name, c.email, *_addr(c.address)))
        for m in c.payment_methods:
            methods.append(
                (m.payment_method_id, c.user_id, m.kind, m.brand, m.last_four, m.balance_cents)
            )
    for p in world.products:
        for v in p.variants:
            variants.append(
                (v.item_id, p.product_id, options_text(v.options), v.price_cents, int(v.available))
            )
    for o in world.orders:
        orders.append(
            (o.order_id, o.user_id, o.status, *_addr(o.address), o.payment_method_id, o.tracking_id)
        )
        first = o.status if o.status in ("return requested", "exchange requested") else "ordered"
        for pos, it in enumerate(o.items):
            state = first if pos == 0 else "ordered"
            row = (
                o.order_id,
                pos,
                it.item_id,
                it.product_id,
                it.name,
                options_text(it.options),
                it.price_cents,
            )
            items.append((*row, state, ""))
        payments.append((o.order_id, "payment", o.payment_method_id, o.total_cents))
        if o.status == "cancelled":
            payments.append((o.order_id, "refund", o.payment_method_id, o.total_cents))
    db.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?,?)", users)
    db.executemany("INSERT INTO payment_methods VALUES (?,?,?,?,?,?)", methods)
    db.executemany(
        "INSERT INTO products VALUES (?,?,?)",
        [(p.product_id, p.name, p.category) for p in world.products],
    )
    db.executemany("INSERT INTO variants VALUES (?,?,?,?,?)", variants)
    db.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,0)", orders)
    db.executemany("INSERT INTO order_items VALUES (?,?,?,?,?,?,?,?,?)", items)
    db.executemany(
        "INSERT INTO payments (order_id, kind, payment_method_id, amount_cents) VALUES (?,?,?,?)",
        payments,
    )
    db.commit()
    return db


def normalize(value: Any) -> Any:
    """Normalise a value deeply: whole floats become ints, bytes text, mappings sorted.

    Example:
        >>> normalize({"b": [5.0, 1.5], "a": b"x"})
        {'a': 'x', 'b': [5, 1.5]}
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): normalize(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def canonical_state(db: sqlite3.Connection) -> dict[str, dict[str, dict[str, Any]]]:
    """The database as {table: {row key: {field: value}}}, free of generated ids.

    Example:
        >>> from gymforge.envs.retail._world import generate_world
        >>> a = canonical_state(load_world(generate_world(1)))
        >>> a == canonical_state(load_world(generate_world(1))), sorted(a)[:2]
        (True, ['handoffs', 'order_items'])
    """
    keys = {
        "users": ("user_id",),
        "payment_methods": ("payment_method_id",),
        "orders": ("order_id",),
        "order_items": ("order_id", "position"),
    }
    out: dict[str, dict[str, dict[str, Any]]] = {}
    cur = db.cursor()
    cur.row_factory = None
    for table, key in keys.items():
        cur.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
        cols = [d[0] for d in cur.description]
        idx = [cols.index(k) for k in key]
        rows: dict[str, dict[str, Any]] = {}
        for r in cur:
            rows["|".join(str(r[i]) for i in idx)] = dict(zip(cols, r, strict=True))
        out[table] = rows
    payments: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for row in db.execute(
        "SELECT order_id, kind, payment_method_id, amount_cents FROM payments "
        "ORDER BY order_id, kind, payment_method_id, amount_cents"
    ):
        base = f"{row[0]}|{row[1]}|{row[2]}|{row[3]}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        payments[f"{base}|{n}"] = {"amount_cents": int(row[3])}
    out["payments"] = payments
    count = db.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0]
    out["handoffs"] = {"count": {"n": int(count)}}
    return out


def diff_states(
    before: dict[str, dict[str, dict[str, Any]]], after: dict[str, dict[str, dict[str, Any]]]
) -> list[Change]:
    """Field-level changes from `before` to `after`, sorted (a canonical diff).

    A new row is one change with field "*" and before None; a removed row has
    after None.

    Example:
        >>> diff_states({"t": {"a": {"x": 1}}}, {"t": {"a": {"x": 2}, "b": {"x": 3}}})
        [{'table': 't', 'key': 'a', 'field': 'x', 'before': 1, 'after': 2}, \
{'table': 't', 'key': 'b', 'field': '*', 'before': None, 'after': {'x': 3}}]
    """
    changes: list[Change] = []
    for table in sorted(set(before) | set(after)):
        b, a = before.get(table, {}), after.get(table, {})
        for key in sorted(set(b) | set(a)):
            if key not in b:
                changes.append(
                    {"table": table, "key": key, "field": "*", "before": None, "after": a[key]}
                )
            elif key not in a:
                changes.append(
                    {"table": table, "key": key, "field": "*", "before": b[key], "after": None}
                )
            elif b[key] != a[key]:
                for f in sorted(set(b[key]) | set(a[key])):
                    if normalize(b[key].get(f)) != normalize(a[key].get(f)):
                        changes.append(
                            {
                                "table": table,
                                "key": key,
                                "field": f,
                                "before": b[key].get(f),
                                "after": a[key].get(f),
                            }
                        )
    return changes


_FACT_SQL = {
    "users": "SELECT {f} FROM users WHERE user_id=?",
    "payment_methods": "SELECT {f} FROM payment_methods WHERE payment_method_id=?",
    "orders": "SELECT {f} FROM orders WHERE order_id=?",
    "order_items": "SELECT {f} FROM order_items WHERE order_id=? AND position=?",
}
_FIELDS = {
    "users": ("address1", "city", "state", "zip", "email"),
    "payment_methods": ("balance_cents",),
    "orders": ("status", "address1", "city", "state", "zip", "payment_method_id", "modifications"),
    "order_items": ("item_id", "options", "price_cents", "state", "exchange_item_id"),
}


def read_fact(db: sqlite3.Connection, table: str, key: str, field: str) -> Any:
    """One field of the canonical state, read straight from the database (None if absent).

    Example:
        >>> from gymforge.envs.retail._world import generate_world
        >>> db = load_world(generate_world(0))
        >>> read_fact(db, "handoffs", "count", "n")
        0
    """
    if table == "handoffs":
        return int(db.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0])
    if table not in _FACT_SQL or field not in _FIELDS[table]:
        raise ValueError(f"no fact {table}.{field}; known: {_FIELDS}")
    args: tuple[Any, ...] = tuple(key.split("|")) if table == "order_items" else (key,)
    row = db.execute(_FACT_SQL[table].format(f=field), args).fetchone()
    return None if row is None else normalize(row[0])


def state_digest(state: dict[str, dict[str, dict[str, Any]]]) -> str:
    """A short stable hash of a canonical state (for logs; grading uses the diff).

    Example:
        >>> len(state_digest({"t": {}}))
        16
    """
    text = json.dumps(state, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
