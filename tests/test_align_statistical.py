"""eflomal (optional): forward/reverse training, extra corpus, symmetrisation in C++."""
from __future__ import annotations

import random

import pytest

from xlner.align import EflomalConfig, align_eflomal, alignment_error_rate, symmetrize_batch

pytest.importorskip("eflomal")

LEXICON = {f"s{k}": f"t{k}" for k in range(30)}


def synthetic(n, seed):
    """Sentences of a toy language and their 'translations': word-by-word lexicon, reversed order."""
    rng = random.Random(seed)
    src, tgt, gold = [], [], []
    for _ in range(n):
        length = rng.randint(2, 7)
        s = rng.sample(sorted(LEXICON), length)
        t = [LEXICON[w] for w in reversed(s)]
        src.append(s)
        tgt.append(t)
        gold.append([(i, length - 1 - i) for i in range(length)])
    return src, tgt, gold


def test_recovers_a_known_lexicon():
    src, tgt, gold = synthetic(300, 1)
    res = align_eflomal(src, tgt)
    assert len(res.forward) == len(res.reverse) == len(res.symmetrized) == 300
    assert alignment_error_rate(res.symmetrized, gold).aer < 0.1
    expected = symmetrize_batch(res.forward, res.reverse, [len(s) for s in src], [len(t) for t in tgt],
                                "grow-diag-final-and")
    assert res.symmetrized == expected


def test_extra_corpus_is_used_for_training_only():
    src, tgt, gold = synthetic(5, 2)
    xs, xt, _ = synthetic(300, 3)
    res = align_eflomal(src, tgt, extra_src=xs, extra_tgt=xt, config=EflomalConfig(symmetrization="intersection"))
    assert len(res.symmetrized) == 5
    assert alignment_error_rate(res.symmetrized, gold).aer < 0.15


def test_errors():
    with pytest.raises(ValueError, match="src has 1 sentences, tgt has 0"):
        align_eflomal([["a"]], [])
    with pytest.raises(ValueError, match="sentence 0, field tgt: token 'a b'"):
        align_eflomal([["a"]], [["a b"]])
    with pytest.raises(ValueError, match="together"):
        align_eflomal([["a"]], [["b"]], extra_src=[["c"]])
    with pytest.raises(ValueError, match="symmetrization"):
        EflomalConfig(symmetrization="grow")


def test_empty_sentences_get_empty_links():
    src, tgt, _ = synthetic(50, 4)
    res = align_eflomal([[], *src, ["s1"]], [["t1"], *tgt, []])
    assert res.symmetrized[0] == [] and res.symmetrized[-1] == []
    assert len(res.symmetrized) == 52
