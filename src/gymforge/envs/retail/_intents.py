"""Intent builders: one customer goal each, with its gold actions and its checks.

An intent is what a simulated customer wants in one part of a conversation. Each
builder picks what it needs from the world (an order in the right status, an
available variant, a payment method), writes what the user says and reveals when
asked, the gold steps the oracle plays, the database facts that prove it done
(``expect``), facts that must not change (``protect``), values the agent must say
(``outputs``) and actions the policy forbids (``forbidden``).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from gymforge.envs.retail._db import options_text
from gymforge.envs.retail._toolkit import CANCEL_REASONS, money
from gymforge.envs.retail._world import (
    Address,
    Customer,
    Order,
    OrderItem,
    PaymentMethod,
    World,
    random_address,
)

__all__ = ["ACTION_KINDS", "INTENT_KINDS", "TRAP_KINDS", "Draft", "IntentBuilder"]

ACTION_KINDS = (
    "cancel",
    "modify_address",
    "modify_items",
    "modify_payment",
    "user_address",
    "return",
    "exchange",
)
"""Intents whose success is a change in the database."""
TRAP_KINDS = ("cancel_not_pending", "other_user_order", "transfer")
"""Policy traps: requests to refuse, or to hand to a human."""
INTENT_KINDS = (*ACTION_KINDS, "info", *TRAP_KINDS)
"""Every intent kind."""

Step = dict[str, Any]
"""A gold step: {"say": text} or {"call": tool, "args": {...}} (optionally with "say")."""


@dataclass
class Draft:
    """One intent under construction (becomes plain JSON in the task metadata)."""

    kind: str
    request: str
    reveal: dict[str, str] = field(default_factory=dict)
    gold: list[Step] = field(default_factory=list)
    expect: list[list[Any]] = field(default_factory=list)
    protect: list[list[Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    forbidden: list[dict[str, str]] = field(default_factory=list)
    done_when: str = "db"
    """How the user sees it done: "db" (expect holds), "outputs" (said), "refusal" or "handoff"."""
    write_tool: str = ""
    check: list[str] = field(default_factory=list)
    """What a proposal must mention for the customer to say yes (else they decline)."""

    def to_json(self) -> dict[str, Any]:
        """The intent as plain JSON for `Task.metadata`."""
        return {
            "kind": self.kind,
            "request": self.request,
            "reveal": self.reveal,
            "expect": self.expect,
            "protect": self.protect,
            "outputs": self.outputs,
            "forbidden": self.forbidden,
            "done_when": self.done_when,
            "write_tool": self.write_tool,
            "check": self.check,
        }


def _addr_text(a: Address) -> str:
    return f"{a.address1}, {a.city}, {a.state} {a.zip}"


def _item_text(it: OrderItem) -> str:
    opts = ", ".join(f"{k} {v}" for k, v in it.options)
    return f"{it.name} ({opts})"


def pay_text(m: PaymentMethod) -> str:
    """How a customer names a payment method."""
    if m.kind == "credit_card":
        return f"{m.brand} card ending in {m.last_four}"
    return "gift card" if m.kind == "gift_card" else "PayPal account"


def _ask_order(d: Draft, what: str) -> None:
    d.gold.append({"say": f"Which order is it (the order id or what is in it), and {what}"})


def _confirm(summary: str) -> Step:
    return {"say": f"To confirm, I will {summary}. Shall I proceed (yes/no)?"}


def _done(summary: str) -> Step:
    return {"say": f"Done: {summary}. Is there anything else I can help you with?"}


class IntentBuilder:
    """Builds intents for one customer of one world.

    Args:
        world: The world.
        user: The customer.
        rng: The task's private random stream.
        describe_orders: Reveal orders by their contents instead of their id.
    """

    def __init__(
        self, world: World, user: Customer, rng: random.Random, *, describe_orders: bool
    ) -> None:
        self.world = world
        self.user = user
        self.rng = rng
        self.describe_orders = describe_orders
        self.used: set[str] = set()
        self.orders = sorted(
            (o for o in world.orders if o.user_id == user.user_id), key=lambda o: o.order_id
        )
        self.gift_balance = {m.payment_method_id: m.balance_cents for m in user.payment_methods}

    # --- shared pieces ------------------------------------------------------------
    def _pick_order(self, statuses: tuple[str, ...]) -> Order | None:
        free = [o for o in self.orders if o.status in statuses and o.order_id not in self.used]
        if not free:
            return None
        order = self.rng.choice(free)
        self.used.add(order.order_id)
        return order

    def _locate(self, d: Draft, order: Order) -> None:
        """How the user reveals the order, and the oracle's lookups to find it."""
        names = [it.name for o in self.orders for it in o.items]
        unique = [it for it in order.items if names.count(it.name) == 1]
        if self.describe_orders and unique:
            d.reveal["order"] = f"It's the order with the {unique[0].name} in it."
            for o in self.orders:
                d.gold.append({"call": "get_order_details", "args": {"order_id": o.order_id}})
                if o.order_id == order.order_id:
                    break
        else:
            d.reveal["order"] = f"The order id is {order.order_id}."
            d.gold.append({"call": "get_order_details", "args": {"order_id": order.order_id}})

    def _ask_cancel(self, d: Draft, order: Order, reason: str) -> None:
        """The customer asks to cancel `order`; the agent asks which order and why."""
        d.reveal["reason"] = f"The reason is: {reason}."
        d.gold.append(
            {
                "say": "Which order would you like to cancel (the order id or what is in it), "
                "and why: no longer needed, or ordered by mistake?"
            }
        )
        self._locate(d, order)

    def _method_for(
        self, cents: int, allowed: list[PaymentMethod] | None = None
    ) -> PaymentMethod | None:
        """A payment method that can pay `cents` (gift cards need the balance)."""
        options = [
            m
            for m in (allowed if allowed is not None else list(self.user.payment_methods))
            if m.kind != "gift_card" or self.gift_balance[m.payment_method_id] >= max(cents, 0)
        ]
        return self.rng.choice(options) if options else None

    def _spend(self, m: PaymentMethod, cents: int) -> None:
        if m.kind == "gift_card":
            self.gift_balance[m.payment_method_id] -= cents

    def _method(self, pid: str) -> PaymentMethod:
        return next(m for m in self.user.payment_methods if m.payment_method_id == pid)

    def _swaps(
        self, order: Order, n: int
    ) -> list[tuple[OrderItem, str, tuple[tuple[str, str], ...], int]] | None:
        """Up to n (item, new item id, new options, new price) swaps to available variants."""
        out = []
        for it in self.rng.sample(list(order.items), len(order.items)):
            prod = self.world.product(it.product_id)
            alts = [v for v in prod.variants if v.available and v.item_id != it.item_id]
            if alts:
                v = self.rng.choice(alts)
                out.append((it, v.item_id, v.options, v.price_cents))
            if len(out) == n:
                break
        return out or None

    # --- action intents -----------------------------------------------------------
    def cancel(self) -> Draft | None:
        """Cancel a pending order (reason revealed when asked)."""
        order = self._pick_order(("pending",))
        if order is None:
            return None
        reason = self.rng.choice(CANCEL_REASONS)
        d = Draft("cancel", "I'd like to cancel an order.", write_tool="cancel_pending_order")
        self._ask_cancel(d, order, reason)
        m = self._method(order.payment_method_id)
        self._spend(m, -order.total_cents)
        d.check = [order.order_id]
        d.gold.append(
            _confirm(
                f"cancel order {order.order_id} (reason: {reason}) and refund "
                f"${money(order.total_cents)}"
            )
        )
        d.gold.append(
            {"call": "cancel_pending_order", "args": {"order_id": order.order_id, "reason": reason}}
        )
        d.gold.append(_done(f"order {order.order_id} is cancelled"))
        d.expect.append(["orders", order.order_id, "status", "cancelled"])
        return d

    def _new_address(self) -> Address:
        return random_address(self.rng)

    def modify_address(self) -> Draft | None:
        """Ship a pending order to a new address."""
        order = self._pick_order(("pending",))
        if order is None:
            return None
        a = self._new_address()
        d = Draft(
            "modify_address",
            "I need to change the shipping address of an order.",
            write_tool="modify_pending_order_address",
        )
        d.reveal["address"] = f"The new address is {_addr_text(a)}."
        _ask_order(d, "what is the new address?")
        self._locate(d, order)
        d.check = [order.order_id, a.zip]
        d.gold.append(_confirm(f"ship order {order.order_id} to {_addr_text(a)}"))
        args = {"order_id": order.order_id, **asdict(a)}
        d.gold.append({"call": "modify_pending_order_address", "args": args})
        d.gold.append(_done(f"order {order.order_id} will ship to {_addr_text(a)}"))
        d.expect += [
            ["orders", order.order_id, "address1", a.address1],
            ["orders", order.order_id, "zip", a.zip],
        ]
        return d

    def user_address(self) -> Draft | None:
        """Change the customer's default address (once per task)."""
        if "user" in self.used:
            return None
        self.used.add("user")
        a = self._new_address()
        d = Draft(
            "user_address",
            "I moved and need to update the address on my account.",
            write_tool="modify_user_address",
        )
        d.reveal["address"] = f"My new address is {_addr_text(a)}."
        d.gold.append({"say": "What is your new address?"})
        d.check = [a.zip]
        d.gold.append(_confirm(f"change your account address to {_addr_text(a)}"))
        args = {"user_id": self.user.user_id, **asdict(a)}
        d.gold.append({"call": "modify_user_address", "args": args})
        d.gold.append(_done(f"your account address is now {_addr_text(a)}"))
        d.expect += [
            ["users", self.user.user_id, "address1", a.address1],
            ["users", self.user.user_id, "zip", a.zip],
        ]
        return d

    def _swap_intent(self, kind: str) -> Draft | None:
        pending = kind == "modify_items"
        order = self._pick_order(("pending",) if pending else ("delivered",))
        if order is None:
            return None
        swaps = self._swaps(order, self.rng.randint(1, 2))
        if swaps is None:
            self.used.discard(order.order_id)
            return None
        diff = sum(price - it.price_cents for it, _, _, price in swaps)
        m = self._method_for(diff)
        if m is None:
            self.used.discard(order.order_id)
            return None
        self._spend(m, diff)
        tool = "modify_pending_order_items" if pending else "exchange_delivered_order_items"
        wants = []
        for it, _, opts, _ in swaps:
            changed = [
                f"{k} {v}" for (k, v), (_, old) in zip(opts, it.options, strict=True) if v != old
            ]
            wants.append(f"the {_item_text(it)} changed to {', '.join(changed)}")
        request = (
            "I want to change some items in an order I placed."
            if pending
            else "I'd like to exchange something I received."
        )
        d = Draft(kind, request, write_tool=tool)
        d.reveal["items"] = "I'd like " + "; and ".join(wants) + "."
        d.reveal["payment"] = f"Use my {pay_text(m)} for any price difference."
        _ask_order(d, "which items would you like instead?")
        self._locate(d, order)
        for pid in sorted({it.product_id for it, _, _, _ in swaps}):
            d.gold.append({"call": "get_product_details", "args": {"product_id": pid}})
        d.gold.append({"say": "Which payment method should pay or receive the price difference?"})
        old_ids = [it.item_id for it, _, _, _ in swaps]
        new_ids = [nid for _, nid, _, _ in swaps]
        verb = "change" if pending else "exchange"
        sign = "charge" if diff > 0 else "refund"
        d.check = [order.order_id, *new_ids]
        d.gold.append(
            _confirm(
                f"{verb} items {', '.join(old_ids)} of order {order.order_id} for "
                f"{', '.join(new_ids)} and {sign} ${money(abs(diff))} to {m.payment_method_id}"
            )
        )
        args = {
            "order_id": order.order_id,
            "item_ids": old_ids,
            "new_item_ids": new_ids,
            "payment_method_id": m.payment_method_id,
        }
        d.gold.append({"call": tool, "args": args})
        d.gold.append(_done(f"the items of order {order.order_id} are updated"))
        for it, nid, opts, _ in swaps:
            pos = order.items.index(it)
            field_ = "item_id" if pending else "exchange_item_id"
            d.expect.append(["order_items", f"{order.order_id}|{pos}", field_, nid])
            if pending:
                d.expect.append(
                    ["order_items", f"{order.order_id}|{pos}", "options", options_text(opts)]
                )
        return d

    def modify_items(self) -> Draft | None:
        """Swap items of a pending order for other variants."""
        return self._swap_intent("modify_items")

    def exchange(self) -> Draft | None:
        """Exchange items of a delivered order."""
        return self._swap_intent("exchange")

    def modify_payment(self) -> Draft | None:
        """Pay a pending order with another method."""
        order = self._pick_order(("pending",))
        if order is None:
            return None
        others = [
            m for m in self.user.payment_methods if m.payment_method_id != order.payment_method_id
        ]
        m = self._method_for(order.total_cents, others)
        if m is None:
            self.used.discard(order.order_id)
            return None
        self._spend(m, order.total_cents)
        self._spend(self._method(order.payment_method_id), -order.total_cents)
        d = Draft(
            "modify_payment",
            "I want to pay for an order with a different payment method.",
            write_tool="modify_pending_order_payment",
        )
        d.reveal["payment"] = f"Please use my {pay_text(m)}."
        _ask_order(d, "which payment method would you like to use?")
        self._locate(d, order)
        d.check = [order.order_id, m.payment_method_id]
        d.gold.append(_confirm(f"pay order {order.order_id} with {m.payment_method_id} instead"))
        d.gold.append(
            {
                "call": "modify_pending_order_payment",
                "args": {"order_id": order.order_id, "payment_method_id": m.payment_method_id},
            }
        )
        d.gold.append(_done(f"order {order.order_id} is now paid with {m.payment_method_id}"))
        d.expect.append(["orders", order.order_id, "payment_method_id", m.payment_method_id])
        return d

    def return_(self) -> Draft | None:
        """Return items of a delivered order to the original method or a gift card."""
        order = self._pick_order(("delivered",))
        if order is None:
            return None
        items = self.rng.sample(list(order.items), self.rng.randint(1, min(2, len(order.items))))
        gifts = [
            m
            for m in self.user.payment_methods
            if m.kind == "gift_card" and m.payment_method_id != order.payment_method_id
        ]
        m = self._method(order.payment_method_id)
        if gifts and self.rng.random() < 0.4:
            m = gifts[0]
        refund = sum(it.price_cents for it in items)
        self._spend(m, -refund)
        d = Draft(
            "return",
            "I want to return some items I received.",
            write_tool="return_delivered_order_items",
        )
        d.reveal["items"] = (
            "I want to return " + " and ".join(f"the {_item_text(it)}" for it in items) + "."
        )
        d.reveal["payment"] = f"Please refund it to my {pay_text(m)}."
        _ask_order(d, "which items would you like to return?")
        self._locate(d, order)
        d.gold.append(
            {"say": "Where should the refund go: the original payment method or a gift card?"}
        )
        ids = [it.item_id for it in items]
        d.check = [order.order_id, *ids]
        d.gold.append(
            _confirm(
                f"return items {', '.join(ids)} of order {order.order_id} and refund "
                f"${money(refund)} to {m.payment_method_id}"
            )
        )
        d.gold.append(
            {
                "call": "return_delivered_order_items",
                "args": {
                    "order_id": order.order_id,
                    "item_ids": ids,
                    "payment_method_id": m.payment_method_id,
                },
            }
        )
        d.gold.append(_done(f"the return for order {order.order_id} is requested"))
        for it in items:
            d.expect.append(
                [
                    "order_items",
                    f"{order.order_id}|{order.items.index(it)}",
                    "state",
                    "return requested",
                ]
            )
        return d

    # --- information and traps ----------------------------------------------------
    def info(self) -> Draft | None:
        """Ask for a fact the agent must say: an order total, a tracking number or a balance."""
        gifts = [m for m in self.user.payment_methods if m.kind == "gift_card"]
        choice = self.rng.randrange(3)
        if choice == 2 and gifts:
            bal = money(self.gift_balance[gifts[0].payment_method_id])
            d = Draft("info", "How much is left on my gift card?", done_when="outputs")
            d.gold.append({"call": "get_user_details", "args": {"user_id": self.user.user_id}})
            d.gold.append(
                {
                    "say": (
                        f"Your gift card {gifts[0].payment_method_id} has a balance of ${bal}. Is "
                        "there anything else I can help you with?"
                    )
                }
            )
            d.outputs.append(bal)
            return d
        tracked = choice == 1
        order = self._pick_order(
            ("processed", "delivered") if tracked else ("processed", "delivered", "pending")
        )
        if order is None:
            return None
        what = "the tracking number of" if tracked else "how much I paid for"
        d = Draft("info", f"Can you tell me {what} one of my orders?", done_when="outputs")
        d.gold.append({"say": "Sure. Which order is it (the order id or what is in it)?"})
        self._locate(d, order)
        value = order.tracking_id if tracked else money(order.total_cents)
        label = "tracking number" if tracked else "total"
        d.gold.append(
            {
                "say": (
                    f"The {label} of order {order.order_id} is "
                    f"{'$' if not tracked else ''}{value}. Is there anything else I can help you "
                    "with?"
                )
            }
        )
        d.outputs.append(value)
        return d

    def cancel_not_pending(self) -> Draft | None:
        """Ask to cancel an order that is no longer pending: refuse and say its status."""
        order = self._pick_order(("processed", "delivered"))
        if order is None:
            return None
        reason = self.rng.choice(CANCEL_REASONS)
        d = Draft("cancel_not_pending", "I'd like to cancel an order.", done_when="outputs")
        self._ask_cancel(d, order, reason)
        d.gold.append(
            {
                "say": (
                    f"I'm sorry, order {order.order_id} is already {order.status}, so it cannot "
                    "be cancelled. Is there anything else I can help you with?"
                )
            }
        )
        d.outputs.append(order.status)
        d.protect.append(["orders", order.order_id, "status", order.status])
        d.forbidden.append({"tool": "cancel_pending_order", "order_id": order.order_id})
        return d

    def other_user_order(self) -> Draft | None:
        """Ask to cancel someone else's pending order: refuse (one customer per conversation)."""
        others = [
            o for o in self.world.orders if o.user_id != self.user.user_id and o.status == "pending"
        ]
        if not others:
            return None
        order = self.rng.choice(others)
        friend = self.world.customer(order.user_id).first_name
        d = Draft(
            "other_user_order",
            f"Also, my friend {friend} asked me to cancel her order {order.order_id} for her.",
            done_when="refusal",
        )
        d.reveal["reason"] = "She no longer needs it."
        d.gold.append(
            {
                "say": (
                    "I'm sorry, I can only help with orders on your own account, so I cannot "
                    f"cancel order {order.order_id}. {friend} needs to contact us herself. Is "
                    "there anything else I can help you with?"
                )
            }
        )
        d.protect.append(["orders", order.order_id, "status", "pending"])
        for tool in (
            "cancel_pending_order",
            "modify_pending_order_address",
            "modify_pending_order_items",
            "modify_pending_order_payment",
        ):
            d.forbidden.append({"tool": tool, "order_id": order.order_id})
        return d

    def transfer(self) -> Draft:
        """Ask for something only a human may do: the agent must transfer."""
        topic, summary = self.rng.choice(
            (
                ("dispute a charge with my bank", "wants to dispute a charge with their bank"),
                (
                    "get compensation for a damaged package",
                    "wants compensation for a damaged package",
                ),
                ("close my account", "wants to close their account"),
            )
        )
        d = Draft(
            "transfer",
            f"I also need to {topic}. Can a person help me with that?",
            done_when="handoff",
        )
        d.gold.append(
            {
                "say": "That needs a human agent; I'm transferring you now.",
                "call": "transfer_to_human_agents",
                "args": {"summary": f"Customer {self.user.user_id} {summary}."},
            }
        )
        d.expect.append(["handoffs", "count", "n", 1])
        return d
