"""Memory per sentence is linear in its tokens and links: one 50,000-token sentence pair projects within a
generous 100 MB above the process's baseline with every method (measured in a subprocess with ru_maxrss;
before, the score computation alone allocated src_len x tgt_len bytes: 2.5 GB here)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

CODE = r"""
import json, resource, sys
import numpy as np
from xlner import ProjectionBatch, MatchingConfig, project

n, method = int(sys.argv[1]), sys.argv[2]
# a diagonal alignment; an entity of two words every ten source words
starts = np.arange(0, n - 2, 10, dtype=np.int32)
batch = ProjectionBatch(np.array([n], np.int32), np.array([n], np.int32),
                        np.array([0, len(starts)], np.int64), starts, starts + 2,
                        np.zeros(len(starts), np.int32), np.array([0, n], np.int64),
                        np.arange(n, dtype=np.int32), np.arange(n, dtype=np.int32), labels=["PER"])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kwargs = {"heuristic": "thesis"} if method == "heuristic" else {"matching": MatchingConfig(max_len=10)}
res = project(batch, method, threads=1, **kwargs)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
spans = sorted(zip(res.start.tolist(), res.end.tolist()))
print(json.dumps({"kib": after - before, "spans": len(spans),
                  "exact": spans == [(int(s), int(s) + 2) for s in starts]}))
"""


@pytest.mark.parametrize("method", ["greedy", "exact", "ilp", "heuristic"])
def test_long_diagonal_pair_projects_in_linear_memory(method):
    if method == "ilp":
        pytest.importorskip("highspy")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(CODE), "50000", method], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])  # HiGHS may print a banner first
    # the diagonal alignment maps every entity onto itself
    assert out["exact"] and out["spans"] == len(range(0, 50000 - 2, 10))
    assert out["kib"] < 100 * 1024, f"{method}: peak grew by {out['kib'] / 1024:.0f} MB"


WIDE = r"""
import json, resource, sys
import numpy as np
from xlner import ProjectionBatch, project
from xlner.batch import LabelVocab

n, method = 2**28, sys.argv[1]
# a 2^28-token source and a 9-token target: two entities, four links
batch = ProjectionBatch(np.array([n], np.int32), np.array([9], np.int32), np.array([0, 2], np.int64),
                        np.array([0, n - 5], np.int32), np.array([2, n - 3], np.int32), np.zeros(2, np.int32),
                        np.array([0, 4], np.int64), np.array([0, 1, n - 5, n - 4], np.int32),
                        np.array([0, 1, 5, 6], np.int32), labels=LabelVocab(["X"]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
res = project(batch, method, threads=1, **({"heuristic": "thesis"} if method == "heuristic" else {}))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"kib": after - before, "spans": [list(s[:2]) for s in res.spans(0)]}))
"""


@pytest.mark.parametrize("method", ["greedy", "exact", "heuristic"])
def test_memory_does_not_grow_with_the_declared_source_length(method):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(WIDE), method], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["spans"] == [[0, 2], [5, 7]]
    assert out["kib"] < 50 * 1024, f"{method}: peak grew by {out['kib'] / 1024:.0f} MB"
