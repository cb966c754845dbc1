"""Real robustness run: CRF taggers on CoNLL-2003 en and Europarl-NER, clean vs every perturbation.

    python bench/run_robustness.py [--data ../shared/data] [--out bench/out/robustness] [--retrain]

Settings (each prints a Markdown F1 table; JSON, Markdown and a plot go to --out/<setting>/):
  conll-en        CRF trained on conll2003-deepl/en/train.tsv, tested on en/test.tsv
  europarl-en     the same CRF on Europarl-NER en (out of domain)
  europarl-de-tt  CRF trained on the DeepL German translation of CoNLL train (silver, awesome-align
                  projection: translate-train), tested on Europarl-NER de
  europarl-de-cv  in-domain: 4-fold cross-validation on Europarl-NER de (each sentence is tagged by
                  the model that did not see its fold)
  projection-de   projection robustness: Europarl-NER en gold projected onto the (perturbed) de
                  sentences, re-aligned with eflomal (one run over the clean and all perturbed targets
                  plus the conll2003-deepl en-de train pairs), greedy matching and the thesis heuristic,
                  scored against the (perturbed) de gold
Name pools are cross-lingual (entities of the other languages' files); `unknown_entity` replaces
names seen in the tagger's training set by unseen ones. `context_nn` draws replacements among the
5 nearest neighbours under PPMI-SVD word vectors built from the training text.
Models are cached under --out (never committed).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from typing import Callable, Dict, List, Sequence

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

from xlner.datasets import shared_data_dir  # noqa: E402
from xlner.io import Sentence, read_conll  # noqa: E402
from xlner.models.crf import CRFConfig, CRFTagger  # noqa: E402
from xlner.robustness import (  # noqa: E402
    EmbeddingNeighbours,
    EntityReplacement,
    NamePool,
    build_vocabulary,
    entity_scores,
    evaluate_robustness,
    standard_suite,
    stopwords,
)


def no_doc(sents: List[Sentence]) -> List[Sentence]:
    return [s for s in sents if not s.is_docstart and s.tokens]


def train_or_load(path: str, train: List[Sentence], cfg: CRFConfig, retrain: bool) -> CRFTagger:
    if os.path.exists(path) and not retrain:
        return CRFTagger.load(path)
    t0 = time.perf_counter()
    model = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], cfg)
    model.save(path)
    print(f"  trained {os.path.basename(path)} on {len(train)} sentences in {time.perf_counter() - t0:.0f}s",
          flush=True)
    return model


def ppmi_neighbours(sentences: Sequence[Sentence], vocab: Sequence[str], dim: int = 100, size: int = 10000,
                    window: int = 2, k: int = 5) -> Callable[[str], List[str]]:
    """Nearest neighbours under PPMI-SVD vectors of lower-cased words (OOV words get none)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import svds

    counts = Counter(t.lower() for s in sentences for t in s.tokens)
    words = [w for w, _ in counts.most_common(size)]
    index = {w: i for i, w in enumerate(words)}
    rows: List[int] = []
    cols: List[int] = []
    for s in sentences:
        ids = [index.get(t.lower(), -1) for t in s.tokens]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j != i and ids[j] >= 0:
                    rows.append(a)
                    cols.append(ids[j])
    n = len(words)
    m = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    total = m.sum()
    row = np.asarray(m.sum(axis=1)).ravel()
    col = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    col = col / col.sum() * total
    m = m.tocoo()
    pmi = np.log(m.data * total / (row[m.row] * col[m.col]))
    keep = pmi > 0
    ppmi = coo_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=(n, n)).tocsr()
    u, sv, _ = svds(ppmi, k=dim, random_state=0)
    vecs = u * np.sqrt(sv)

    def embed(ws: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(ws), dim))
        for r, w in enumerate(ws):
            i = index.get(w.lower(), -1)
            if i >= 0:
                out[r] = vecs[i]
        return out

    cands = [w for w in dict.fromkeys(v.lower() for v in vocab) if w in index][:5000]
    nn = EmbeddingNeighbours(embed, cands, k=k)

    def neighbours(word: str) -> List[str]:
        return nn(word) if word.lower() in index else []

    neighbours.__name__ = "ppmi_svd_neighbours"
    return neighbours


