"""Seeded generation of the shop's world: customers, catalog, orders, payments.

The world is plain frozen data; `gymforge.envs.retail._db` loads it into an
in-memory SQLite database. Money is always integer cents. Everything comes from
one seed through private `random.Random` instances, so a seed is a world.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
from dataclasses import dataclass, field
from typing import Any, cast

from gymforge._util import derive_seed

__all__ = [
    "Address",
    "Customer",
    "Order",
    "OrderItem",
    "PaymentMethod",
    "Product",
    "Variant",
    "World",
    "WorldConfig",
    "generate_world",
    "load_world_file",
    "random_address",
    "world_from_json",
    "world_to_json",
]

STATUSES = (
    "pending",
    "processed",
    "delivered",
    "cancelled",
    "return requested",
    "exchange requested",
)
"""Every order status the world knows."""


_FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Carmen",
    "Dmitri",
    "Emeka",
    "Fatima",
)
_LAST = (
    "Adler",
    "Brooks",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
)
_STREETS = (
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Birch",
    "Willow",
    "Lake",
    "Hill",
    "River",
    "Sunset",
    "Park",
)
_SUFFIX = ("St", "Ave", "Rd", "Blvd", "Ln")
_CITIES = (
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Portland", "OR"),
    ("Columbus", "OH"),
    ("Raleigh", "NC"),
    ("Madison", "WI"),
    ("Tucson", "AZ"),
    ("Boise", "ID"),
    ("Albany", "NY"),
    ("Reno", "NV"),
)


@dataclass(frozen=True)
class WorldConfig:
    """Domain-randomisation knobs of a generated world.

    Each range is inclusive; the generator draws a value from it per world.

    Example:
        >>> WorldConfig().n_customers
        (18, 30)
    """

    n_customers: tuple[int, int] = (18, 30)
    """How many customers."""
    n_products: tuple[int, int] = (8, 12)
    """How many product types in the catalog."""
    orders_per_customer: tuple[int, int] = (2, 4)
    """Orders per customer."""
    price_cents: tuple[int, int] = (1_500, 45_000)
    """Range of a variant's base price in cents."""
    gift_card_cents: tuple[int, int] = (0, 30_000)
    """Range of a gift card's balance in cents."""
    status_weights: tuple[tuple[str, int], ...] = (
        ("pending", 4),
        ("processed", 2),
        ("delivered", 4),
        ("cancelled", 1),
        ("return requested", 1),
        ("exchange requested", 1),
    )
    """Relative frequency of each order status."""
    unavailable_share: float = 0.2
    """Share of variants that are out of stock."""
    first_names: tuple[str, ...] = _FIRST
    """Pool of customers' first names."""
    last_names: tuple[str, ...] = _LAST
    """Pool of customers' last names."""
    streets: tuple[str, ...] = _STREETS
    """Pool of street names for addresses."""
    cities: tuple[tuple[str, str], ...] = _CITIES
    """Pool of (city, two-letter state) pairs for addresses."""


@dataclass(frozen=True)
class Address:
    """A postal address."""

    address1: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class PaymentMethod:
    """A stored payment method: a card, a gift card (with balance) or PayPal."""

    payment_method_id: str
    kind: str
    """"credit_card", "gift_card" or "paypal"."""
    brand: str = ""
    last_four: str = ""
    balance_cents: int = 0


@dataclass(frozen=True)
class Customer:
    """A customer account."""

    user_id: str
    first_name: str
    last_name: str
    email: str
    address: Address
    payment_methods: tuple[PaymentMethod, ...]


@dataclass(frozen=True)
class Variant:
    """One buyable variant (item) of a product type."""

    item_id: str
    product_id: str
    options: tuple[tuple[str, str], ...]
    price_cents: int
    available: bool


@dataclass(frozen=True)
class Product:
    """A product type with its option axes and variants."""

    product_id: str
    name: str
    category: str
    attributes: tuple[str, ...]
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class OrderItem:
    """A line of an order (one unit of one variant)."""

    item_id: str
    product_id: str
    name: str
    options: tuple[tuple[str, str], ...]
    price_cents: int


@dataclass(frozen=True)
class Order:
    """An order with its items, address, payment and fulfilment."""

    order_id: str
    user_id: str
    status: str
    address: Address
    items: tuple[OrderItem, ...]
    payment_method_id: str
    tracking_id: str = ""

    @property
    def total_cents(self) -> int:
        """Sum of the item prices."""
        return sum(i.price_cents for i in self.items)


@dataclass(frozen=True)
class World:
    """A whole generated world."""

    seed: int
    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    orders: tuple[Order, ...] = field(default_factory=tuple)

    def customer(self, user_id: str) -> Customer:
        """The customer with this id (KeyError when absent)."""
        for c in self.customers:
            if c.user_id == user_id:
                return c
        raise KeyError(user_id)

    def product(self, product_id: str) -> Product:
        """The product with this id (KeyError when absent)."""
        for p in self.products:
            if p.product_id == product_id:
                return p
        raise KeyError(product_id)


_BRANDS = ("visa", "mastercard", "amex", "discover")

