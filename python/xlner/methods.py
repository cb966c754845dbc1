"""The names of the projection methods: the one list, importable without loading the C++ core (the CLI
and the pipeline configuration use it; :func:`xlner.projection.project` implements them)."""
from __future__ import annotations

METHODS = ("heuristic", "greedy", "exact", "ilp")
"""Projection methods of :func:`xlner.projection.project`."""

__all__ = ["METHODS"]
