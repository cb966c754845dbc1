"""The seeded Gibbs aligner (C++): determinism across runs and thread counts, learning a toy corpus with a
known dictionary and word order, input validation, stemming, AER on the shared en-fr gold, and the
one-command routes (``xlner align --source/--target``, ``xlner project`` without ``--alignments``)."""
from __future__ import annotations

import random
from typing import List, Tuple

import pytest

from xlner import _core
from xlner.align import alignment_error_rate, read_gold, read_parallel
from xlner.align.gibbs import GibbsConfig, align_gibbs
from xlner.align.recipe import DEFAULT_AGREEMENT, AlignRecipe, align_tokens, read_extra_pairs
from xlner.cli import main as cli_main
from xlner.io import read_talp

Links = List[Tuple[int, int]]


def toy_corpus(n: int, seed: int, *, shuffle: bool) -> Tuple[List[List[str]], List[List[str]], List[Links]]:
    """Random sentences over a 40-word vocabulary, translated word by word through a fixed dictionary;
    the target order is reversed (``shuffle=False``) or a random permutation. Returns src, tgt, gold links."""
    rng = random.Random(seed)
    vocab = [f"s{k}" for k in range(40)]
    src, tgt, gold = [], [], []
    for _ in range(n):
        words = rng.sample(vocab, rng.randint(3, 8))
        order = list(range(len(words)))
        if shuffle:
            rng.shuffle(order)
        else:
            order.reverse()
        # target position p holds the translation of source word order[p]
        src.append(words)
        tgt.append([f"t{words[i][1:]}" for i in order])
        gold.append(sorted((i, p) for p, i in enumerate(order)))
    return src, tgt, gold


def test_learns_a_toy_dictionary_and_reordering():
    src, tgt, gold = toy_corpus(300, 1, shuffle=False)
    for model in (1, 2, 3):
        res = align_gibbs(src, tgt, config=GibbsConfig(model=model, n_samplers=2), threads=2)
        for links in (res.forward, res.reverse, res.symmetrized):
            assert alignment_error_rate(links, gold).aer < 0.02, model
    src, tgt, gold = toy_corpus(300, 2, shuffle=True)
    res = align_gibbs(src, tgt, config=GibbsConfig(n_samplers=2), threads=2)
    assert alignment_error_rate(res.symmetrized, gold).aer < 0.03


def test_same_seed_identical_across_runs_and_threads():
    src, tgt, _ = toy_corpus(120, 3, shuffle=True)
    # noisy extra text: every sentence pair gets a random unrelated word on each side
    rng = random.Random(0)
    src = [s + [f"x{rng.randint(0, 9)}"] for s in src]
    tgt = [t + [f"y{rng.randint(0, 9)}"] for t in tgt]
    cfg = GibbsConfig(n_samplers=3, iterations=6, seed=7)
    runs = [align_gibbs(src, tgt, config=cfg, threads=t) for t in (1, 2, 6, 1)]
    for r in runs[1:]:
        assert (r.forward, r.reverse, r.symmetrized) == (runs[0].forward, runs[0].reverse, runs[0].symmetrized)


def test_seed_matters_on_ambiguous_pairs():
    # every sentence has two words seen nowhere else: the lexical model cannot tell which links, so the
    # IBM-1 sampler follows its random stream
    src = [[f"a{k}", f"b{k}"] for k in range(60)]
    tgt = [[f"x{k}", f"y{k}"] for k in range(60)]
    out = {seed: align_gibbs(src, tgt, config=GibbsConfig(model=1, n_samplers=1, iterations=4, seed=seed),
                             threads=1).forward for seed in (0, 1)}
    assert out[0] != out[1]
    again = align_gibbs(src, tgt, config=GibbsConfig(model=1, n_samplers=1, iterations=4, seed=1), threads=2)
    assert again.forward == out[1]