# (name, category, {attribute: values}); variants are drawn from the option grid.
_CATALOG: tuple[tuple[str, str, dict[str, tuple[str, ...]]], ...] = (
    (
        "T-Shirt",
        "apparel",
        {"color": ("red", "blue", "black", "white"), "size": ("S", "M", "L", "XL")},
    ),
    (
        "Rain Jacket",
        "apparel",
        {
            "color": ("green", "navy", "yellow"),
            "size": ("S", "M", "L"),
            "waterproof": ("yes", "no"),
        },
    ),
    (
        "Running Shoes",
        "footwear",
        {"color": ("grey", "black", "orange"), "size": ("8", "9", "10", "11")},
    ),
    (
        "Hiking Boots",
        "footwear",
        {
            "material": ("leather", "synthetic"),
            "size": ("8", "9", "10", "11"),
            "waterproof": ("yes", "no"),
        },
    ),
    ("Backpack", "bags", {"color": ("black", "green", "grey"), "capacity": ("20L", "30L", "40L")}),
    (
        "Water Bottle",
        "kitchen",
        {"material": ("steel", "glass", "plastic"), "capacity": ("500ml", "750ml", "1L")},
    ),
    (
        "Desk Lamp",
        "home",
        {"color": ("white", "black", "silver"), "brightness": ("300lm", "500lm", "800lm")},
    ),
    (
        "Bluetooth Speaker",
        "electronics",
        {"color": ("black", "blue", "red"), "battery": ("10h", "20h")},
    ),
    (
        "Wireless Earbuds",
        "electronics",
        {"color": ("white", "black"), "noise cancelling": ("yes", "no")},
    ),
    (
        "Coffee Maker",
        "kitchen",
        {"capacity": ("4 cups", "8 cups", "12 cups"), "type": ("drip", "espresso")},
    ),
    (
        "Yoga Mat",
        "sports",
        {"color": ("purple", "blue", "black"), "thickness": ("4mm", "6mm", "8mm")},
    ),
    (
        "Office Chair",
        "home",
        {"color": ("black", "grey"), "material": ("mesh", "leather", "fabric")},
    ),
    (
        "Smart Watch",
        "electronics",
        {"color": ("black", "silver", "gold"), "strap": ("silicone", "metal", "leather")},
    ),
    ("Wool Sweater", "apparel", {"color": ("cream", "brown", "navy"), "size": ("S", "M", "L")}),
)


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def random_address(rng: random.Random, config: WorldConfig | None = None) -> Address:
    """A random postal address drawn from the config's pools."""
    cfg = config or WorldConfig()
    city, state = rng.choice(cfg.cities)
    street = f"{rng.randint(10, 999)} {rng.choice(cfg.streets)} {rng.choice(_SUFFIX)}"
    return Address(address1=street, city=city, state=state, zip=_digits(rng, 5))


