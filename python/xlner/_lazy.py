"""Names of a package imported from their modules on first use (PEP 562), so that importing the package stays
light: ``xlner``, ``xlner.align`` and ``xlner.models`` use it."""
from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Mapping, Tuple


def lazy_names(package: str, names: Mapping[str, str],
               namespace: Dict[str, Any]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``: ``names`` maps each public name to the
    module that defines it; a name is imported on first use and kept in ``namespace`` (the package's
    ``globals()``), so later lookups do not come back here."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
