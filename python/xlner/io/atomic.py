"""Safe outputs: no command loses data when it fails or is given the wrong paths.

Every command that writes files goes through this module:

* :func:`check_outputs` refuses an output that is also an input or another output (same resolved path, or
  the same file through another name: same device and inode), and an output that is a directory.
* :func:`atomic_outputs` hands out a temporary path in the same directory as each output (so that the final
  rename stays on one file system); the writers write there. When the block ends without an exception every
  temporary file is renamed onto its output, all of them at the end (several outputs commit together). On any
  exception — a write error, a full disk, a file-size limit (``SIGXFSZ`` is ignored so that the write fails
  with ``EFBIG``), ``SIGTERM`` (turned into :class:`Terminated` while the block runs in the main thread) or
  Ctrl-C — the temporary files are removed and the existing outputs are left untouched.
* Outputs that are not regular files (``/dev/null``, ``/dev/stdout``, a FIFO) are written directly: they
  cannot be renamed onto.

Example:
    >>> with atomic_outputs(["out.conll", "spans.jsonl"], inputs={"--source": "en.conll"}) as (out, spans):
    ...     write_a(out); write_b(spans)                      # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
import sys
import threading
from typing import IO, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]
Named = Union[Mapping[str, Optional[PathLike]], Sequence[Optional[PathLike]]]


class Terminated(SystemExit):
    """Raised in the main thread when the process receives ``SIGTERM`` while outputs are being written: a
    :class:`SystemExit` with status 143 (128 + SIGTERM), so that ``except Exception`` clauses let it through and
    the temporary files are removed on the way out."""


def _named(paths: Named, default: str) -> List[Tuple[str, str]]:
    if isinstance(paths, Mapping):
        return [(str(k), os.fspath(v)) for k, v in paths.items() if v is not None]
    return [(f"{default} {os.fspath(v)}" if default else os.fspath(v), os.fspath(v)) for v in paths if v is not None]


def _identity(path: str) -> Tuple[str, Optional[Tuple[int, int]]]:
    real = os.path.realpath(path)
    try:
        st = os.stat(path)
        return real, (st.st_dev, st.st_ino)
    except OSError:
        return real, None


def _is_special(path: str) -> bool:
    """True when ``path`` exists and is not a regular file (a device, a FIFO, a socket)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_outputs(outputs: Named, inputs: Named = ()) -> None:
    """Refuse outputs that would overwrite an input or each other.

    Arguments:
        outputs: the output paths, as ``{name: path}`` (e.g. ``{"--out": ...}``, names used in messages) or a
            sequence; ``None`` entries are skipped.
        inputs: the input paths, in the same forms.

    Raises:
        ValueError: an output is an input or another output (same resolved path, or the same device and inode),
            or an output is an existing directory. The message names both.
    """
    outs = _named(outputs, "output")
    ins = _named(inputs, "input")
    seen: List[Tuple[str, str, Optional[Tuple[int, int]]]] = []
    for name, path in ins:
        seen.append((name, *_identity(path)))
    n_inputs = len(seen)
    for name, path in outs:
        if os.path.isdir(path):
            raise ValueError(f"{name} {path}: is a directory, expected a file path")
        real, ino = _identity(path)
        for k, (other, o_real, o_ino) in enumerate(seen):
            if real == o_real or (ino is not None and ino == o_ino):
                if _is_special(path) and k >= n_inputs:
                    continue  # two outputs to /dev/null are fine
                what = "the input" if k < n_inputs else "the output"
                raise ValueError(f"{name} {path} is the same file as {what} {other} {o_real}: refusing to "
                                 f"overwrite it (give another path)")
        seen.append((name, real, ino))


def _temp_path(path: str) -> str:
    head, tail = os.path.split(os.path.abspath(path))
    return os.path.join(head, f".{tail}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _create_temp(path: str) -> str:
    """Create (exclusively) a temporary file next to ``path`` with the mode a new file would get (or the mode of
    the existing ``path``); returns its path."""
    mode = 0o666
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(os.stat(path).st_mode)
    for _ in range(8):
        tmp = _temp_path(path)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OSError(exc.errno, f"{path}: cannot create a file in its directory ({exc.strerror})") from None
        os.close(fd)
        if mode != 0o666:
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)
        return tmp
    raise OSError(f"{path}: cannot create a temporary file next to it")


@contextlib.contextmanager
def _termination_raises() -> Iterator[None]:
    """While the block runs in the main thread, SIGTERM raises :class:`Terminated` and SIGXFSZ is ignored (a
    write past RLIMIT_FSIZE then fails with EFBIG instead of killing the process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: Any) -> None:
        print(f"xlner: terminated by signal {signum}; partial outputs removed", file=sys.stderr)
        raise Terminated(128 + signum)

    old: Dict[int, Any] = {}
    for sig, handler in ((signal.SIGTERM, on_term), (getattr(signal, "SIGXFSZ", None), signal.SIG_IGN)):
        if sig is None:
            continue
        try:
            old[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not allowed here (embedded interpreter)
            pass
    try:
        yield
    finally:
        for sig, handler in old.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def atomic_outputs(outputs: Sequence[Optional[PathLike]], *, inputs: Named = (),
                   names: Optional[Sequence[str]] = None) -> Iterator[List[Optional[str]]]:
    """Write several outputs all-or-nothing.

    Arguments:
        outputs: the final paths (``None`` entries stay ``None`` in what is yielded).
        inputs: input paths that no output may overwrite (see :func:`check_outputs`).
        names: names of the outputs in messages (e.g. ``["--out", "--spans-out"]``).

    Yields:
        The paths to write, one per output: a fresh temporary file next to each regular (or new) output, the
        output itself for devices and FIFOs.

    Raises:
        ValueError: see :func:`check_outputs`.
        Terminated: SIGTERM arrived while writing (the temporary files are removed).
    """
    finals = [None if p is None else os.fspath(p) for p in outputs]
    if names is not None:
        check_outputs({name: p for name, p in zip(names, finals) if p is not None}, inputs)
    else:
        check_outputs([p for p in finals if p is not None], inputs)
    temps: List[Optional[str]] = []
    try:
        with _termination_raises():
            for p in finals:
                temps.append(None if p is None else (p if _is_special(p) else _create_temp(p)))
            yield list(temps)
            for k, (p, t) in enumerate(zip(finals, temps)):
                if p is not None and t is not None and t != p:
                    os.replace(t, p)
                    temps[k] = None
    finally:
        for p, t in zip(finals, temps):
            if t is not None and t != p:
                with contextlib.suppress(OSError):
                    os.unlink(t)


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", *, inputs: Named = (), encoding: Optional[str] = None,
                **kwargs: Any) -> Iterator[IO[Any]]:
    """``open()`` for writing through :func:`atomic_outputs`: the file appears at ``path`` only when the block
    succeeds (text modes default to UTF-8)."""
    if "w" not in mode or "+" in mode:
        raise ValueError(f"atomic_open writes new files (mode 'w' or 'wb'), not {mode!r}")
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    with atomic_outputs([path], inputs=inputs) as (tmp,):
        assert tmp is not None
        with open(tmp, mode, encoding=encoding, **kwargs) as fh:
            yield fh


__all__ = ["Terminated", "atomic_open", "atomic_outputs", "check_outputs"]