def _products(rng: random.Random, cfg: WorldConfig) -> tuple[Product, ...]:
    n = rng.randint(*cfg.n_products)
    chosen = rng.sample(range(len(_CATALOG)), min(n, len(_CATALOG)))
    products = []
    used: set[str] = set()
    for idx in sorted(chosen):
        name, category, axes = _CATALOG[idx]
        product_id = _digits(rng, 8)
        grid: list[tuple[tuple[str, str], ...]] = [()]
        for attr, values in axes.items():
            grid = [g + ((attr, v),) for g in grid for v in values]
        k = min(len(grid), rng.randint(5, 9))
        picked = sorted(rng.sample(range(len(grid)), k))
        base = rng.randint(*cfg.price_cents)
        variants = []
        for j, gi in enumerate(picked):
            item_id = _digits(rng, 10)
            while item_id in used:
                item_id = _digits(rng, 10)
            used.add(item_id)
            price = base + rng.randint(-base // 5, base // 5)
            # Keep at least two available variants per product, so exchanges exist.
            available = j < 2 or rng.random() >= cfg.unavailable_share
            variants.append(Variant(item_id, product_id, grid[gi], price, available))
        products.append(Product(product_id, name, category, tuple(axes), tuple(variants)))
    return tuple(products)


def _customer(rng: random.Random, cfg: WorldConfig, taken: set[str]) -> Customer:
    first, last = rng.choice(cfg.first_names), rng.choice(cfg.last_names)
    user_id = f"{first}_{last}_{_digits(rng, 4)}".lower()
    while user_id in taken:
        user_id = f"{first}_{last}_{_digits(rng, 4)}".lower()
    taken.add(user_id)
    email = f"{first}.{last}{_digits(rng, 3)}@example.com".lower()
    methods = [
        PaymentMethod(
            f"credit_card_{_digits(rng, 7)}", "credit_card", rng.choice(_BRANDS), _digits(rng, 4)
        )
    ]
    if rng.random() < 0.6:
        balance = rng.randint(*cfg.gift_card_cents)
        methods.append(
            PaymentMethod(f"gift_card_{_digits(rng, 7)}", "gift_card", balance_cents=balance)
        )
    if rng.random() < 0.5:
        methods.append(PaymentMethod(f"paypal_{_digits(rng, 7)}", "paypal"))
    if rng.random() < 0.3:
        methods.append(
            PaymentMethod(
                f"credit_card_{_digits(rng, 7)}",
                "credit_card",
                rng.choice(_BRANDS),
                _digits(rng, 4),
            )
        )
    return Customer(user_id, first, last, email, random_address(rng, cfg), tuple(methods))


def _orders(
    rng: random.Random,
    cfg: WorldConfig,
    customer: Customer,
    products: tuple[Product, ...],
    taken: set[str],
) -> list[Order]:
    statuses = [s for s, _ in cfg.status_weights]
    weights = [w for _, w in cfg.status_weights]
    orders = []
    for _ in range(rng.randint(*cfg.orders_per_customer)):
        order_id = f"#W{_digits(rng, 7)}"
        while order_id in taken:
            order_id = f"#W{_digits(rng, 7)}"
        taken.add(order_id)
        status = rng.choices(statuses, weights)[0]
        n_items = rng.randint(1, 4)
        # At most one unit of a given product per order keeps item references unambiguous.
        prods = rng.sample(list(products), min(n_items, len(products)))
        items = []
        for p in prods:
            v = rng.choice(p.variants)
            items.append(OrderItem(v.item_id, p.product_id, p.name, v.options, v.price_cents))
        method = rng.choice(customer.payment_methods)
        address = customer.address if rng.random() < 0.8 else random_address(rng, cfg)
        tracking = _digits(rng, 12) if status not in ("pending", "cancelled") else ""
        orders.append(
            Order(
                order_id,
                customer.user_id,
                status,
                address,
                tuple(items),
                method.payment_method_id,
                tracking,
            )
        )
    return orders


@functools.lru_cache(maxsize=64)
def generate_world(seed: int, config: WorldConfig | None = None) -> World:
    """Generate the world of `seed` (same seed and config, same world).

    Example:
        >>> w = generate_world(3)
        >>> w == generate_world(3), len(w.customers) >= 18
        (True, True)
    """
    cfg = config or WorldConfig()
    rng = random.Random(derive_seed("retail-world", seed))
    products = _products(rng, cfg)
    taken_users: set[str] = set()
    customers = tuple(
        _customer(rng, cfg, taken_users) for _ in range(rng.randint(*cfg.n_customers))
    )
    taken_orders: set[str] = set()
    orders: list[Order] = []
    for c in customers:
        orders.extend(_orders(rng, cfg, c, products, taken_orders))
    return World(seed=seed, customers=customers, products=products, orders=tuple(orders))


def world_to_json(world: World) -> dict[str, Any]:
    """The world as plain JSON data (edit it, save it, load it with `world_from_json`).

    Example:
        >>> w = generate_world(2)
        >>> world_from_json(json.loads(json.dumps(world_to_json(w)))) == w
        True
    """
    return cast(dict[str, Any], json.loads(json.dumps(dataclasses.asdict(world))))


def world_from_json(data: dict[str, Any]) -> World:
    """A `World` from `world_to_json` data (e.g. an edited file); ValueError if malformed."""

    def opts(items: Any) -> tuple[tuple[str, str], ...]:
        return tuple((str(k), str(v)) for k, v in items)

    try:
        customers = tuple(
            Customer(
                c["user_id"],
                c["first_name"],
                c["last_name"],
                c["email"],
                Address(**c["address"]),
                tuple(PaymentMethod(**m) for m in c["payment_methods"]),
            )
            for c in data["customers"]
        )
        products = tuple(
            Product(
                p["product_id"],
                p["name"],
                p["category"],
                tuple(p["attributes"]),
                tuple(
                    Variant(
                        v["item_id"],
                        v["product_id"],
                        opts(v["options"]),
                        int(v["price_cents"]),
                        bool(v["available"]),
                    )
                    for v in p["variants"]
                ),
            )
            for p in data["products"]
        )
        orders = tuple(
            Order(
                o["order_id"],
                o["user_id"],
                o["status"],
                Address(**o["address"]),
                tuple(
                    OrderItem(
                        i["item_id"],
                        i["product_id"],
                        i["name"],
                        opts(i["options"]),
                        int(i["price_cents"]),
                    )
                    for i in o["items"]
                ),
                o["payment_method_id"],
                o.get("tracking_id", ""),
            )
            for o in data["orders"]
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a world: {exc!r}; write one with world_to_json") from exc
    return World(
        seed=int(data.get("seed", 0)), customers=customers, products=products, orders=orders
    )


@functools.lru_cache(maxsize=8)
def _load_file(path: str, mtime: float) -> World:
    with open(path, encoding="utf-8") as f:
        return world_from_json(json.load(f))


def load_world_file(path: str | os.PathLike[str]) -> World:
    """Load a world saved as JSON (cached while the file is unchanged).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "shop.json"
        >>> _ = p.write_text(json.dumps(world_to_json(generate_world(1))))
        >>> load_world_file(p) == generate_world(1)
        True
    """
    p = os.fspath(path)
    return _load_file(p, os.path.getmtime(p))