def suite_for(pool: NamePool, known: NamePool | None, vocab_src: List[Sentence], nn_src: List[Sentence],
              mono_pool: NamePool | None, rate: float):
    vocab = build_vocabulary(vocab_src, min_count=2)
    suite = standard_suite(pool=pool, known=known, vocab=vocab, rate=rate,
                           neighbours=ppmi_neighbours(nn_src, vocab))
    if mono_pool is not None:  # also a same-language swap, right after the cross-lingual one
        ordered = {}
        for name, pert in suite.items():
            ordered[name] = pert
            if name == "entity":
                ordered["entity_mono"] = EntityReplacement(mono_pool, name="entity_mono")
        suite = ordered
    return suite


class FoldPredictor:
    """Tags sentence i (in corpus order) with the model of fold i % k (trained without that fold)."""

    def __init__(self, models: List[CRFTagger]):
        self.models = models

    def __call__(self, sentences: List[List[str]]) -> List[List[str]]:
        k = len(self.models)
        out: List[List[str]] = [[] for _ in sentences]
        for f, m in enumerate(self.models):
            idx = list(range(f, len(sentences), k))
            for i, tags in zip(idx, m.predict([sentences[i] for i in idx])):
                out[i] = tags
        return out


class ProjectionPredictor:
    """A projection pipeline as a robustness predictor: source gold entities are projected onto the
    given target sentences through alignments looked up by the target text (precomputed in one
    eflomal run for the clean and every perturbed target set)."""

    def __init__(self, source: List[Sentence], alignments: Dict[tuple, List[List[tuple]]], method: str):
        self.source = source
        self.alignments = alignments
        self.method = method

    def __call__(self, targets: List[List[str]]) -> List[List[str]]:
        from xlner.projection import project
        from xlner.studies.common import gold_batch, result_tags

        links = self.alignments[tuple(tuple(t) for t in targets)]
        batch = gold_batch(self.source, targets, links)
        r = project(batch, self.method, tgt_tokens=targets, heuristic="thesis")
        return result_tags(r, [len(t) for t in targets])


