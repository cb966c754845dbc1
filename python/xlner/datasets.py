"""Paths of the real evaluation data (never bundled: see its README) and of the bundled sample.

The data folder is always found by :func:`shared_data_dir`: a flag, else ``$XLNER_SHARED_DATA``, else
``../shared/data`` relative to the current directory.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Tuple

#: Aligner name → file stem of its talp files in conll2003-deepl/<lang>/alignments/.
CONLL_DEEPL_ALIGNERS = {
    "awesome": "awesome",
    "simalign": "simalign-itermax",
    "fast_align": "fast_align-gdfa",
    "mgiza": "mgiza-gdfa",
}
CONLL_DEEPL_LANGS = ("de", "es", "it")


def shared_data_dir(explicit: Optional[str | os.PathLike[str]] = None, *,
                    default: Optional[str | os.PathLike[str]] = None) -> Path:
    """The folder of the real data: ``explicit`` (a command-line flag), else ``$XLNER_SHARED_DATA``, else
    ``default``, else ``../shared/data`` relative to the current directory (the project root's sibling when run
    from the root). Never derived from where the package is installed."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("XLNER_SHARED_DATA")
    if env:
        return Path(env)
    if default is not None:
        return Path(default)
    return (Path.cwd() / ".." / "shared" / "data").resolve()


def conll_deepl_paths(root: str | os.PathLike[str], lang: str, split: str = "test",
                      aligner: str = "awesome") -> Tuple[Path, Path, Path]:
    """(English source, translation with that aligner's silver labels, alignments) of conll2003-deepl.

    Train and dev translations exist only with awesome-align labels; alignments exist for all four aligners.
    """
    if aligner not in CONLL_DEEPL_ALIGNERS:
        raise ValueError(f"unknown aligner {aligner!r}; choose one of {sorted(CONLL_DEEPL_ALIGNERS)}")
    base = Path(root) / "conll2003-deepl"
    tsv_aligner = aligner if split == "test" else "awesome"
    return (base / "en" / f"{split}.tsv", base / lang / f"{split}.{tsv_aligner}.tsv",
            base / lang / "alignments" / f"{split}.{CONLL_DEEPL_ALIGNERS[aligner]}.talp")


__all__ = ["CONLL_DEEPL_ALIGNERS", "CONLL_DEEPL_LANGS", "shared_data_dir", "conll_deepl_paths"]


SAMPLE_PREFIX = "sample:"


def sample_dir() -> Path:
    """Folder of the sample bundled in the package (Europarl-NER en/de excerpt + alignments)."""
    return Path(__file__).resolve().parent / "data" / "sample"


def resolve_path(path: str | os.PathLike[str]) -> str:
    """``sample:NAME`` → the bundled sample file NAME; anything else unchanged.

    Raises ``FileNotFoundError`` listing the sample's files when NAME is not one of them.
    """
    p = os.fspath(path)
    if not p.startswith(SAMPLE_PREFIX):
        return p
    name = p[len(SAMPLE_PREFIX):]
    f = sample_dir() / name
    if not name or not f.is_file():
        known = sorted(x.name for x in sample_dir().iterdir() if x.is_file() and x.suffix != ".md")
        raise FileNotFoundError(f"no bundled sample file {name!r}; known: {', '.join(known)}")
    return str(f)


__all__ += ["SAMPLE_PREFIX", "sample_dir", "resolve_path"]
