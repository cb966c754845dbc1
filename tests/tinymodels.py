"""Tiny transformers models and tokenizers for tests: random weights, tokenizers trained on the fly.

Nothing is downloaded. Each builder trains a SentencePiece model on a few hundred inline/real
sentences, wraps it in the matching transformers tokenizer, builds a model with a tiny config and
random (seeded) weights, and saves both into a directory that ``from_pretrained(dir)`` accepts, so
code under test can load them exactly as it would load a hub model.

Use the cached helpers (:func:`tiny_nllb_dir`, :func:`tiny_tagger_dir`) from session-scoped fixtures;
each builds once per process into a temporary directory removed at exit.

Other helpers' tests import this module as ``import tinymodels`` (pytest puts ``tests/`` on
``sys.path``).
"""
from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent

# Inline text (always available); real Europarl-NER sentences are added when ../shared/data exists.
INLINE_SENTENCES: Tuple[str, ...] = (
    "The European Parliament met in Strasbourg on Monday .",
    "Angela Merkel spoke with Emmanuel Macron in Berlin .",
    "The Commission presented its report to the Council .",
    "Mr President , I would like to thank the rapporteur .",
    "Das Europäische Parlament tagte am Montag in Straßburg .",
    "Angela Merkel sprach mit Emmanuel Macron in Berlin .",
    "Die Kommission legte dem Rat ihren Bericht vor .",
    "Herr Präsident , ich möchte dem Berichterstatter danken .",
    "El Parlamento Europeo se reunió en Estrasburgo el lunes .",
    "Il Parlamento europeo si è riunito a Strasburgo lunedì .",
    "Le Parlement européen s' est réuni à Strasbourg lundi .",
    "Parlamentul European s-a reunit la Strasbourg luni .",
    "Mali ka Bamako ye dugu belebele ye .",
    "Barack Obama visited Nairobi and Lagos last year .",
    "Kofi Annan was born in Kumasi , Ghana .",
    "United Nations , World Bank , African Union , Google , Microsoft .",
)

#: FLORES-200 codes the tiny NLLB tokenizer knows (a small subset, enough for tests).
TINY_NLLB_LANGS: Tuple[str, ...] = (
    "eng_Latn", "deu_Latn", "spa_Latn", "ita_Latn", "fra_Latn", "ron_Latn", "bam_Latn", "hau_Latn",
    "swh_Latn", "yor_Latn",
)

#: Label set of the tiny tagger (model label order deliberately not the IOB2 column order).
TINY_TAGGER_LABELS: Tuple[str, ...] = ("B-PER", "I-PER", "O", "B-ORG", "I-ORG", "B-LOC", "I-LOC")

#: Sentences the translation tests translate (a repeat included, to exercise the cache).
TRANSLATION_TEXTS = [
    "The European Parliament met in Strasbourg on Monday .",
    "Angela Merkel spoke with Emmanuel Macron in Berlin .",
    "Hello .",
    "The Commission presented its report to the Council .",
    "Mr President , I would like to thank the rapporteur .",
    "Hello .",
    "Kofi Annan was born in Kumasi , Ghana .",
]


# A separable toy NER task (entities are fixed word sequences) for the training and distillation tests.
TOY_PER = [["Angela", "Merkel"], ["Barack", "Obama"], ["Kofi", "Annan"], ["Emmanuel", "Macron"]]
TOY_LOC = [["Berlin"], ["Strasbourg"], ["Nairobi"], ["Lagos"], ["Bamako"]]
TOY_ORG = [["Google"], ["Microsoft"], ["World", "Bank"], ["African", "Union"]]
TOY_FILLER = ["the", "Commission", "met", "in", "on", "Monday", "report", "with", "and", ".", ",", "last", "year"]


def toy_corpus(n: int, seed: int) -> List[Any]:
    """``n`` seeded :class:`xlner.io.conll.Sentence` s whose entities are fixed word sequences (a lexical,
    separable task)."""
    import random

    from xlner.io.conll import Sentence

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        toks: List[str] = []
        tags: List[str] = []
        for _ in range(rng.randint(2, 4)):
            for _ in range(rng.randint(1, 3)):
                toks.append(rng.choice(TOY_FILLER))
                tags.append("O")
            cls, pool = rng.choice([("PER", TOY_PER), ("LOC", TOY_LOC), ("ORG", TOY_ORG)])
            ent = rng.choice(pool)
            toks += ent
            tags += [f"B-{cls}"] + [f"I-{cls}"] * (len(ent) - 1)
        out.append(Sentence(toks, tags))
    return out


