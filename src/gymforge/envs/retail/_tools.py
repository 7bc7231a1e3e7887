"""The customer-service agent's tools over the shop's database.

Each tool is a typed method of `Shop`, tagged read or write. Tools check their own
preconditions (status, ownership of a payment method, gift-card balance, same
product type for exchanges) and answer a violation with a `ToolError` the agent
reads. Some of the written policy is deliberately *not* enforced here, as in a
real business: authentication, explicit confirmation, one modification per
order and "only the authenticated customer's orders" are the agent's duty, and
the grader checks them over the transcript.
"""

from __future__ import annotations

import ast
import functools
import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from gymforge.env import Tool, tool
from gymforge.envs.retail._faults import FaultInjector
from gymforge.envs.retail._toolkit import CANCEL_REASONS, money, safe_eval
from gymforge.errors import ToolError, ToolRefused
from gymforge.types import ToolSpec

__all__ = ["CANCEL_REASONS", "READ_TOOLS", "WRITE_TOOLS", "Shop", "money"]

_F = TypeVar("_F", bound=Callable[..., str])


def _shop_tool(*, writes: bool) -> Callable[[_F], Tool]:
    """A `Shop` method as a tool: faults first, commit after, partial data on the way out."""

    def decorate(fn: _F) -> Tool:
        @functools.wraps(fn)
        def run(self: Shop, *args: Any, **kwargs: Any) -> str:
            if self.handed_off:
                raise ToolRefused("the conversation was handed to a human agent; no more calls")
            if self.faults is not None:
                self.faults.before(fn.__name__, writes=writes)
            try:
                out: str = fn(self, *args, **kwargs)
            except ToolError:
                self.db.rollback()
                raise
            self.db.commit()
            return out if self.faults is None else self.faults.after(fn.__name__, out)

        return tool(writes=writes)(run)

    return decorate


