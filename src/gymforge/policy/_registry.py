"""The registry of policy kinds: the ``gymforge.policies`` entry-point group, read lazily.

Each entry of the group is one kind, named like it and pointing at a `PolicyKind`.
Nothing is read at import: the group is listed on the first lookup, and an entry is
imported only when its kind is looked up (or when an error lists every valid form). A
third-party entry that fails to load is logged and skipped; gymforge's own failing is
an error. gymforge's own kinds are entries of the same group, declared in its
``pyproject.toml``; the registry also knows them without the installed metadata, so a
source checkout, or an editable install made before a kind was added, still has them.
"""

from __future__ import annotations

import logging
import re
from importlib.metadata import EntryPoint, entry_points

from gymforge.errors import ConfigError
from gymforge.policy._kinds import PolicyKind

__all__ = ["ENTRY_POINT_GROUP", "lookup_kind", "policy_kinds"]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gymforge.policies"
"""Entry-point group whose entries are policy kinds (third-party packages use it too)."""

OWN_ENTRIES: dict[str, str] = {
    "oracle": "gymforge.policy._kinds:ORACLE",
    "nothing": "gymforge.policy._kinds:NOTHING",
    "random": "gymforge.policy._kinds:RANDOM",
    "local": "gymforge.policy._kinds:LOCAL",
    "openai": "gymforge.policy._kinds:OPENAI",
    "py": "gymforge.policy._kinds:PY",
}
"""gymforge's own entries, in the order errors list them; equal to pyproject.toml's."""

_NAME_RE = re.compile(r"^[A-Za-z][\w.-]*$")
_NAME_RULE = "a letter, then letters, digits, '_', '.' or '-'"


class _PluginFailed(Exception):
    """A third-party entry could not be loaded; the reason is logged and kept."""


class _Registry:
    """The group's entries (listed once) and the kinds loaded from them so far."""

    def __init__(self) -> None:
        self._entries: dict[str, EntryPoint] | None = None
        self._kinds: dict[str, PolicyKind] = {}
        self.failed: dict[str, str] = {}
        """Entry name -> why its plugin could not be loaded."""

    def entries(self) -> dict[str, EntryPoint]:
        """Every entry by kind name: gymforge's first, then plugins' by name."""
        if self._entries is None:
            found = {n: EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in OWN_ENTRIES.items()}
            installed = entry_points(group=ENTRY_POINT_GROUP)
            for ep in sorted(installed, key=lambda e: (e.name, e.value)):
                taken = found.get(ep.name)
                if taken is not None:
                    if taken.value != ep.value:
                        logger.error(
                            "policy plugin %r (%s) was skipped: the kind %r is already %s",
                            ep.name,
                            ep.value,
                            ep.name,
                            taken.value,
                        )
                    continue
                if not _NAME_RE.match(ep.name):
                    self._skip(ep, f"{ep.name!r} is not a kind name: {_NAME_RULE}")
                    continue
                found[ep.name] = ep
            self._entries = found
        return self._entries

    def _skip(self, ep: EntryPoint, reason: str) -> None:
        self.failed[ep.name] = reason
        logger.error("policy plugin %r (%s) failed and was skipped: %s", ep.name, ep.value, reason)

    def kind(self, name: str) -> PolicyKind | None:
        """The kind named `name`, loading its entry; None when there is no such entry.

        Raises:
            ConfigError: The entry is gymforge's own and failed to load.
            _PluginFailed: The entry is a plugin's and failed to load (logged).
        """
        loaded = self._kinds.get(name)
        if loaded is not None:
            return loaded
        if name in self.failed:
            raise _PluginFailed(self.failed[name])
        ep = self.entries().get(name)
        if ep is None:
            return None
        try:
            obj = ep.load()
            if not isinstance(obj, PolicyKind):
                raise TypeError(f"{ep.value} is a {type(obj).__name__}, not a PolicyKind")
            if obj.name != name:
                raise ValueError(f"the entry is named {name!r} but its kind is {obj.name!r}")
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if OWN_ENTRIES.get(name) == ep.value:
                raise ConfigError(f"gymforge's policy kind {name!r} failed: {reason}") from exc
            self._skip(ep, reason)
            raise _PluginFailed(reason) from exc
        self._kinds[name] = obj
        return obj

    def all_kinds(self) -> list[PolicyKind]:
        """Every kind that loads: gymforge's, then plugins' by name (failures skipped)."""
        kinds = []
        for name in self.entries():
            try:
                found = self.kind(name)
            except _PluginFailed:
                continue
            if found is not None:
                kinds.append(found)
        return kinds


_REGISTRY = _Registry()


def lookup_kind(name: str) -> PolicyKind | None:
    """The kind named `name`, or None when no entry has that name.

    Raises:
        ConfigError: Its plugin (or gymforge's own entry) failed to load; says why.
    """
    try:
        return _REGISTRY.kind(name)
    except _PluginFailed as exc:
        value = _REGISTRY.entries()[name].value
        raise ConfigError(
            f"policy kind {name!r} comes from the plugin {value!r}, which failed to load: "
            f"{exc}. Fix or reinstall the package that provides it"
        ) from None


def policy_kinds() -> list[PolicyKind]:
    """Every policy kind: gymforge's own, then installed plugins' by name.

    A plugin that fails to load is logged and left out.

    Example:
        >>> [kind.name for kind in policy_kinds()][:6]
        ['oracle', 'nothing', 'random', 'local', 'openai', 'py']
    """
    return _REGISTRY.all_kinds()