def test_stemming_equals_aligning_stemmed_words():
    assert _core.stem_word("walking", 4) == "walk"
    assert _core.stem_word("città", 4) == "citt"
    assert _core.stem_word("città", 0, 3) == "ttà"
    assert _core.stem_word("über", 0, 2) == "er"
    assert _core.stem_word("ab", 5) == "ab"
    src, tgt, _ = toy_corpus(80, 4, shuffle=False)
    src = [[w + "ing" if k % 2 else w + "ed" for k, w in enumerate(s)] for s in src]
    tgt = [[w + "xyz" for w in t] for t in tgt]
    cfg = dict(n_samplers=1, iterations=5, seed=3)
    stemmed = align_gibbs(src, tgt, config=GibbsConfig(prefix_len=3, **cfg), threads=1)
    pre = align_gibbs([[w[:3] for w in s] for s in src], [[w[:3] for w in t] for t in tgt],
                      config=GibbsConfig(**cfg), threads=1)
    assert stemmed.symmetrized == pre.symmetrized


def test_extra_text_trains_but_is_not_returned():
    src, tgt, gold = toy_corpus(200, 5, shuffle=False)
    res = align_gibbs(src[:10], tgt[:10], extra_src=src[10:], extra_tgt=tgt[10:],
                      config=GibbsConfig(n_samplers=1), threads=1)
    assert len(res.symmetrized) == 10
    assert alignment_error_rate(res.symmetrized, gold[:10]).aer < 0.05


def test_empty_sentences_and_validation():
    res = align_gibbs([["a"], [], ["b", "c"]], [["x"], ["y"], []], config=GibbsConfig(iterations=2), threads=1)
    assert res.forward[1] == [] and res.forward[2] == [] and res.symmetrized[1] == []
    assert align_gibbs([], []).symmetrized == []
    with pytest.raises(ValueError, match="src has 2 sentences, tgt has 1"):
        align_gibbs([["a"], ["b"]], [["x"]])
    with pytest.raises(ValueError, match="sentence 1, field tgt: token 0"):
        align_gibbs([["a"], ["b"]], [["x"], [""]])
    with pytest.raises(ValueError, match="sentence 3, field extra_src: token 1"):
        align_gibbs([["a"], ["b"]], [["x"], ["y"]], extra_src=[["c"], ["d", ""]], extra_tgt=[["z"], ["w"]])
    with pytest.raises(ValueError, match="expected a list of tokens"):
        align_gibbs(["a b"], [["x"]])
    with pytest.raises(ValueError, match="n_samplers"):
        GibbsConfig(n_samplers=0)
    with pytest.raises(ValueError, match="symmetrization"):
        GibbsConfig(symmetrization="diagonal")
    with pytest.raises(ValueError, match="null_prior"):
        align_gibbs([["a"]], [["x"]], config=GibbsConfig(null_prior=1.5))
    with pytest.raises(ValueError, match="n_out"):
        _core.gibbs_align([["a"]], [["x"]], 2)
    with pytest.raises(ValueError, match="aligner"):
        AlignRecipe(aligner="giza")


def test_aer_en_fr_gold(shared_data):
    d = shared_data / "word-alignment-gold"
    src, tgt = read_parallel(d / "enfr.src-tgt")
    sure, possible = read_gold(d / "enfr.gold")
    res = align_gibbs(src, tgt, config=GibbsConfig(), threads=2)
    # eflomal trained on the same 447 pairs scores .17-.18; IBM-1 alone far above .3
    assert alignment_error_rate(res.symmetrized, sure, possible).aer < 0.25


def _write_conll(path, sents: List[List[str]], tags: bool) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for s in sents:
            for w in s:
                fh.write(f"{w}\tO\n" if tags else f"{w}\n")
            fh.write("\n")


