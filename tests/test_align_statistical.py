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


@pytest.mark.slow
def test_europarl_ner_alignments_link_shared_names(shared_data):
    from xlner.align import europarl_ner_alignments

    with pytest.raises(ValueError, match="lang must be de, es or it"):
        europarl_ner_alignments("fr", shared_data)
    en, de, aln = europarl_ner_alignments("de", shared_data, use_conll_deepl=False)
    assert len(en) == len(de) == len(aln.symmetrized) == 799
    # words that occur exactly once on each side and are identical there (names, numbers) should be linked
    hits = total = 0
    for s, t, links in zip(en, de, aln.symmetrized):
        assert all(0 <= i < len(s) and 0 <= j < len(t) for i, j in links)
        for i, w in enumerate(s):
            if len(w) > 3 and w[0].isupper() and s.count(w) == 1 and t.count(w) == 1:
                total += 1
                hits += (i, t.index(w)) in links
    assert total > 100
    assert hits / total > 0.7
