"""Parity with Easy-Label-Projection: on conll2003-deepl test for de/es/it with each of the four
shipped aligners, the ``elp`` preset reproduces the shipped ``test.<aligner>.tsv`` labels.

Labels are compared as entity sets read with seqeval (``get_entities``): a handful of shipped tag
sequences are not canonical IOB2 (an ``I-`` after ``O`` where Easy-Label-Projection united two
same-label projections into one non-contiguous tag list); seqeval, and every consumer of the
files, reads them as the entities our spans describe.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from xlner.batch import LabelVocab, ProjectionBatch
from xlner.heuristic import HeuristicConfig, project_heuristic
from xlner.io import read_conll, read_talp
from xlner.reference.heuristic import is_punctuation, project_sentence

ALIGNMENT_FILES = {"awesome": "awesome", "simalign": "simalign-itermax", "fast_align": "fast_align-gdfa",
                   "mgiza": "mgiza-gdfa"}


@pytest.fixture(scope="module")
def english(shared_data: Path):
    return read_conll(shared_data / "conll2003-deepl" / "en" / "test.tsv")


@pytest.mark.parametrize("aligner", sorted(ALIGNMENT_FILES))
@pytest.mark.parametrize("lang", ["de", "es", "it"])
def test_elp_preset_reproduces_shipped_labels(shared_data: Path, english, lang: str, aligner: str):
    root = shared_data / "conll2003-deepl"
    target = read_conll(root / lang / f"test.{aligner}.tsv")
    links = read_talp(root / lang / "alignments" / f"test.{ALIGNMENT_FILES[aligner]}.talp")
    assert len(english) == len(target) == len(links) == 3684
    vocab = LabelVocab()
    entities = [[(a, b + 1, vocab.id(ty)) for ty, a, b in get_entities(s.tags)] for s in english]
    batch = ProjectionBatch.from_lists([len(s.tokens) for s in english], [len(t.tokens) for t in target], entities,
                                       links, labels=vocab)
    elp = HeuristicConfig.preset("elp")
    result = project_heuristic(batch, elp, tgt_tokens=[t.tokens for t in target], threads=2)
    differing = []
    for i, sent in enumerate(target):
        spans = result.spans(i)
        projected = sorted((vocab.name(lab), a, b - 1) for a, b, lab, _, _ in spans)
        if projected != sorted(get_entities(sent.tags)):
            differing.append(i)
        if i % 4 == 0:  # the slow reference agrees with the core (a quarter of the sentences keeps this fast)
            punct = [is_punctuation(t) for t in sent.tokens]
            assert spans == project_sentence(len(sent.tokens), entities[i], links[i], punct, elp), i
    assert differing == [], f"{lang}/{aligner}: {len(differing)} sentences differ, first {differing[:10]}"
