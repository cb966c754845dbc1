"""xlner: cross-lingual named-entity recognition by annotation projection.

The C++ core (``xlner._core``) is private; use the names re-exported here.
"""
from __future__ import annotations

from xlner._version import __version__

__all__ = ["__version__"]