class Shop:
    """The tools of the shop over one database connection.

    Example:
        >>> from gymforge.envs.retail._db import load_world
        >>> from gymforge.envs.retail._world import generate_world
        >>> shop = Shop(load_world(generate_world(0)))
        >>> shop.call("calculate", {"expression": "(2 + 3) * 4"})
        '20.0'
    """

    def __init__(self, db: sqlite3.Connection, *, faults: FaultInjector | None = None) -> None:
        self.db = db
        self.faults = faults
        self.handed_off = False
        """True after a successful `transfer_to_human_agents`; later calls are refused."""
        self._bound: dict[str, Tool] = {n: getattr(self, n) for n in (*READ_TOOLS, *WRITE_TOOLS)}

    @property
    def tools(self) -> list[Tool]:
        """The tools bound to this shop: read tools first, in a stable order."""
        return list(self._bound.values())

    @classmethod
    def specs(cls) -> tuple[ToolSpec, ...]:
        """The tools' specs, as the agent sees them."""
        return tuple(getattr(cls, n).spec for n in (*READ_TOOLS, *WRITE_TOOLS))

    def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Run tool `name` synchronously; `ToolError` for a bad call or a broken precondition."""
        if name not in READ_TOOLS and name not in WRITE_TOOLS:
            raise ToolError(f"unknown tool {name!r}")
        found = self._bound[name]
        return str(found(**found.validate(arguments)))

    # --- helpers ------------------------------------------------------------------
    def _one(self, sql: str, args: tuple[Any, ...], what: str) -> sqlite3.Row:
        row = self.db.execute(sql, args).fetchone()
        if row is None:
            raise ToolError(f"{what} not found")
        return row  # type: ignore[no-any-return]

    def _order(self, order_id: str) -> sqlite3.Row:
        if not order_id.startswith("#"):
            order_id = "#" + order_id
        return self._one("SELECT * FROM orders WHERE order_id=?", (order_id,), f"order {order_id}")

    def _method(self, user_id: str, payment_method_id: str) -> sqlite3.Row:
        row = self._one(
            "SELECT * FROM payment_methods WHERE payment_method_id=?",
            (payment_method_id,),
            f"payment method {payment_method_id}",
        )
        if row["user_id"] != user_id:
            raise ToolError(
                f"payment method {payment_method_id} does not belong to the order's customer"
            )
        return row

    def _pay(self, order_id: str, kind: str, method: sqlite3.Row, cents: int) -> None:
        """Record a payment (charge) or refund; gift cards move their balance."""
        if cents == 0:
            return
        if method["kind"] == "gift_card":
            delta = -cents if kind == "payment" else cents
            if method["balance_cents"] + delta < 0:
                raise ToolError(
                    f"gift card {method['payment_method_id']} has "
                    f"${money(method['balance_cents'])}, "
                    f"not enough for ${money(cents)}"
                )
            self.db.execute(
                "UPDATE payment_methods SET balance_cents=balance_cents+? WHERE "
                "payment_method_id=?",
                (delta, method["payment_method_id"]),
            )
        self.db.execute(
            "INSERT INTO payments (order_id, kind, payment_method_id, amount_cents) VALUES "
            "(?,?,?,?)",
            (order_id, kind, method["payment_method_id"], cents),
        )

    def _items(self, order_id: str) -> list[sqlite3.Row]:
        return list(
            self.db.execute(
                "SELECT * FROM order_items WHERE order_id=? ORDER BY position", (order_id,)
            )
        )

    def _pick(self, order_id: str, item_ids: list[str]) -> list[sqlite3.Row]:
        if not item_ids:
            raise ToolError("item_ids is empty")
        if len(set(item_ids)) != len(item_ids):
            raise ToolError("item_ids has duplicates")
        rows = {r["item_id"]: r for r in self._items(order_id) if r["state"] == "ordered"}
        for i in item_ids:
            if i not in rows:
                raise ToolError(f"item {i} is not an open item of order {order_id}")
        return [rows[i] for i in item_ids]

    def _swap(
        self, order_id: str, item_ids: list[str], new_item_ids: list[str]
    ) -> list[tuple[sqlite3.Row, sqlite3.Row]]:
        if len(item_ids) != len(new_item_ids):
            raise ToolError("item_ids and new_item_ids must have the same length")
        pairs: list[tuple[sqlite3.Row, sqlite3.Row]] = []
        for old, new_id in zip(self._pick(order_id, item_ids), new_item_ids, strict=True):
            new = self._one(
                "SELECT * FROM variants WHERE item_id=?",
                (new_item_ids[len(pairs)],),
                f"item {new_id}",
            )
            if new["product_id"] != old["product_id"]:
                raise ToolError(f"item {new_id} is not the same product type as {old['item_id']}")
            if new["item_id"] == old["item_id"]:
                raise ToolError(f"item {new_id} is the item already ordered")
            if not new["available"]:
                raise ToolError(f"item {new_id} is not available")
            pairs.append((old, new))
        return pairs

    def _settle_swap(
        self, o: sqlite3.Row, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
    ) -> list[tuple[sqlite3.Row, sqlite3.Row]]:
        """Check a swap of items and charge or refund the price difference."""
        pairs = self._swap(o["order_id"], item_ids, new_item_ids)
        method = self._method(o["user_id"], payment_method_id)
        diff = sum(new["price_cents"] - old["price_cents"] for old, new in pairs)
        self._pay(o["order_id"], "payment" if diff > 0 else "refund", method, abs(diff))
        return pairs

    # --- read tools ---------------------------------------------------------------
    @_shop_tool(writes=False)
    def find_user_id_by_email(self, email: str) -> str:
        """Find a customer's user id by email address.

        Args:
            email: The customer's email address.
        """
        row = self._one(
            "SELECT user_id FROM users WHERE lower(email)=lower(?)", (email.strip(),), "user"
        )
        return str(row["user_id"])

    @_shop_tool(writes=False)
    def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip: str) -> str:
        """Find a customer's user id by first name, last name and zip code.

        Args:
            first_name: The customer's first name.
            last_name: The customer's last name.
            zip: The zip code of the customer's address.
        """
        row = self._one(
            "SELECT user_id FROM users WHERE lower(first_name)=lower(?) AND "
            "lower(last_name)=lower(?) AND zip=?",
            (first_name.strip(), last_name.strip(), zip.strip()),
            "user",
        )
        return str(row["user_id"])

    @_shop_tool(writes=False)
    def get_user_details(self, user_id: str) -> str:
        """Get a customer's profile: name, email, address, payment methods and order ids.

        Args:
            user_id: The customer's user id, e.g. "ava_rossi_1234".
        """
        return self._user_json(user_id)

    def _user_json(self, user_id: str) -> str:
        u = self._one("SELECT * FROM users WHERE user_id=?", (user_id,), f"user {user_id}")
        methods = {}
        for m in self.db.execute(
            "SELECT * FROM payment_methods WHERE user_id=? ORDER BY payment_method_id", (user_id,)
        ):
            rec: dict[str, Any] = {"kind": m["kind"]}
            if m["kind"] == "credit_card":
                rec.update(brand=m["brand"], last_four=m["last_four"])
            if m["kind"] == "gift_card":
                rec["balance"] = money(m["balance_cents"])
            methods[m["payment_method_id"]] = rec
        orders = [
            r[0]
            for r in self.db.execute(
                "SELECT order_id FROM orders WHERE user_id=? ORDER BY order_id", (user_id,)
            )
        ]
        out = {
            "user_id": user_id,
            "name": f"{u['first_name']} {u['last_name']}",
            "email": u["email"],
            "address": {k: u[k] for k in ("address1", "city", "state", "zip")},
            "payment_methods": methods,
            "orders": orders,
        }
        return json.dumps(out)

    @_shop_tool(writes=False)
    def get_order_details(self, order_id: str) -> str:
        """Get an order: status, items (item ids, options, prices), address, payments, tracking.

        Args:
            order_id: The order id, e.g. "#W1234567".
        """
        return self._order_json(order_id)

    def _order_json(self, order_id: str) -> str:
        o = self._order(order_id)
        items = [
            {
                "item_id": r["item_id"],
                "product_id": r["product_id"],
                "name": r["name"],
                "options": json.loads(r["options"]),
                "price": money(r["price_cents"]),
                "state": r["state"],
            }
            for r in self._items(o["order_id"])
        ]
        pays = [
            {
                "kind": r["kind"],
                "payment_method_id": r["payment_method_id"],
                "amount": money(r["amount_cents"]),
            }
            for r in self.db.execute(
                "SELECT * FROM payments WHERE order_id=? ORDER BY seq", (o["order_id"],)
            )
        ]
        out = {
            "order_id": o["order_id"],
            "user_id": o["user_id"],
            "status": o["status"],
            "address": {k: o[k] for k in ("address1", "city", "state", "zip")},
            "items": items,
            "total": money(sum(r["price_cents"] for r in self._items(o["order_id"]))),
            "payment_history": pays,
            "tracking_id": o["tracking_id"] or None,
        }
        return json.dumps(out)

    @_shop_tool(writes=False)
    def get_product_details(self, product_id: str) -> str:
        """Get a product type with all its variants (item ids, options, price, availability).

        Args:
            product_id: The product type's id.
        """
        p = self._one(
            "SELECT * FROM products WHERE product_id=?", (product_id,), f"product {product_id}"
        )
        variants = {
            v["item_id"]: {
                "options": json.loads(v["options"]),
                "price": money(v["price_cents"]),
                "available": bool(v["available"]),
            }
            for v in self.db.execute(
                "SELECT * FROM variants WHERE product_id=? ORDER BY item_id", (product_id,)
            )
        }
        return json.dumps({"product_id": product_id, "name": p["name"], "variants": variants})

    @_shop_tool(writes=False)
    def list_all_product_types(self) -> str:
        """List every product type in the catalog as {name: product_id}."""
        return json.dumps(
            {
                r["name"]: r["product_id"]
                for r in self.db.execute("SELECT * FROM products ORDER BY name")
            }
        )

    @_shop_tool(writes=False)
    def calculate(self, expression: str) -> str:
        """Evaluate an arithmetic expression (numbers, + - * / and parentheses).

        Args:
            expression: The expression, e.g. "(12.5 + 3) * 2".
        """
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError as exc:
            raise ToolError(f"cannot parse {expression!r}") from exc
        try:
            return str(round(safe_eval(tree), 2))
        except ZeroDivisionError as exc:
            raise ToolError("division by zero") from exc

    # --- write tools --------------------------------------------------------------
    @_shop_tool(writes=True)
    def cancel_pending_order(self, order_id: str, reason: str) -> str:
        """Cancel a pending order and refund its payments to where they came from.

        Args:
            order_id: The order id, e.g. "#W1234567".
            reason: Either "no longer needed" or "ordered by mistake".
        """
        o = self._order(order_id)
        if o["status"] != "pending":
            raise ToolError(
                f"order {o['order_id']} is {o['status']}, only pending orders can be cancelled"
            )
        if reason not in CANCEL_REASONS:
            raise ToolError(f"reason must be one of {list(CANCEL_REASONS)}")
        for r in list(
            self.db.execute(
                "SELECT * FROM payments WHERE order_id=? ORDER BY seq", (o["order_id"],)
            )
        ):
            method = self._method(o["user_id"], r["payment_method_id"])
            self._pay(
                o["order_id"],
                "refund" if r["kind"] == "payment" else "payment",
                method,
                r["amount_cents"],
            )
        self.db.execute("UPDATE orders SET status='cancelled' WHERE order_id=?", (o["order_id"],))
        return self._order_json(o["order_id"])

    @_shop_tool(writes=True)
    def modify_pending_order_address(
        self, order_id: str, address1: str, city: str, state: str, zip: str
    ) -> str:
        """Change the shipping address of a pending order.

        Args:
            order_id: The order id, e.g. "#W1234567".
            address1: Street and number.
            city: City.
            state: Two-letter state code.
            zip: Zip code.
        """
        o = self._pending(order_id)
        self.db.execute(
            "UPDATE orders SET address1=?, city=?, state=?, zip=?, modifications=modifications+1 "
            "WHERE order_id=?",
            (address1, city, state, zip, o["order_id"]),
        )
        return self._order_json(o["order_id"])

    def _pending(self, order_id: str) -> sqlite3.Row:
        o = self._order(order_id)
        if o["status"] != "pending":
            raise ToolError(
                f"order {o['order_id']} is {o['status']}, only pending orders can be modified"
            )
        return o

    @_shop_tool(writes=True)
    def modify_pending_order_items(
        self, order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
    ) -> str:
        """Swap items of a pending order for other variants of the same product type.

        The price difference is charged to (or refunded to) the given payment method.

        Args:
            order_id: The order id, e.g. "#W1234567".
            item_ids: Item ids in the order to replace.
            new_item_ids: The replacement item ids, in the same order.
            payment_method_id: Pays or receives the price difference.
        """
        o = self._pending(order_id)
        pairs = self._settle_swap(o, item_ids, new_item_ids, payment_method_id)
        for old, new in pairs:
            self.db.execute(
                "UPDATE order_items SET item_id=?, options=?, price_cents=? WHERE order_id=? AND "
                "position=?",
                (
                    new["item_id"],
                    new["options"],
                    new["price_cents"],
                    o["order_id"],
                    old["position"],
                ),
            )
        self.db.execute(
            "UPDATE orders SET modifications=modifications+1 WHERE order_id=?", (o["order_id"],)
        )
        return self._order_json(o["order_id"])

    @_shop_tool(writes=True)
    def modify_pending_order_payment(self, order_id: str, payment_method_id: str) -> str:
        """Pay a pending order with another of the customer's payment methods.

        The old method is refunded in full and the new one charged.

        Args:
            order_id: The order id, e.g. "#W1234567".
            payment_method_id: The new payment method's id.
        """
        o = self._pending(order_id)
        if payment_method_id == o["payment_method_id"]:
            raise ToolError(f"order {o['order_id']} is already paid with {payment_method_id}")
        new = self._method(o["user_id"], payment_method_id)
        old = self._method(o["user_id"], o["payment_method_id"])
        total = sum(r["price_cents"] for r in self._items(o["order_id"]))
        self._pay(o["order_id"], "payment", new, total)
        self._pay(o["order_id"], "refund", old, total)
        self.db.execute(
            "UPDATE orders SET payment_method_id=?, modifications=modifications+1 WHERE order_id=?",
            (payment_method_id, o["order_id"]),
        )
        return self._order_json(o["order_id"])

    @_shop_tool(writes=True)
    def modify_user_address(
        self, user_id: str, address1: str, city: str, state: str, zip: str
    ) -> str:
        """Change a customer's default address (existing orders keep theirs).

        Args:
            user_id: The customer's user id.
            address1: Street and number.
            city: City.
            state: Two-letter state code.
            zip: Zip code.
        """
        self._one("SELECT user_id FROM users WHERE user_id=?", (user_id,), f"user {user_id}")
        self.db.execute(
            "UPDATE users SET address1=?, city=?, state=?, zip=? WHERE user_id=?",
            (address1, city, state, zip, user_id),
        )
        return self._user_json(user_id)

    def _delivered(self, order_id: str) -> sqlite3.Row:
        o = self._order(order_id)
        if o["status"] != "delivered":
            raise ToolError(
                f"order {o['order_id']} is {o['status']}, only delivered orders can be returned "
                "or exchanged"
            )
        return o

    @_shop_tool(writes=True)
    def return_delivered_order_items(
        self, order_id: str, item_ids: list[str], payment_method_id: str
    ) -> str:
        """Return items of a delivered order; refund to the original payment method or a gift card.

        Args:
            order_id: The order id, e.g. "#W1234567".
            item_ids: Item ids to return.
            payment_method_id: The original payment method, or one of the customer's gift cards.
        """
        o = self._delivered(order_id)
        rows = self._pick(o["order_id"], item_ids)
        method = self._method(o["user_id"], payment_method_id)
        if payment_method_id != o["payment_method_id"] and method["kind"] != "gift_card":
            raise ToolError(
                "refunds go to the original payment method or a gift card of the customer"
            )
        self._pay(o["order_id"], "refund", method, sum(r["price_cents"] for r in rows))
        for r in rows:
            self.db.execute(
                "UPDATE order_items SET state='return requested' WHERE order_id=? AND position=?",
                (o["order_id"], r["position"]),
            )
        self.db.execute(
            "UPDATE orders SET status='return requested' WHERE order_id=?", (o["order_id"],)
        )
        return self._order_json(o["order_id"])

    @_shop_tool(writes=True)
    def exchange_delivered_order_items(
        self, order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
    ) -> str:
        """Exchange items of a delivered order for other available variants of the same product.

        Args:
            order_id: The order id, e.g. "#W1234567".
            item_ids: Item ids to exchange.
            new_item_ids: The new item ids, in the same order.
            payment_method_id: Pays or receives the price difference.
        """
        o = self._delivered(order_id)
        pairs = self._settle_swap(o, item_ids, new_item_ids, payment_method_id)
        for old, new in pairs:
            self.db.execute(
                "UPDATE order_items SET state='exchange requested', exchange_item_id=? WHERE "
                "order_id=? AND position=?",
                (new["item_id"], o["order_id"], old["position"]),
            )
        self.db.execute(
            "UPDATE orders SET status='exchange requested' WHERE order_id=?", (o["order_id"],)
        )
        return self._order_json(o["order_id"])

    @_shop_tool(writes=True)
    def transfer_to_human_agents(self, summary: str) -> str:
        """Hand the conversation to a human agent (ends the conversation).

        Args:
            summary: A short summary of the customer's issue for the human agent.
        """
        self.db.execute("INSERT INTO handoffs (summary) VALUES (?)", (summary,))
        self.handed_off = True
        return "Transfer successful. A human agent will take over."


READ_TOOLS = (
    "find_user_id_by_email",
    "find_user_id_by_name_zip",
    "get_user_details",
    "get_order_details",
    "get_product_details",
    "list_all_product_types",
    "calculate",
)
"""Tools that only read the world."""

WRITE_TOOLS = (
    "cancel_pending_order",
    "modify_pending_order_address",
    "modify_pending_order_items",
    "modify_pending_order_payment",
    "modify_user_address",
    "return_delivered_order_items",
    "exchange_delivered_order_items",
    "transfer_to_human_agents",
)
"""Tools that change the world."""
