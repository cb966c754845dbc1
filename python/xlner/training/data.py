"""Training data for the taggers: sentences from CoNLL or JSON-lines files, the label set, and the
subword encoding of words and tags for transformers token classification.

Files are read with :func:`xlner.pipelines.stages.iter_sentences` (CoNLL with ``token<TAB or SPACE>tag``
lines, or JSON lines with ``tokens`` and ``tags`` such as the pipelines' ``train.jsonl``); ``-DOCSTART-``
pseudo-sentences and empty sentences are dropped. Every sentence must carry one IOB2 tag per token.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple, Union

from xlner.io.conll import Sentence

PathLike = Union[str, "os.PathLike[str]"]

#: How a word's tag is put on its subwords: only the first (the rest ignored by the loss), or all of them
#: (continuation pieces of a ``B-X`` word get ``I-X``).
LABEL_SCHEMES = ("first-subword", "all-subwords")


def read_labelled(paths: Union[PathLike, Sequence[PathLike]], *, limit: int = 0, tokens_field: str = "tokens",
                  tags_field: str = "tags") -> List[Sentence]:
    """The labelled sentences of one or more CoNLL / JSON-lines / Parquet / ``datasets`` files, in order
    (``limit``: keep only the first N of all, 0 = all; ``tokens_field``, ``tags_field``: the columns of JSON
    lines and tables).

    Raises ``ValueError`` naming the file and sentence when a sentence has no tags or a tag is not IOB2.
    """
    from xlner.pipelines.stages import iter_sentences

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: List[Sentence] = []
    for path in paths:
        for i, s in enumerate(iter_sentences(path, with_tags=True, tokens_field=tokens_field,
                                             tags_field=tags_field)):
            if s.is_docstart or not s.tokens:
                continue
            if len(s.tags) != len(s.tokens):
                raise ValueError(f"{os.fspath(path)}: sentence {i}, field tags: {len(s.tokens)} tokens but "
                                 f"{len(s.tags)} tags (training data needs one IOB2 tag per token)")
            for j, t in enumerate(s.tags):
                if t != "O" and not (len(t) > 2 and t[1] == "-" and t[0] in "BI"):
                    raise ValueError(f"{os.fspath(path)}: sentence {i}, field tags: token {j} has tag {t!r}, "
                                     f"not an IOB2 tag")
            out.append(s)
            if limit and len(out) >= limit:
                return out
    return out


def label_list(*corpora: Sequence[Sentence]) -> List[str]:
    """The IOB2 tag set of the corpora: ``O``, then ``B-X``/``I-X`` per class, classes sorted (the CRF's order)."""
    classes = sorted({t[2:] for corpus in corpora for s in corpus for t in s.tags if t != "O"})
    return ["O"] + [f"{p}-{c}" for c in classes for p in ("B", "I")]


@dataclass
class EncodedWindow:
    """One training example: subword ids (special tokens included) and a label id per subword
    (``-100``: ignored by the loss)."""

    input_ids: List[int]
    labels: List[int]

    def as_features(self) -> Dict[str, Any]:
        """The dict a transformers data collator takes."""
        return {"input_ids": self.input_ids, "attention_mask": [1] * len(self.input_ids), "labels": self.labels}


def encode_sentences(sentences: Sequence[Sentence], tokenizer: Any, label2id: Dict[str, int], *, max_length: int,
                     scheme: str = "first-subword") -> List[EncodedWindow]:
    """Subword-encode labelled sentences for token classification.

    Each sentence is tokenised word by word (``is_split_into_words``); a sentence longer than
    ``max_length`` subwords (special tokens included) is cut into consecutive windows of whole words
    without overlap (:func:`xlner.models.token_tagger.make_windows`), so no word is dropped (a single word
    longer than a window keeps its first pieces). ``scheme``: see :data:`LABEL_SCHEMES`.
    """
    from xlner.models.token_tagger import make_windows, special_template, word_pieces

    if scheme not in LABEL_SCHEMES:
        raise ValueError(f"label scheme must be one of {LABEL_SCHEMES}, got {scheme!r}")
    prefix, suffix = special_template(tokenizer)
    budget = max_length - len(prefix) - len(suffix)
    if budget < 1:
        raise ValueError(f"max_length={max_length} leaves no room next to {len(prefix) + len(suffix)} special tokens")
    unk = int(getattr(tokenizer, "unk_token_id", None) or 0)
    out: List[EncodedWindow] = []
    for si, s in enumerate(sentences):
        try:
            tag_ids = [label2id[t] for t in s.tags]
        except KeyError as exc:
            raise ValueError(f"sentence {si}, field tags: tag {exc.args[0]!r} is not in the label set "
                             f"{sorted(label2id)}") from None
        pieces = [p[:budget] for p in word_pieces(tokenizer, s.tokens, unk)]
        for start, end in make_windows([len(p) for p in pieces], budget, 0):
            ids = list(prefix)
            labels = [-100] * len(prefix)
            for w in range(start, end):
                tag = s.tags[w]
                cont = label2id.get("I-" + tag[2:], tag_ids[w]) if tag.startswith("B-") else tag_ids[w]
                for k, piece in enumerate(pieces[w]):
                    ids.append(piece)
                    labels.append(tag_ids[w] if k == 0 else (cont if scheme == "all-subwords" else -100))
            ids += suffix
            labels += [-100] * len(suffix)
            out.append(EncodedWindow(ids, labels))
    return out


def split_count(sentences: Sequence[Sentence]) -> Tuple[int, int]:
    """(sentences, tokens) of a corpus, for logs."""
    return len(sentences), sum(len(s.tokens) for s in sentences)


__all__ = ["LABEL_SCHEMES", "read_labelled", "label_list", "EncodedWindow", "encode_sentences", "split_count"]
