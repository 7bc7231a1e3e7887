"""A docstring `Args:` entry that names no parameter is an author mistake caught at definition."""

import pytest

from gymforge.env import tool


def test_an_args_entry_without_a_parameter_raises_with_a_suggestion() -> None:
    def refund(order_id: int, reason: str) -> str:
        """Refund an order.

        Args:
            order_ids: The order's number.
            reason: Why.
        """
        return "ok"

    with pytest.raises(TypeError, match="refund") as info:
        tool(refund)
    message = str(info.value)
    assert "'order_ids'" in message
    assert "did you mean 'order_id'?" in message


def test_an_entry_far_from_every_parameter_lists_them() -> None:
    def lookup(sku: str) -> str:
        """Look up a product.

        Args:
            sku: The product code.
            verbose: Say more.
        """
        return sku

    with pytest.raises(TypeError, match=r"tool 'lookup'.*'verbose'.*parameters: sku"):
        tool(lookup)


def test_the_tool_name_given_is_the_one_named() -> None:
    def f(x: int) -> str:
        """Do it.

        Args:
            y: Nothing.
        """
        return ""

    with pytest.raises(TypeError, match="tool 'renamed'"):
        tool(name="renamed")(f)


def test_matching_entries_and_method_tools_are_fine() -> None:
    class Shop:
        @tool
        def buy(self, item: str, count: int = 1) -> str:
            """Buy something.

            Args:
                item: What.
                count: How many.
            """
            return f"{count} x {item}"

    assert Shop.buy.parameters["properties"]["count"]["description"] == "How many."  # type: ignore[index]


def test_an_undocumented_parameter_is_still_allowed() -> None:
    @tool
    def ping(host: str, port: int = 80) -> str:
        """Ping.

        Args:
            host: Where.
        """
        return host

    assert ping.argument_names == ["host", "port"]


def test_a_tool_without_parameters_says_so() -> None:
    def now() -> str:
        """The time.

        Args:
            tz: A zone.
        """
        return ""

    with pytest.raises(TypeError, match="it has no parameters"):
        tool(now)