def test_cli_align_reads_conll_and_lines(tmp_path):
    src, tgt, gold = toy_corpus(150, 6, shuffle=False)
    _write_conll(tmp_path / "src.conll", src, tags=True)
    (tmp_path / "tgt.txt").write_text("".join(" ".join(t) + "\n" for t in tgt), encoding="utf-8")
    outs = []
    for k, threads in enumerate(("1", "2")):
        out = tmp_path / f"out{k}.talp"
        assert cli_main(["align", "--source", str(tmp_path / "src.conll"), "--target", str(tmp_path / "tgt.txt"),
                         "-o", str(out), "--seed", "5", "--stem", "0", "--threads", threads, "--quiet"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    links = read_talp(tmp_path / "out0.talp")
    assert len(links) == 150 and alignment_error_rate(links, gold).aer < 0.03
    expected = align_tokens(src, tgt, recipe=AlignRecipe(stem=0, seed=5), threads=1)
    assert links == expected
    # the aligner's options reach the recipe
    out = tmp_path / "opts.talp"
    assert cli_main(["align", "--source", str(tmp_path / "src.conll"), "--target", str(tmp_path / "tgt.txt"),
                     "-o", str(out), "--seed", "5", "--stem", "0", "--agreement", "0", "--diagonal-tension", "3",
                     "--quiet"]) == 0
    recipe = AlignRecipe(stem=0, seed=5, agreement=0.0, diagonal_tension=3.0)
    assert read_talp(out) == align_tokens(src, tgt, recipe=recipe, threads=1)


def test_read_extra_pairs(tmp_path):
    (tmp_path / "pairs.txt").write_text("a b ||| x y\n-DOCSTART- ||| -DOCSTART-\nc ||| z\n", encoding="utf-8")
    assert read_extra_pairs([str(tmp_path / "pairs.txt")]) == ([["a", "b"], ["c"]], [["x", "y"], ["z"]])
    _write_conll(tmp_path / "en.conll", [["-DOCSTART-"], ["a", "b"]], tags=True)
    _write_conll(tmp_path / "de.conll", [["-OCSTART-"], ["x"]], tags=True)
    assert read_extra_pairs([str(tmp_path / "en.conll"), str(tmp_path / "de.conll")]) == ([["a", "b"]], [["x"]])
    _write_conll(tmp_path / "short.conll", [["x"]], tags=True)
    with pytest.raises(ValueError, match="has 2 sentences"):
        read_extra_pairs([str(tmp_path / "en.conll"), str(tmp_path / "short.conll")])
    with pytest.raises(ValueError, match="expected PAIRS or SRC TGT"):
        read_extra_pairs(["a", "b", "c"])


def test_cli_project_aligns_on_the_fly(tmp_path):
    src, tgt, _ = toy_corpus(150, 7, shuffle=False)
    person = {f"s{k}" for k in range(5)}  # single-word PER entities
    with open(tmp_path / "en.conll", "w", encoding="utf-8") as fh:
        for s in src:
            fh.write("".join(f"{w}\t{'B-PER' if w in person else 'O'}\n" for w in s) + "\n")
    _write_conll(tmp_path / "xx.conll", tgt, tags=False)
    expected = [["B-PER" if f"s{w[1:]}" in person else "O" for w in t] for t in tgt]
    outs = []
    for k, threads in enumerate(("1", "2")):
        out = tmp_path / f"xx.{k}.conll"
        assert cli_main(["project", "--source", str(tmp_path / "en.conll"), "--target", str(tmp_path / "xx.conll"),
                         "--method", "greedy", "--out", str(out), "--stem", "0", "--threads", threads,
                         "--quiet"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    from xlner.io import read_conll

    assert [s.tags for s in read_conll(tmp_path / "xx.0.conll")] == expected
    # --alignments still takes a ready file: the same alignments give the same output
    aln = tmp_path / "a.talp"
    assert cli_main(["align", "--source", str(tmp_path / "en.conll"), "--target", str(tmp_path / "xx.conll"),
                     "-o", str(aln), "--stem", "0", "--quiet"]) == 0
    out = tmp_path / "xx.ready.conll"
    assert cli_main(["project", "--source", str(tmp_path / "en.conll"), "--target", str(tmp_path / "xx.conll"),
                     "--alignments", str(aln), "--method", "greedy", "--out", str(out), "--quiet"]) == 0
    assert out.read_bytes() == outs[0]


def _ambiguous(shared_src: str, shared_tgt: str, n: int = 20) -> Tuple[List[List[str]], List[List[str]]]:
    """Two words on each side that always occur together: the co-occurrence counts cannot tell which word
    translates which; only the strings can."""
    return [["alpha", shared_src] for _ in range(n)], [[shared_tgt, "omega"] for _ in range(n)]


def test_orthographic_prior_links_similar_strings():
    src, tgt = _ambiguous("kappa", "kappx")  # edit similarity 1 - 1/5 = 0.8
    cfg = dict(model=1, n_samplers=2, sim_threshold=0.8)
    res = align_gibbs(src, tgt, config=GibbsConfig(sim_prior=5.0, **cfg), threads=1)
    for links in (res.forward, res.reverse, res.symmetrized):
        assert links == [[(0, 1), (1, 0)]] * 20  # alpha-omega, kappa-kappx
    # a threshold above the pair's similarity switches the prior off: the links of the symmetric prior
    off = align_gibbs(src, tgt, config=GibbsConfig(**cfg), threads=1)
    above = align_gibbs(src, tgt, config=GibbsConfig(sim_prior=5.0, **{**cfg, "sim_threshold": 0.81}), threads=1)
    assert (above.forward, above.reverse) == (off.forward, off.reverse)
    with pytest.raises(ValueError, match="sim_prior"):
        GibbsConfig(sim_prior=-1.0)
    with pytest.raises(ValueError, match="sim_threshold"):
        GibbsConfig(sim_threshold=1.5)


def test_diagonal_prior_by_hand_and_breaks_a_positional_tie():
    import math

    # exp(-tension * |(i + 1) / I - (j + 1) / J|) normalised over i: word 1 of 2 against 3 candidates sits at
    # 1, the candidates at 1/3, 2/3, 1 (distances 2/3, 1/3, 0); tension 3 gives e^-2, e^-1, 1
    z = math.exp(-2) + math.exp(-1) + 1
    assert _core.gibbs_diagonal_prior(1, 2, 3, 3.0) == pytest.approx([math.exp(-2) / z, math.exp(-1) / z, 1 / z],
                                                                     abs=1e-12)
    assert _core.gibbs_diagonal_prior(0, 5, 4, 0.0) == pytest.approx([0.25] * 4, abs=1e-15)
    with pytest.raises(ValueError):
        _core.gibbs_diagonal_prior(2, 2, 3, 1.0)
    # two words that always occur together on each side, in the same order: the lexical model cannot tell
    # which translates which; the diagonal prior links them in order, on any number of threads
    src, tgt = [["alpha", "beta"]] * 20, [["one", "two"]] * 20
    cfg = GibbsConfig(model=1, n_samplers=2, diagonal_tension=4.0, symmetrization="intersection")
    runs = [align_gibbs(src, tgt, config=cfg, threads=t) for t in (1, 2)]
    for links in (runs[0].forward, runs[0].reverse, runs[0].symmetrized):
        assert links == [[(0, 0), (1, 1)]] * 20
    assert (runs[1].forward, runs[1].reverse) == (runs[0].forward, runs[0].reverse)
    with pytest.raises(ValueError, match="diagonal_tension"):
        GibbsConfig(diagonal_tension=-1.0)


def test_diagonal_prior_same_links_on_any_thread_count():
    src, tgt, _ = toy_corpus(100, 4, shuffle=True)
    cfg = GibbsConfig(n_samplers=3, iterations=5, seed=3, diagonal_tension=4.0, sim_prior=1.0, prefix_len=2)
    runs = [align_gibbs(src, tgt, config=cfg, threads=t) for t in (1, 3)]
    assert (runs[0].forward, runs[0].reverse) == (runs[1].forward, runs[1].reverse)
    base = align_gibbs(src, tgt, config=GibbsConfig(n_samplers=3, iterations=5, seed=3, sim_prior=1.0,
                                                    prefix_len=2), threads=1)
    assert (base.forward, base.reverse) != (runs[0].forward, runs[0].reverse)  # the option is used


def test_agreement_learns_and_is_identical_across_threads():
    # the two directions sampled jointly still learn the toy dictionary and word order; same links on any
    # number of threads; the option is used
    src, tgt, gold = toy_corpus(150, 6, shuffle=True)
    cfg = GibbsConfig(n_samplers=2, agreement=2.0, seed=4, symmetrization="intersection")
    runs = [align_gibbs(src, tgt, config=cfg, threads=t) for t in (1, 2, 3)]
    assert alignment_error_rate(runs[0].symmetrized, gold).aer < 0.03
    for r in runs[1:]:
        assert (r.forward, r.reverse) == (runs[0].forward, runs[0].reverse)
    rng = random.Random(2)
    noisy_src = [s + [f"x{rng.randint(0, 9)}"] for s in src[:60]]
    noisy_tgt = [t + [f"y{rng.randint(0, 9)}"] for t in tgt[:60]]
    small = dict(n_samplers=2, iterations=3, seed=4)
    joint = align_gibbs(noisy_src, noisy_tgt, config=GibbsConfig(agreement=2.0, **small), threads=1)
    alone = align_gibbs(noisy_src, noisy_tgt, config=GibbsConfig(**small), threads=1)
    assert (joint.forward, joint.reverse) != (alone.forward, alone.reverse)
    with pytest.raises(ValueError, match="agreement"):
        GibbsConfig(agreement=-0.5)


def test_posterior_symmetrisation_nests_and_learns():
    src, tgt, gold = toy_corpus(200, 8, shuffle=True)
    runs = {t: align_gibbs(src, tgt, config=GibbsConfig(n_samplers=2, posterior_threshold=t, seed=2), threads=2)
            for t in (0.1, 0.5, 0.9)}
    assert alignment_error_rate(runs[0.5].symmetrized, gold).aer < 0.03
    for lo, hi in ((0.1, 0.5), (0.5, 0.9)):
        assert runs[lo].forward == runs[hi].forward  # same marginals, only the threshold differs
        for a, b in zip(runs[lo].symmetrized, runs[hi].symmetrized):
            assert set(b) <= set(a)
    # a mean of at least 0.9 needs both probabilities >= 0.8 > 1/2, so each is its word's argmax: the posterior
    # links at 0.9 lie in the intersection of the argmax links
    inter = align_gibbs(src, tgt, config=GibbsConfig(n_samplers=2, symmetrization="intersection", seed=2), threads=2)
    assert all(set(b) <= set(a) for a, b in zip(inter.symmetrized, runs[0.9].symmetrized))
    with pytest.raises(ValueError, match="posterior_threshold"):
        GibbsConfig(posterior_threshold=2.0)


def test_recipe_is_the_gibbs_aligner_with_its_priors_then_name_links():
    from xlner.align.lexical import add_name_links

    src, tgt, _ = toy_corpus(60, 9, shuffle=False)
    src = [s + ["Schulz"] for s in src]
    tgt = [t + ["Schulz"] for t in tgt]
    r = AlignRecipe()
    assert (r.symmetrization, r.lex_alpha, r.sim_prior, r.agreement) == ("auto", 1e-4, 1.0, None)
    got = align_tokens(src, tgt, recipe=r, threads=2)
    # 60 pairs, fewer than AUTO_SYMMETRIZATION_PAIRS: auto is the intersection of directions sampled in agreement
    cfg = GibbsConfig(prefix_len=r.stem, lex_alpha=r.lex_alpha, sim_prior=r.sim_prior, symmetrization="intersection",
                      agreement=DEFAULT_AGREEMENT)
    want = add_name_links(align_gibbs(src, tgt, config=cfg, threads=1).symmetrized, src, tgt)
    assert got == want
    assert all((len(s) - 1, len(t) - 1) in links for s, t, links in zip(src, tgt, got))  # Schulz-Schulz


def test_recipe_auto_symmetrisation_follows_the_training_size(monkeypatch):
    import xlner.align.recipe as recipe

    src, tgt, _ = toy_corpus(80, 10, shuffle=True)
    rng = random.Random(1)  # unrelated words on both sides: the two directions disagree on them
    src = [s + [f"x{rng.randint(0, 9)}", f"z{rng.randint(0, 9)}"] for s in src]
    tgt = [t + [f"y{rng.randint(0, 9)}"] for t in tgt]
    monkeypatch.setattr(recipe, "AUTO_SYMMETRIZATION_PAIRS", 70)

    def run(sym: str, n_extra: int) -> List[Links]:
        return align_tokens(src[:60], tgt[:60], extra_src=src[60:60 + n_extra] or None,
                            extra_tgt=tgt[60:60 + n_extra] or None, recipe=AlignRecipe(symmetrization=sym),
                            threads=1)

    assert run("auto", 0) == run("intersection", 0)  # 60 training pairs < 70
    assert run("auto", 20) == run("grow-diag-final-and", 20)  # 80 >= 70
    assert run("intersection", 20) != run("grow-diag-final-and", 20)
    # auto agreement: DEFAULT_AGREEMENT below the size, independent directions from it
    assert AlignRecipe().gibbs_config(69).agreement == DEFAULT_AGREEMENT
    assert AlignRecipe().gibbs_config(70).agreement == 0.0
    assert AlignRecipe(agreement=0.5).gibbs_config(69).agreement == 0.5
    with pytest.raises(ValueError, match="agreement"):
        AlignRecipe(agreement=-1.0)
