"""The ``xlner`` command line.

Subcommands live in :mod:`xlner.commands`, one module per subcommand, found at start-up: a module
``xlner/commands/<name>.py`` defines ``add_parser(subparsers)`` (adds its parser, named after the command)
and ``run(args) -> int`` (the exit status). Modules must import heavy dependencies (torch, transformers)
inside ``run``, so that ``xlner --help`` stays fast.

A failing command exits with status 1 and one readable line on stderr (``xlner <command>: error: ...``);
``--traceback`` shows the full traceback instead. Usage errors exit with status 2, also in one line.

Global options, accepted before or after the command name: ``-v/--verbose`` (more log lines, DEBUG),
``-q/--quiet`` (warnings only; ``-qq``: errors only), ``--traceback``. Logs and progress bars go to stderr
(:mod:`xlner.log`); stdout carries only the requested output. ``-`` as an input or output file means
stdin / stdout (:mod:`xlner.commands._stdio`); a closed pipe (``xlner ... -o - | head``) ends quietly.
"""
from __future__ import annotations

import argparse
import errno
import os
import pkgutil
import re
import sys
from types import ModuleType
from typing import Any, Dict, List, NoReturn, Optional

from xlner._version import __version__

#: Exceptions turned into one error line (anything else is a bug and keeps its traceback).
USER_ERRORS = (ValueError, IndexError, KeyError, OSError, RuntimeError, NotImplementedError, ImportError)


_RST_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def plain_text(text: Optional[str]) -> Optional[str]:
    """Help text without reStructuredText markup (roles such as ``:class:`X``` and double back-quotes)."""
    if text is None or text is argparse.SUPPRESS:
        return text
    text = _RST_ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return text.replace("``", "").replace("::\n", ":\n")


def _trivial_default(value: Any) -> bool:
    """Defaults not worth showing: none, a switch that is off, an empty list."""
    return value is None or value is False or value is argparse.SUPPRESS or (isinstance(value, (list, tuple))
                                                                            and not value)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: X)`` after every option that has a meaningful default and does not state it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help = action.help or ""
        if _trivial_default(action.default) or "default" in help:
            return help
        return super()._get_help_string(action) or help


class ArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors on one line (``xlner project: error: ... (see --help)``), defaults shown
    in the help and no reStructuredText markup in it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        for key in ("description", "epilog", "help"):
            if key in kwargs:
                kwargs[key] = plain_text(kwargs[key])
        kwargs.pop("help", None)  # only add_parser takes it; argparse strips it before calling us anyway
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:  # noqa: D102 - argparse API
        if "help" in kwargs:
            kwargs["help"] = plain_text(kwargs["help"])
        elif not _trivial_default(kwargs.get("default")):
            kwargs["help"] = "(default: %(default)s)"  # an option without help still shows its default
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``-v``, ``-q`` and ``--traceback`` on ``parser`` and, recursively, on its subcommands' parsers (there
    with ``SUPPRESS`` defaults, so that a global option given before the command is kept)."""
    default: Any = 0 if top else argparse.SUPPRESS
    g = parser.add_argument_group("global options")
    taken = parser._option_string_actions  # a command's own spelling (e.g. a store_true --quiet) wins

    def add(*names: str, **kwargs: Any) -> None:
        free = [n for n in names if n not in taken]
        if free:
            g.add_argument(*free, **kwargs)
        for n in names:
            if n in taken and not top and taken[n].dest == names[-1].lstrip("-"):
                taken[n].default = argparse.SUPPRESS  # so that the global value given before the command stays

    add("-v", "--verbose", action="count", default=default,
        help="more log lines on stderr (DEBUG); with train-tagger also crfsuite's log")
    add("-q", "--quiet", action="count", default=default,
        help="only warnings on stderr (-qq: only errors); no progress bars")
    add("--traceback", action="store_true", default=False if top else argparse.SUPPRESS,
        help="show the full traceback of a failing command")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                _add_global_options(sub, top=False)


def _check_threads(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    threads = getattr(args, "threads", None)
    if threads is not None and (threads == 0 or threads < -1):
        sub = f"xlner {args._command}" if getattr(args, "_command", None) else parser.prog
        parser.exit(2, f"{sub}: error: --threads {threads}: give a positive number of threads, or -1 for all "
                       f"cores (see {sub} --help)\n")


def command_modules(only: Optional[str] = None) -> Dict[str, ModuleType]:
    """The command table: name → module, for every module of :mod:`xlner.commands` with ``add_parser`` and
    ``run`` (a module whose import fails becomes a command that reports the failure when run). ``only``: import
    just that command's module when there is one (the others' imports are not paid for by a run of one command)."""
    import importlib.util

    import xlner.commands as pkg

    table: Dict[str, ModuleType] = {}
    names: List[str] = []
    if only is not None:  # one command: found directly (listing the package with pkgutil imports inspect, ~4 ms)
        mod_name = only.replace("-", "_")
        if "_" not in only and mod_name.isidentifier() and \
                importlib.util.find_spec(f"{pkg.__name__}.{mod_name}") is not None:
            names = [mod_name]
    if not names:
        names = sorted(i.name for i in pkgutil.iter_modules(pkg.__path__))
    for short in names:
        if short.startswith("_"):
            continue
        try:
            mod = importlib.import_module(f"{pkg.__name__}.{short}")
        except Exception as exc:  # noqa: BLE001 - reported when the command is used
            mod = _broken_command(short, exc)
        if hasattr(mod, "add_parser") and hasattr(mod, "run"):
            table[short.replace("_", "-")] = mod
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name, mod in table.items():
        p = mod.add_parser(sub)
        p.set_defaults(_command=name, _run=mod.run)
    _add_global_options(parser, top=True)
    return parser


def _quiet_broken_pipe() -> int:
    """After stdout's reader went away (``| head``): point stdout at /dev/null so that the interpreter's
    final flush does not fail again, and return the shell's status of a process ended by SIGPIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass
    return 141


def _one_blas_thread() -> None:
    """Start numpy's OpenBLAS with one thread in the command's process, unless ``OPENBLAS_NUM_THREADS`` is set.

    OpenBLAS starts a thread per core when numpy is imported, and those threads spin for a while on cores the
    command's own threads need (~70 ms of CPU per start on 2 cores, ~5 % of ``xlner project`` on a million
    sentence pairs). The commands' BLAS calls (embedding similarities, bootstrap sums) are small; torch and
    CTranslate2 use their own thread pools. Only takes effect before numpy is loaded, so a program that already
    imported numpy and calls :func:`main` keeps its own setting.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``xlner``: returns the exit status."""
    _one_blas_thread()
    from xlner.commands._stdio import stdio_files
    from xlner.log import cli_logging, level_for

    words = sys.argv[1:] if argv is None else argv
    command = next((w for w in words if not w.startswith("-")), None)  # the global options take no value
    parser = build_parser(command_modules(only=command))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    _check_threads(parser, args)
    try:
        level = level_for(int(getattr(args, "verbose", 0)), int(getattr(args, "quiet", 0)))
        with cli_logging(args._command, level), stdio_files(args):
            rc = int(args._run(args) or 0)
        sys.stdout.flush()
        return rc
    except KeyboardInterrupt:
        print(f"xlner {args._command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except USER_ERRORS as exc:
        if isinstance(exc, OSError) and (exc.errno == errno.EPIPE or "(Broken pipe)" in str(exc)):
            return _quiet_broken_pipe()  # e.g. the C++ writers writing to /dev/stdout
        if args.traceback:
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, (OSError, KeyError, ImportError, NotImplementedError)):
            msg = f"{type(exc).__name__}: {msg}"
        print(f"xlner {args._command}: error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
