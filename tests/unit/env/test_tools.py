import asyncio
import json
from typing import Any, Literal

import pydantic
import pytest

from gymforge.env import Tool, tool
from gymforge.env.authoring import parse_google_docstring
from gymforge.errors import ToolError


class Address(pydantic.BaseModel):
    street: str
    zip_code: int


@tool
def book(
    city: str,
    nights: int,
    budget: float = 100.0,
    room: Literal["single", "double"] = "single",
    note: str | None = None,
    tags: list[str] | None = None,
) -> str:
    """Book a hotel room.

    Books the cheapest room that fits,
    within the budget.

    Args:
        city: Where to stay.
        nights (int): How many nights,
            at least one.
        budget: Most to pay per night.
        room: Kind of room.
        note: Free text for the hotel.
        tags: Labels.

    Returns:
        A confirmation.
    """
    return f"{city}:{nights}:{budget}:{room}:{note}:{tags}"


def test_schema_types_defaults_enums_optional_and_descriptions() -> None:
    params = book.spec.parameters
    props = params["properties"]
    assert params["type"] == "object"
    assert params["additionalProperties"] is False
    assert params["required"] == ["city", "nights"]
    assert props["city"] == {"type": "string", "description": "Where to stay."}
    assert props["nights"]["type"] == "integer"
    assert props["nights"]["description"] == "How many nights, at least one."
    assert props["budget"]["type"] == "number"
    assert props["budget"]["default"] == 100.0
    assert props["room"]["enum"] == ["single", "double"]
    assert props["room"]["default"] == "single"
    assert {"type": "null"} in props["note"]["anyOf"]
    assert {"type": "string"} in props["note"]["anyOf"]
    assert props["note"]["default"] is None
    assert {"type": "array", "items": {"type": "string"}} in props["tags"]["anyOf"]
    assert "title" not in json.dumps(params)


def test_description_is_the_text_before_the_first_section() -> None:
    assert book.name == "book"
    assert book.description == (
        "Book a hotel room.\n\nBooks the cheapest room that fits, within the budget."
    )
    assert book.spec.to_openai()["function"]["name"] == "book"


def test_nested_model_parameter_keeps_its_definitions() -> None:
    @tool
    def ship(to: Address) -> str:
        """Ship a parcel."""
        return f"{to.street} {to.zip_code}"

    schema = ship.parameters
    assert "$defs" in schema
    assert schema["$defs"]["Address"]["required"] == ["street", "zip_code"]
    assert asyncio.run(ship.invoke({"to": {"street": "Main", "zip_code": "123"}})) == "Main 123"


def test_options_name_and_writes() -> None:
    @tool(name="lookup-order", writes=True)
    def find(order_id: int) -> dict[str, Any]:
        """Find an order."""
        return {"id": order_id, "status": "pending"}

    assert find.name == "lookup-order"
    assert find.spec.writes is True
    assert book.spec.writes is False
    # Non-str results are returned as compact JSON.
    assert asyncio.run(find.invoke('{"order_id": 7}')) == '{"id":7,"status":"pending"}'


def test_invoke_coerces_validated_arguments() -> None:
    out = asyncio.run(book.invoke('{"city": "Oslo", "nights": "3", "room": "double"}'))
    assert out == "Oslo:3:100.0:double:None:None"


def test_async_tool_is_awaited() -> None:
    @tool
    async def slow_add(a: int, b: int = 1) -> int:
        """Add two numbers."""
        await asyncio.sleep(0)
        return a + b

    assert asyncio.run(slow_add.invoke({"a": 2})) == "3"


def test_none_result_reads_ok() -> None:
    @tool
    def noop() -> None:
        """Do nothing."""

    assert noop.parameters["properties"] == {}
    assert asyncio.run(noop.invoke("")) == "ok"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('{"nights": 2}', "argument 'city': field required"),
        (
            '{"city": "Oslo", "nights": "many"}',
            "argument 'nights': input should be a valid integer",
        ),
        ('{"city": "Oslo", "nights": 1, "room": "suite"}', "argument 'room': input should be"),
        (
            '{"city": "Oslo", "nights": 1, "pets": 2}',
            "argument 'pets': unexpected argument; valid arguments: city, nights, budget",
        ),
        ('{"city": "Oslo", ', "arguments are not valid JSON"),
        ("[1, 2]", "arguments must be a JSON object, got list"),
    ],
)
def test_bad_arguments_raise_tool_error_for_the_model(arguments: str, message: str) -> None:
    with pytest.raises(ToolError) as info:
        asyncio.run(book.invoke(arguments))
    assert message in str(info.value)


def test_method_tools_bind_and_hide_self() -> None:
    class Counter:
        def __init__(self) -> None:
            self.n = 0

        @tool
        def bump(self, by: int = 1) -> int:
            """Increase the counter."""
            self.n += by
            return self.n

    assert isinstance(Counter.__dict__["bump"], Tool)
    assert "self" not in Counter.bump.parameters["properties"]
    counter = Counter()
    assert asyncio.run(counter.bump.invoke({"by": 5})) == "5"
    assert counter.bump(2) == 7
    with pytest.raises(TypeError, match="call it on an instance"):
        asyncio.run(Counter.bump.invoke({}))


def test_definition_errors() -> None:
    def untyped(x):  # type: ignore[no-untyped-def]
        """No hints."""

    def variadic(*args: int) -> None:
        """Variadic."""

    def fine(x: int) -> None:
        """Fine."""

    with pytest.raises(TypeError, match="needs a type hint"):
        tool(untyped)
    with pytest.raises(TypeError, match=r"\*args"):
        tool(variadic)
    with pytest.raises(ValueError, match="tool name"):
        tool(name="has space")(fine)
    with pytest.raises(TypeError, match="expects a function"):
        tool(42)  # type: ignore[call-overload]


def test_parse_google_docstring_edge_cases() -> None:
    assert parse_google_docstring(None) == ("", {})
    assert parse_google_docstring("Only a summary.") == ("Only a summary.", {})
    desc, args = parse_google_docstring(
        """Do it.

        Args:
            *items: The items.
            **extra: More.

        Raises:
            ValueError: Not an argument.
        """
    )
    assert desc == "Do it."
    assert args == {"items": "The items.", "extra": "More."}


def test_parameter_names_that_clash_with_pydantic_work() -> None:
    @tool
    def store(json: str, schema: int = 2, _trace: bool = False) -> str:
        """Store a document."""
        return f"{json}|{schema}|{_trace}"

    assert list(store.parameters["properties"]) == ["json", "schema", "_trace"]
    assert store.argument_names == ["json", "schema", "_trace"]
    assert asyncio.run(store.invoke({"json": "{}", "_trace": "true"})) == "{}|2|True"
    with pytest.raises(ToolError, match="argument 'json': field required"):
        asyncio.run(store.invoke({"p0": "x"}))
