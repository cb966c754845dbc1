"""Shared option helpers of the subcommands: ``-`` for stdin/stdout, ``sample:NAME`` for the bundled sample,
one spelling of the output options.

A command declares which of its arguments are input and output files with :func:`file_args`; while it
runs (:func:`stdio_files`, called by :func:`xlner.cli.main`), an input given as ``-`` is read from stdin
into a temporary file named ``stdin`` and an output given as ``-`` is written to a temporary file whose
content goes to stdout when the command succeeds. The readers and writers (many of them in C++) therefore
see ordinary paths.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from typing import Iterator, Sequence

STDIO = "-"


def file_args(p: argparse.ArgumentParser, *, inputs: Sequence[str] = (), outputs: Sequence[str] = ()) -> None:
    """Declare the ``dest`` names of the file arguments of ``p`` that accept ``-`` (stdin / stdout); their
    help gains a note saying so."""
    p.set_defaults(_stdio_inputs=tuple(inputs), _stdio_outputs=tuple(outputs))
    for action in p._actions:
        for names, stream in ((inputs, "stdin"), (outputs, "stdout")):
            if action.dest in names and action.help and action.help is not argparse.SUPPRESS \
                    and "'-'" not in action.help:
                action.help += f" ('-': {stream})"


def out_option(p: argparse.ArgumentParser, *hidden: str, dest: str = "out", required: bool = True,
               directory: bool = False, help: str, metavar: str = "OUT") -> None:
    """Add ``-o/--out`` (a file) or ``--out-dir`` (``directory``) with older spellings as hidden aliases."""
    names = ["--out-dir"] if directory else ["-o", "--out"]
    if not hidden:
        p.add_argument(*names, dest=dest, required=required, help=help, metavar=metavar)
        return
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument(*names, dest=dest, help=help, metavar=metavar)
    for alias in hidden:
        g.add_argument(alias, dest=dest, help=argparse.SUPPRESS)


def _copy_stdin(path: str) -> None:
    stream = getattr(sys.stdin, "buffer", None)
    with open(path, "wb") as fh:
        if stream is not None:
            shutil.copyfileobj(stream, fh)
        else:  # a text stream (tests)
            fh.write(sys.stdin.read().encode("utf-8"))


def _copy_stdout(path: str) -> None:
    sys.stdout.flush()
    stream = getattr(sys.stdout, "buffer", None)
    with open(path, "rb") as fh:
        if stream is not None:
            shutil.copyfileobj(fh, stream)
            stream.flush()
        else:
            sys.stdout.write(fh.read().decode("utf-8"))
            sys.stdout.flush()


@contextlib.contextmanager
def stdio_files(args: argparse.Namespace) -> Iterator[None]:
    """Replace ``-`` in the declared file arguments of ``args`` by temporary files for the block; on success
    copy the output written there to stdout. At most one input and one output can be ``-``. Declared inputs
    also take ``sample:NAME`` (a file of the bundled sample, :func:`xlner.datasets.resolve_path`)."""
    from xlner.datasets import SAMPLE_PREFIX, resolve_path

    _repeatable: set = set()

    for k in getattr(args, "_stdio_inputs", ()):
        value = getattr(args, k, None)
        if isinstance(value, str) and value.startswith(SAMPLE_PREFIX):
            setattr(args, k, resolve_path(value))
        elif isinstance(value, list):  # a repeatable option (action="append")
            setattr(args, k, [resolve_path(v) if isinstance(v, str) and v.startswith(SAMPLE_PREFIX) else v
                              for v in value])
            if value.count(STDIO) == 1 and len(value) == 1:
                setattr(args, k, STDIO)  # one '-': handled below, then given back as a one-element list
                _repeatable.add(k)
            elif STDIO in value:
                raise ValueError(f"--{k.replace('_', '-')}: '-' (standard input) is only accepted once, alone")
    ins = [k for k in getattr(args, "_stdio_inputs", ()) if getattr(args, k, None) == STDIO]
    outs = [k for k in getattr(args, "_stdio_outputs", ()) if getattr(args, k, None) == STDIO]
    if not ins and not outs:
        yield
        return
    for kind, used in (("input", ins), ("output", outs)):
        if len(used) > 1:
            flags = ", ".join("--" + k.replace("_", "-") for k in used)
            raise ValueError(f"only one {kind} can be '-' (standard {'input' if kind == 'input' else 'output'}); "
                             f"got {flags}")
    with tempfile.TemporaryDirectory(prefix="xlner-stdio-") as d:
        for k in ins:
            path = os.path.join(d, "stdin")
            _copy_stdin(path)
            setattr(args, k, [path] if k in _repeatable else path)
        out_path = os.path.join(d, "stdout")
        for k in outs:
            setattr(args, k, out_path)
        yield
        if outs and os.path.exists(out_path):
            _copy_stdout(out_path)