def _read_conll_sentences(path: Path, limit: int) -> List[str]:
    out: List[str] = []
    words: List[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    out.append(" ".join(words))
                    words = []
                    if len(out) >= limit:
                        break
                continue
            words.append(line.split()[0])
    if words and len(out) < limit:
        out.append(" ".join(words))
    return out


def training_sentences(limit_per_language: int = 150) -> List[str]:
    """Inline sentences plus, when available, Europarl-NER sentences in en/de/es/it."""
    sents = list(INLINE_SENTENCES)
    data = Path(os.environ.get("XLNER_SHARED_DATA", ROOT.parent / "shared" / "data")) / "europarl-ner"
    for lang in ("en", "de", "es", "it"):
        p = data / f"{lang}.conll"
        if p.is_file():
            sents.extend(_read_conll_sentences(p, limit_per_language))
    return sents


def train_sentencepiece(
    out_prefix: Path,
    sentences: Iterable[str],
    *,
    vocab_size: int,
    model_type: str,
    user_defined_symbols: Sequence[str] = (),
    pad_id: int = 1,
    unk_id: int = 3,
    bos_id: int = 0,
    eos_id: int = 2,
) -> Path:
    """Train a SentencePiece model (fairseq id layout ``<s>=0 <pad>=1 </s>=2 <unk>=3``); returns the ``.model`` path."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(sentences)),
        model_prefix=str(out_prefix),
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        pad_id=pad_id,
        unk_id=unk_id,
        bos_id=bos_id,
        eos_id=eos_id,
        user_defined_symbols=list(user_defined_symbols),
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return Path(str(out_prefix) + ".model")


def _work_dirs(out_dir: Path) -> Tuple[Path, Path]:
    """``out_dir`` and the scratch folder ``out_dir/_spm`` for the SentencePiece training (created)."""
    out_dir = Path(out_dir)
    spm_dir = out_dir / "_spm"
    spm_dir.mkdir(parents=True, exist_ok=True)
    return out_dir, spm_dir


def _save(model: Any, tok: Any, out_dir: Path, spm_dir: Path) -> Path:
    """Save ``model`` and ``tok`` in ``out_dir``, remove the scratch folder; returns ``out_dir``."""
    model.save_pretrained(str(out_dir))
    tok.save_pretrained(str(out_dir))
    shutil.rmtree(spm_dir)
    return out_dir


def _save_tiny_m2m100(out_dir: Path, spm_dir: Path, tok: Any, vocab_size: int, *, d_model: int, layers: int,
                      seed: int) -> Path:
    """A randomly initialised (``seed``) M2M100 model for ``tok`` with ``vocab_size`` embeddings, saved with
    ``tok`` in ``out_dir``; returns ``out_dir``."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    torch.manual_seed(seed)
    cfg = M2M100Config(
        vocab_size=vocab_size,
        d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model, max_position_embeddings=256, dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, encoder_layerdrop=0.0, decoder_layerdrop=0.0, scale_embedding=True, init_std=0.3,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.eos_token_id,
    )
    model = M2M100ForConditionalGeneration(cfg).eval()
    model.generation_config.max_length = 64
    return _save(model, tok, out_dir, spm_dir)


def build_tiny_nllb(
    out_dir: Path,
    *,
    langs: Sequence[str] = TINY_NLLB_LANGS,
    vocab_size: int = 400,
    d_model: int = 32,
    layers: int = 2,
    seed: int = 0,
    sentences: Optional[Sequence[str]] = None,
) -> Path:
    """An NLLB-style seq2seq model (M2M100 architecture) + ``NllbTokenizer`` saved in ``out_dir``.

    The SentencePiece model is BPE, the FLORES language codes are special tokens. Returns ``out_dir``.
    """
    from transformers import NllbTokenizer

    out_dir, spm_dir = _work_dirs(out_dir)
    train_sentencepiece(spm_dir / "sentencepiece.bpe", sentences or training_sentences(), vocab_size=vocab_size,
                        model_type="bpe")
    tok = NllbTokenizer.from_pretrained(str(spm_dir), src_lang=langs[0], tgt_lang=langs[1],
                                        additional_special_tokens=list(langs))
    return _save_tiny_m2m100(out_dir, spm_dir, tok, len(tok), d_model=d_model, layers=layers, seed=seed)


def build_tiny_m2m100(
    out_dir: Path,
    *,
    vocab_size: int = 400,
    d_model: int = 32,
    layers: int = 2,
    seed: int = 0,
    sentences: Optional[Sequence[str]] = None,
) -> Path:
    """An M2M100 model + ``M2M100Tokenizer`` (ISO 639-1 codes as ``__en__`` tokens) saved in ``out_dir``."""
    import json

    import sentencepiece as spm
    from transformers import M2M100Tokenizer

    out_dir, spm_dir = _work_dirs(out_dir)
    model_file = train_sentencepiece(spm_dir / "spm", sentences or training_sentences(), vocab_size=vocab_size,
                                     model_type="bpe")
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    (spm_dir / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tok = M2M100Tokenizer(vocab_file=str(spm_dir / "vocab.json"), spm_file=str(model_file), src_lang="en",
                          tgt_lang="de")
    n_vocab = max(max(tok.get_vocab().values()), *tok.lang_token_to_id.values()) + 1 + tok.num_madeup_words
    return _save_tiny_m2m100(out_dir, spm_dir, tok, n_vocab, d_model=d_model, layers=layers, seed=seed)


def build_tiny_tagger(
    out_dir: Path,
    *,
    labels: Sequence[str] = TINY_TAGGER_LABELS,
    vocab_size: int = 400,
    hidden: int = 32,
    layers: int = 2,
    max_positions: int = 64,
    seed: int = 0,
    sentences: Optional[Sequence[str]] = None,
) -> Path:
    """An XLM-R-style token classifier + ``XLMRobertaTokenizer`` saved in ``out_dir``.

    ``max_positions`` is small on purpose (the tagger must window longer inputs). Returns ``out_dir``.
    """
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForTokenClassification, XLMRobertaTokenizer

    out_dir, spm_dir = _work_dirs(out_dir)
    train_sentencepiece(spm_dir / "sentencepiece.bpe", sentences or training_sentences(), vocab_size=vocab_size,
                        model_type="unigram")
    tok = XLMRobertaTokenizer.from_pretrained(str(spm_dir), model_max_length=max_positions - 2)
    torch.manual_seed(seed)
    cfg = XLMRobertaConfig(
        vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
        intermediate_size=2 * hidden, max_position_embeddings=max_positions + 2, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, num_labels=len(labels),
        id2label={i: l for i, l in enumerate(labels)}, label2id={l: i for i, l in enumerate(labels)},
    )
    model = XLMRobertaForTokenClassification(cfg).eval()
    with torch.no_grad():  # make the classifier's output spread (random init is near-uniform)
        model.classifier.weight.mul_(20.0)
    return _save(model, tok, out_dir, spm_dir)


def _tmpdir(prefix: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, d, True)
    return d


@functools.lru_cache(maxsize=None)
def tiny_nllb_dir() -> Path:
    """Directory of a tiny NLLB-style model (built once per process)."""
    return build_tiny_nllb(_tmpdir("xlner-tiny-nllb-"))


@functools.lru_cache(maxsize=None)
def tiny_m2m100_dir() -> Path:
    """Directory of a tiny M2M100 model with an ``M2M100Tokenizer`` (built once per process)."""
    return build_tiny_m2m100(_tmpdir("xlner-tiny-m2m100-"))


@functools.lru_cache(maxsize=None)
def tiny_tagger_dir() -> Path:
    """Directory of a tiny XLM-R token classifier (built once per process)."""
    return build_tiny_tagger(_tmpdir("xlner-tiny-tagger-"))


def _one_torch_thread_fixture():
    import pytest

    @pytest.fixture(autouse=True)
    def one_torch_thread():
        """Run each test with one torch thread (tiny models are faster that way on a shared CPU); restores after."""
        import torch

        old = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(old)

    return one_torch_thread


#: Import into a test module (``from tinymodels import one_torch_thread``) to run its tests single-threaded.
one_torch_thread = _one_torch_thread_fixture()
