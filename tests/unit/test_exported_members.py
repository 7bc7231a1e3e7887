"""Every public package's __all__ is sorted and lists exactly its public names."""

import importlib
import pkgutil

import pytest

import gymforge

PACKAGES = sorted(
    {"gymforge"}
    | {
        m.name
        for m in pkgutil.walk_packages(gymforge.__path__, "gymforge.")
        if m.ispkg and not any(part.startswith("_") for part in m.name.split("."))
    }
)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__: declare its public names"
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which it does not define"
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and getattr(v, "__module__", name).startswith("gymforge")
        and not isinstance(v, type(importlib))
    }
    missing = public - set(exported) - {"annotations"}
    assert not missing, f"{name} defines public names missing from __all__: {sorted(missing)}"
