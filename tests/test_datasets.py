"""The data folder comes from a flag, else ``$XLNER_SHARED_DATA``, else ``../shared/data`` of the current
directory: never from where the package is installed, and the same rule on every path (CLI included)."""
from __future__ import annotations

from pathlib import Path

from xlner.cli import main
from xlner.datasets import shared_data_dir


def test_shared_data_dir_order(tmp_path, monkeypatch):
    proj = tmp_path / "somewhere" / "project"
    proj.mkdir(parents=True)
    monkeypatch.chdir(proj)
    monkeypatch.delenv("XLNER_SHARED_DATA", raising=False)
    assert shared_data_dir() == (tmp_path / "somewhere" / "shared" / "data").resolve()
    assert shared_data_dir(default=tmp_path / "d") == tmp_path / "d"
    monkeypatch.setenv("XLNER_SHARED_DATA", str(tmp_path / "env"))
    assert shared_data_dir() == tmp_path / "env"
    assert shared_data_dir(default=tmp_path / "d") == tmp_path / "env"
    assert shared_data_dir(tmp_path / "flag") == tmp_path / "flag"


def test_align_europarl_ner_reads_the_data_folder_of_the_environment(tmp_path, monkeypatch, capsys):
    """``xlner align --europarl-ner`` once read ``../shared/data`` whatever ``$XLNER_SHARED_DATA`` said."""
    nodata = tmp_path / "no-data-here"
    monkeypatch.setenv("XLNER_SHARED_DATA", str(nodata))
    rc = main(["align", "--europarl-ner", "de", "-o", str(tmp_path / "out.talp")])
    assert rc != 0
    assert str(nodata) in capsys.readouterr().err
    rc = main(["align", "--europarl-ner", "de", "--data-dir", str(tmp_path / "flag-dir"), "-o",
               str(tmp_path / "out.talp")])
    assert rc != 0
    assert str(tmp_path / "flag-dir") in capsys.readouterr().err


def test_package_source_has_no_repository_paths():
    """No module of the package finds data relative to its own install location."""
    pkg = Path(__file__).resolve().parent.parent / "python" / "xlner"
    offenders = [str(p.relative_to(pkg)) for p in pkg.rglob("*.py")
                 if "parents[" in p.read_text(encoding="utf-8") and "shared" in p.read_text(encoding="utf-8")]
    assert offenders == []
