"""Logging and progress bars of the command line.

Every module logs through ``logging.getLogger(__name__)`` (a child of the ``xlner`` logger) and never
prints status to stdout: stdout carries only the output a command was asked for. :func:`cli_logging`
attaches, for the duration of one command, a handler writing ``xlner <command>: message`` lines to
stderr at the level chosen by ``-v/--verbose`` and ``-q/--quiet``; as a library, xlner adds no handler
(Python's default: warnings and errors on stderr).

:func:`progress` is a tqdm bar on stderr, shown only when stderr is a terminal and INFO messages are
enabled on the ``xlner`` logger (so ``--quiet``, pipes and test runs get no bar).
"""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import Any, Iterable, Iterator, Optional, TextIO

LOGGER_NAME = "xlner"


def level_for(verbose: int, quiet: int) -> int:
    """The logging level of ``-v`` × ``verbose`` and ``-q`` × ``quiet``: INFO by default, DEBUG with ``-v``,
    WARNING with ``-q``, ERROR with ``-qq``."""
    steps = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR]
    return steps[max(0, min(len(steps) - 1, 1 - verbose + quiet))]


class _StderrHandler(logging.StreamHandler):
    """A handler that writes to the *current* ``sys.stderr`` (which tests and callers may replace)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # the base class assigns it; the property ignores it
        pass


class _CommandFormatter(logging.Formatter):
    """``xlner <command>: message``, with ``warning:`` / ``error:`` after the prefix for those levels."""

    def __init__(self, command: str) -> None:
        super().__init__()
        self.prefix = f"xlner {command}: " if command else "xlner: "

    def format(self, record: logging.LogRecord) -> str:  # noqa: D102
        kind = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return self.prefix + kind + super().format(record)


@contextlib.contextmanager
def cli_logging(command: str, level: int) -> Iterator[logging.Logger]:
    """Route the ``xlner`` logger to stderr at ``level`` while the block runs; restores it afterwards."""
    logger = logging.getLogger(LOGGER_NAME)
    handler = _StderrHandler()
    handler.setFormatter(_CommandFormatter(command))
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def progress_enabled() -> bool:
    """True when a progress bar should be drawn: stderr is a terminal and INFO is enabled for xlner."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) and logging.getLogger(LOGGER_NAME).isEnabledFor(logging.INFO)


def progress(iterable: Optional[Iterable[Any]] = None, *, total: Optional[float] = None, desc: str = "",
             unit: str = "it") -> Any:
    """A tqdm progress bar on stderr (disabled unless :func:`progress_enabled`); usable as an iterable
    wrapper or, with ``total``, through ``update(n)`` / ``close()`` or as a context manager."""
    from tqdm import tqdm  # noqa: PLC0415

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, disable=not progress_enabled(),
                dynamic_ncols=True, leave=False)


__all__ = ["LOGGER_NAME", "level_for", "cli_logging", "progress_enabled", "progress"]


@contextlib.contextmanager
def working(desc: str, interval: float = 0.5) -> Iterator[None]:
    """A one-line ``desc: elapsed`` bar on stderr, ticking while a step without its own progress (e.g. an
    external aligner's training) runs; nothing unless :func:`progress_enabled`."""
    if not progress_enabled():
        yield
        return
    import threading  # noqa: PLC0415

    bar = progress(total=None, desc=desc, unit="s")
    bar.bar_format = "{desc}: {elapsed}"
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(interval):
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        bar.close()


__all__ += ["working"]
