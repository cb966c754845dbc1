"""The ``xlner`` command line.

Subcommands live in :mod:`xlner.commands`, one module per subcommand, found at start-up: a module
``xlner/commands/<name>.py`` defines ``add_parser(subparsers)`` (adds its parser, named after the command)
and ``run(args) -> int`` (the exit status). Modules must import heavy dependencies (torch, transformers)
inside ``run``, so that ``xlner --help`` stays fast.

A failing command exits with status 1 and one readable line on stderr (``xlner <command>: error: ...``);
``--traceback`` shows the full traceback instead. Usage errors exit with status 2, also in one line.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType
from typing import Dict, List, NoReturn, Optional

from xlner._version import __version__

#: Exceptions turned into one error line (anything else is a bug and keeps its traceback).
USER_ERRORS = (ValueError, IndexError, KeyError, OSError, RuntimeError, NotImplementedError, ImportError)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors on one line (``xlner project: error: ... (see --help)``)."""

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def command_modules() -> Dict[str, ModuleType]:
    """The command table: name → module, for every module of :mod:`xlner.commands` with ``add_parser`` and
    ``run`` (a module whose import fails becomes a command that reports the failure when run)."""
    import xlner.commands as pkg

    table: Dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        name = f"{pkg.__name__}.{info.name}"
        try:
            mod = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - reported when the command is used
            mod = _broken_command(info.name, exc)
        if hasattr(mod, "add_parser") and hasattr(mod, "run"):
            table[info.name.replace("_", "-")] = mod
    return table


def _broken_command(name: str, exc: Exception) -> ModuleType:
    mod = ModuleType(name)
    cmd = name.replace("_", "-")

    def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
        p = subparsers.add_parser(cmd, help=f"(unavailable: {type(exc).__name__})", add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        return p

    def run(args: argparse.Namespace) -> int:
        raise ImportError(f"command {cmd!r} cannot be loaded: {type(exc).__name__}: {exc}")

    mod.add_parser, mod.run = add_parser, run  # type: ignore[attr-defined]
    return mod


def build_parser(table: Optional[Dict[str, ModuleType]] = None) -> ArgumentParser:
    """The top-level parser with every subcommand of the table."""
    table = command_modules() if table is None else table
    parser = ArgumentParser(prog="xlner", description="Cross-lingual NER by annotation projection.")
    parser.add_argument("--version", action="version", version=f"xlner {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of a failing command")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name, mod in table.items():
        p = mod.add_parser(sub)
        p.set_defaults(_command=name, _run=mod.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``xlner``: returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print(f"xlner {args._command}: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as exc:
        if args.traceback:
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, (OSError, KeyError, ImportError, NotImplementedError)):
            msg = f"{type(exc).__name__}: {msg}"
        print(f"xlner {args._command}: error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
