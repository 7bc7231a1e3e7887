import json

import pytest

from gymforge.envs.retail import generate_world
from gymforge.envs.retail._db import load_world
from gymforge.envs.retail._tools import READ_TOOLS, WRITE_TOOLS, Shop
from gymforge.errors import ToolError


@pytest.fixture
def world():
    return generate_world(2)


@pytest.fixture
def shop(world):
    return Shop(load_world(world))


def first(world, status):
    return next(o for o in world.orders if o.status == status)


def test_tools_are_tagged_read_or_write() -> None:
    specs = {s.name: s for s in Shop.specs()}
    assert set(specs) == set(READ_TOOLS) | set(WRITE_TOOLS)
    assert all(specs[n].writes for n in WRITE_TOOLS)
    assert not any(specs[n].writes for n in READ_TOOLS)
    assert specs["cancel_pending_order"].parameters["required"] == ["order_id", "reason"]


def test_lookups(shop, world) -> None:
    c = world.customers[0]
    assert shop.call("find_user_id_by_email", {"email": c.email.upper()}) == c.user_id
    args = {"first_name": c.first_name, "last_name": c.last_name, "zip": c.address.zip}
    assert shop.call("find_user_id_by_name_zip", args) == c.user_id
    with pytest.raises(ToolError, match="not found"):
        shop.call("find_user_id_by_email", {"email": "nobody@example.com"})
    details = json.loads(shop.call("get_user_details", {"user_id": c.user_id}))
    assert set(details["payment_methods"]) == {m.payment_method_id for m in c.payment_methods}
    order = json.loads(shop.call("get_order_details", {"order_id": world.orders[0].order_id[1:]}))
    assert order["total"] == f"{world.orders[0].total_cents / 100:.2f}"
    assert json.loads(shop.call("list_all_product_types", {}))


def test_cancel_refunds_and_rejects_non_pending(shop, world) -> None:
    order = first(world, "pending")
    with pytest.raises(ToolError, match="reason must be"):
        shop.call("cancel_pending_order", {"order_id": order.order_id, "reason": "just because"})
    out = json.loads(
        shop.call(
            "cancel_pending_order", {"order_id": order.order_id, "reason": "ordered by mistake"}
        )
    )
    assert out["status"] == "cancelled"
    assert [p["kind"] for p in out["payment_history"]] == ["payment", "refund"]
    with pytest.raises(ToolError, match="only pending"):
        shop.call(
            "cancel_pending_order", {"order_id": order.order_id, "reason": "no longer needed"}
        )
    delivered = first(world, "delivered")
    with pytest.raises(ToolError, match="is delivered"):
        shop.call(
            "cancel_pending_order", {"order_id": delivered.order_id, "reason": "no longer needed"}
        )


def test_payment_method_must_belong_to_the_order_owner(shop, world) -> None:
    order = first(world, "pending")
    stranger = next(c for c in world.customers if c.user_id != order.user_id)
    with pytest.raises(ToolError, match="does not belong"):
        shop.call(
            "modify_pending_order_payment",
            {
                "order_id": order.order_id,
                "payment_method_id": stranger.payment_methods[0].payment_method_id,
            },
        )


def test_gift_card_balance_is_checked(shop, world) -> None:
    for order in (o for o in world.orders if o.status == "pending"):
        owner = world.customer(order.user_id)
        gift = next((m for m in owner.payment_methods if m.kind == "gift_card"), None)
        if gift and order.payment_method_id != gift.payment_method_id:
            shop.db.execute(
                "UPDATE payment_methods SET balance_cents=0 WHERE payment_method_id=?",
                (gift.payment_method_id,),
            )
            with pytest.raises(ToolError, match="not enough"):
                shop.call(
                    "modify_pending_order_payment",
                    {"order_id": order.order_id, "payment_method_id": gift.payment_method_id},
                )
            return
    pytest.fail("no pending order with a spare gift card in this world")


def test_exchange_needs_same_product_type_and_availability(shop, world) -> None:
    order = next(o for o in world.orders if o.status == "delivered" and len(o.items) >= 2)
    a, b = order.items[0], order.items[1]
    other = next(v for v in world.product(b.product_id).variants)
    args = {
        "order_id": order.order_id,
        "item_ids": [a.item_id],
        "new_item_ids": [other.item_id],
        "payment_method_id": order.payment_method_id,
    }
    with pytest.raises(ToolError, match="not the same product type"):
        shop.call("exchange_delivered_order_items", args)
    prod = world.product(a.product_id)
    gone = next((v for v in prod.variants if not v.available and v.item_id != a.item_id), None)
    if gone is not None:
        with pytest.raises(ToolError, match="not available"):
            shop.call("exchange_delivered_order_items", {**args, "new_item_ids": [gone.item_id]})
    with pytest.raises(ToolError, match="only pending"):
        shop.call("modify_pending_order_items", {**args, "new_item_ids": [a.item_id]})


def test_return_refund_goes_to_original_method_or_gift_card(shop, world) -> None:
    for order in (o for o in world.orders if o.status == "delivered"):
        owner = world.customer(order.user_id)
        others = [
            m
            for m in owner.payment_methods
            if m.kind != "gift_card" and m.payment_method_id != order.payment_method_id
        ]
        if others:
            args = {
                "order_id": order.order_id,
                "item_ids": [order.items[0].item_id],
                "payment_method_id": others[0].payment_method_id,
            }
            with pytest.raises(ToolError, match="original payment method"):
                shop.call("return_delivered_order_items", args)
            out = json.loads(
                shop.call(
                    "return_delivered_order_items",
                    {**args, "payment_method_id": order.payment_method_id},
                )
            )
            assert out["status"] == "return requested"
            return
    pytest.fail("no suitable delivered order")


def test_a_failed_write_changes_nothing(shop, world) -> None:
    from gymforge.envs.retail._db import canonical_state

    before = canonical_state(shop.db)
    order = first(world, "pending")
    with pytest.raises(ToolError):
        shop.call(
            "modify_pending_order_items",
            {
                "order_id": order.order_id,
                "item_ids": ["nope"],
                "new_item_ids": ["x"],
                "payment_method_id": "y",
            },
        )
    assert canonical_state(shop.db) == before


def test_bad_arguments_are_tool_errors(shop) -> None:
    with pytest.raises(ToolError):
        shop.call("get_order_details", {"order": "#W1"})
    with pytest.raises(ToolError, match="calculate accepts"):
        shop.call("calculate", {"expression": "__import__('os')"})
    assert shop.call("calculate", {"expression": "10 / 4"}) == "2.5"
