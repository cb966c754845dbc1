"""The tagger interface shared by the transformers token tagger and the CRF tagger."""
from __future__ import annotations

from typing import List, Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Tagger(Protocol):
    """A word-level IOB2 tagger.

    ``tags`` lists the IOB2 tag set in column order of :meth:`predict_proba` (``O`` first, then
    ``B-X``/``I-X`` pairs).
    """

    tags: List[str]

    def predict(self, sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        """IOB2 tags, one list per sentence, one tag per word."""
        ...

    def predict_proba(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Per-word tag probabilities: one float array [n_words, len(tags)] per sentence."""
        ...