def projection_alignments(src: List[Sentence], targets: Dict[str, List[Sentence]], extra_src: List[List[str]],
                          extra_tgt: List[List[str]]) -> Dict[tuple, List[List[tuple]]]:
    """One eflomal run aligning src with every target set (and the extra pairs, for training only)."""
    from xlner.align.statistical import align_eflomal

    names = list(targets)
    all_src = [s.tokens for _ in names for s in src]
    all_tgt = [t.tokens for n in names for t in targets[n]]
    t0 = time.perf_counter()
    aln = align_eflomal(all_src, all_tgt, extra_src=extra_src, extra_tgt=extra_tgt)
    print(f"  eflomal: {len(all_src)} pairs (+{len(extra_src)} training pairs) in {time.perf_counter() - t0:.0f}s",
          flush=True)
    out: Dict[tuple, List[List[tuple]]] = {}
    n = len(src)
    for k, name in enumerate(names):
        key = tuple(tuple(t.tokens) for t in targets[name])
        out[key] = [list(map(tuple, x)) for x in aln.symmetrized[k * n:(k + 1) * n]]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="data folder (default: $XLNER_SHARED_DATA, else ../shared/data)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "robustness"))
    ap.add_argument("--max-iterations", type=int, default=100)
    ap.add_argument("--rate", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--retrain", action="store_true")
    ap.add_argument("--settings", nargs="*",
                    default=["conll-en", "europarl-en", "europarl-de-tt", "europarl-de-cv", "projection-de"])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    D = str(shared_data_dir(args.data))
    cfg = CRFConfig(max_iterations=args.max_iterations)
    ep = {lang: read_conll(os.path.join(D, "europarl-ner", f"{lang}.conll")) for lang in ("en", "de", "es", "it")}
    cd = os.path.join(D, "conll2003-deepl")
    en_train = no_doc(read_conll(os.path.join(cd, "en", "train.tsv")))
    en_test = read_conll(os.path.join(cd, "en", "test.tsv"))
    silver_test = {lang: read_conll(os.path.join(cd, lang, "test.awesome.tsv")) for lang in ("de", "es", "it")}
    stop = stopwords()
    print(f"stop words: {len(stop)} (en/de/es/it); rate {args.rate} for context/noise/casing, 1.0 per entity; "
          f"seed {args.seed}")

    def run(name: str, model, test: List[Sentence], suite, title: str) -> None:
        t0 = time.perf_counter()
        rep = evaluate_robustness(model, test, suite, seed=args.seed, title=title)
        rep.write(os.path.join(args.out, name))
        print(rep.to_markdown())
        print(f"({time.perf_counter() - t0:.0f}s; files in {os.path.join(args.out, name)})\n", flush=True)

    en_model = None
    if {"conll-en", "europarl-en"} & set(args.settings):
        en_model = train_or_load(os.path.join(args.out, "conll-en.crf"), en_train, cfg, args.retrain)
        test = no_doc(en_test)
        row = entity_scores([s.tags for s in test], en_model.predict([s.tokens for s in test]))
        per = ", ".join(f"{c} {100 * f:.2f}" for c, f in sorted(row.per_class.items()))
        print(f"CRF conll2003 en test: F1 {100 * row.f1:.2f} (P {100 * row.precision:.2f}, "
              f"R {100 * row.recall:.2f}); {per}\n")
    en_known = NamePool.from_sentences(en_train)
    if "conll-en" in args.settings:
        pool = NamePool.union([NamePool.from_sentences(ep[l]) for l in ("de", "es", "it")]
                              + [NamePool.from_sentences(silver_test[l]) for l in ("de", "es", "it")])
        suite = suite_for(pool, en_known, en_train, en_train, en_known, args.rate)
        run("conll-en", en_model, en_test, suite, "CRF (CoNLL en train) on CoNLL-2003 en test")
    if "europarl-en" in args.settings:
        pool = NamePool.union([NamePool.from_sentences(ep[l]) for l in ("de", "es", "it")])
        suite = suite_for(pool, en_known, ep["en"], en_train, None, args.rate)
        run("europarl-en", en_model, ep["en"], suite, "CRF (CoNLL en train) on Europarl-NER en")
    if "europarl-de-tt" in args.settings:
        de_train = no_doc(read_conll(os.path.join(cd, "de", "train.awesome.tsv")))
        de_model = train_or_load(os.path.join(args.out, "deepl-de.crf"), de_train, cfg, args.retrain)
        pool = NamePool.union([NamePool.from_sentences(ep[l]) for l in ("en", "es", "it")])
        suite = suite_for(pool, NamePool.from_sentences(de_train), ep["de"], de_train, None, args.rate)
        run("europarl-de-tt", de_model, ep["de"], suite,
            "CRF (DeepL de translation of CoNLL train, silver labels) on Europarl-NER de")
    if "europarl-de-cv" in args.settings:
        k = 4
        sents = ep["de"]
        models = []
        for f in range(k):
            tr = [s for i, s in enumerate(sents) if i % k != f]
            models.append(train_or_load(os.path.join(args.out, f"europarl-de-fold{f}.crf"), tr, cfg, args.retrain))
        pool = NamePool.union([NamePool.from_sentences(ep[l]) for l in ("en", "es", "it")])
        de_text = [Sentence(s.tokens, []) for s in no_doc(read_conll(os.path.join(cd, "de", "train.awesome.tsv")))]
        suite = suite_for(pool, None, sents, de_text, None, args.rate)
        run("europarl-de-cv", FoldPredictor(models), sents, suite, "CRF, 4-fold cross-validation on Europarl-NER de")
    if "projection-de" in args.settings:
        from xlner.robustness import perturb_corpus

        sents = ep["de"]
        pool = NamePool.union([NamePool.from_sentences(ep[l]) for l in ("en", "es", "it")])
        de_train_pairs = [(a.tokens, b.tokens) for a, b in zip(read_conll(os.path.join(cd, "en", "train.tsv")),
                                                               read_conll(os.path.join(cd, "de", "train.awesome.tsv")))
                          if not a.is_docstart and not b.is_docstart]
        suite = suite_for(pool, None, sents, [Sentence(list(b), []) for _, b in de_train_pairs], None, args.rate)
        targets = {"clean": sents}
        for name, pert in suite.items():
            targets[name] = perturb_corpus(sents, pert, seed=args.seed)[0]
        aligned = projection_alignments(ep["en"], targets, [a for a, _ in de_train_pairs],
                                        [b for _, b in de_train_pairs])
        for method in ("greedy", "heuristic"):
            run(f"projection-de-{method}", ProjectionPredictor(ep["en"], aligned, method), sents, suite,
                f"Projection Europarl-NER en gold -> de ({method}, eflomal re-alignment of each perturbed target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
