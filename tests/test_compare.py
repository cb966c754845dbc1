"""``xlner.compare`` / ``xlner compare``: gaps to the optimum, agreement, F1 and the JSON, on hand-worked batches
and on the bundled sample."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlner import FormatError, LabelVocab, ProjectionBatch, compare
from xlner.cli import main
from xlner._compare import constraint_bounds

# Alignment score c(e, t) = 2·|links(e, t)| / (|e| + |t|). Entities A (PER, source word 0) and B (LOC, word 1).
#
# Sentence 0 (3 target words): A–t0, A–t1, B–t1.  A[0,2) = 4/3 is the largest score; greedy takes it and blocks
#   every candidate of B: 4/3. Optimum: A[0,1) = 1 + B[1,2) = 1 → 2. Gap 2/3 under <=1 and <=2 (A has no third
#   aligned word to take under <=2).
# Sentence 1 (2 target words): only A, linked to t0: every method takes A[0,1) = 1. No gap.
# Sentence 2 (3 target words): A–t0, A–t1, A–t2, B–t1. Greedy takes A[0,3) = 2·3/4 = 1.5 and blocks everything.
#   <=1: optimum A[0,1) or A[2,3) (1) + B[1,2) (1) = 2 → gap 0.5.  <=2: A[0,1) + A[2,3) + B[1,2) = 3 → gap 1.5.
# The thesis heuristic (runs of aligned words, shortest entity first, a range only if all its words are free)
#   gives A the whole run and drops B, exactly as greedy: objectives 4/3, 1, 1.5 under the alignment score.
GREEDY = [4 / 3, 1.0, 1.5]
OPT = {"<=1": [2.0, 1.0, 2.0], "<=2": [2.0, 1.0, 3.0]}


def hand_batch() -> ProjectionBatch:
    return ProjectionBatch.from_lists(
        src_lens=[2, 1, 2], tgt_lens=[3, 2, 3],
        entities=[[(0, 1, 0), (1, 2, 1)], [(0, 1, 0)], [(0, 1, 0), (1, 2, 1)]],
        alignments=[[(0, 0), (0, 1), (1, 1)], [(0, 0)], [(0, 0), (0, 1), (0, 2), (1, 1)]],
        labels=LabelVocab(["PER", "LOC"]))


def test_constraint_bounds() -> None:
    assert constraint_bounds("<1") == (0, 0)
    assert constraint_bounds("<=2") == (0, 2)
    assert constraint_bounds("=1") == (1, 1)
    assert constraint_bounds(">=1") == (1, float("inf"))
    assert constraint_bounds(">1") == (2, float("inf"))


def test_gaps_are_exact_on_hand_worked_batch() -> None:
    r = compare(hand_batch(), methods=["heuristic", "greedy", "exact", "ilp"], constraints=["<=1", "<=2"],
                repeats=0, n_examples=1)
    assert r.n_sentences == 3 and r.n_entities == 5
    for c, gaps in (("<=1", [(0, 2 / 3), (2, 0.5)]), ("<=2", [(0, 2 / 3), (2, 1.5)])):
        cr = r.constraint(c)
        assert cr.optimum == "exact" and cr.optimum_solved == 3
        assert cr.optimum_total == pytest.approx(sum(OPT[c]))
        for m in ("greedy", "heuristic"):
            g = cr.method(m).gap
            assert cr.method(m).objective == pytest.approx(sum(GREEDY))
            assert g.compared == 3 and g.below == 2 and g.above == 0
            assert g.share == pytest.approx(2 / 3)
            assert [i for i, _ in g.gaps] == [i for i, _ in gaps]
            assert [x for _, x in g.gaps] == pytest.approx([x for _, x in gaps])
            assert g.mean_gap == pytest.approx((gaps[0][1] + gaps[1][1]) / 2)
            assert g.max_gap == pytest.approx(max(x for _, x in gaps))
            assert g.mean_gap_compared == pytest.approx((gaps[0][1] + gaps[1][1]) / 3)
        for m in ("exact", "ilp"):
            g = cr.method(m).gap
            assert cr.method(m).objective == pytest.approx(sum(OPT[c]))
            assert (g.compared, g.below, g.above) == (3, 0, 0)
        # one example per method below the optimum: its largest gap, sentence 0 under <=1 and 2 under <=2
        worst = 0 if c == "<=1" else 2
        assert [(e.method, e.sentence) for e in cr.examples] == [("heuristic", worst), ("greedy", worst)]
        ex = cr.examples[1]
        assert len(ex.entities) == 2  # both entities are chosen differently by greedy and exact
        assert ex.gaps["greedy"] == pytest.approx(gaps[0][1] if c == "<=1" else 1.5)
        a = ex.entities[0]
        assert (a.start, a.end, a.label) == (0, 1, "PER")
        assert [(s.start, s.end) for s in a.chosen["greedy"]] == [(0, 2 if c == "<=1" else 3)]
        assert ex.entities[1].chosen["greedy"] == []
        assert [(s.start, s.end) for s in ex.entities[1].chosen["exact"]] == [(1, 2)]
    # agreement: greedy and the heuristic choose the same spans everywhere; greedy and exact only on sentence 1
    pairs = {(p.a, p.b): p for p in r.constraint("<=1").pairs}
    assert pairs[("heuristic", "greedy")].identical == 3
    assert pairs[("greedy", "exact")].identical == 1
    assert pairs[("greedy", "exact")].identical_share == pytest.approx(1 / 3)
    assert pairs[("exact", "ilp")].identical >= 2  # unique optima in sentences 0 and 1 (sentence 2 has a tie)
    gr = r.constraint("<=1").method("greedy")
    assert gr.n_projected == 3 and gr.projection_ratio == pytest.approx(3 / 5)
    assert gr.entities_projected == pytest.approx(3 / 5)
    assert r.constraint("<=1").method("exact").n_projected == 5


def test_lower_bound_compares_only_where_greedy_meets_it() -> None:
    # =1: greedy leaves B unprojected in sentences 0 and 2, so only sentence 1 is compared; the optimum (both
    # entities once) is 2 in sentences 0 and 2.
    r = compare(hand_batch(), methods=["greedy", "exact"], constraints=["=1"], repeats=0)
    cr = r.constraint("=1")
    assert cr.optimum_total == pytest.approx(5.0)
    g = cr.method("greedy").gap
    assert (g.compared, g.below) == (1, 0)
    assert cr.method("exact").gap.compared == 3


def test_f1_and_paired_bootstrap_against_hand_worked_gold() -> None:
    # gold: sentence 0 A[0,1) PER, B[1,2) LOC; sentence 1 A[0,1); sentence 2 only B[1,2) (4 entities).
    gold = [["B-PER", "B-LOC", "O"], ["B-PER", "O"], ["O", "B-LOC", "O"]]
    r = compare(hand_batch(), methods=["greedy", "exact"], constraints=["<=1"], gold=gold, repeats=0,
                n_bootstrap=200, seed=3)
    cr = r.constraint("<=1")
    ex, gr = cr.method("exact").f1, cr.method("greedy").f1
    assert ex is not None and gr is not None
    # exact: 5 predicted, 4 correct (A in sentence 2 is not gold) → P 4/5, R 1, F1 8/9
    assert (ex.precision, ex.recall, ex.f1) == pytest.approx((4 / 5, 1.0, 8 / 9))
    # greedy: 3 predicted (A[0,2), A[0,1), A[0,3)), 1 correct → P 1/3, R 1/4, F1 2/7
    assert (gr.precision, gr.recall, gr.f1) == pytest.approx((1 / 3, 1 / 4, 2 / 7))
    (p,) = cr.pairs
    assert p.f1_delta == pytest.approx(2 / 7 - 8 / 9)
    assert p.f1_delta_ci is not None and p.f1_delta_ci[0] <= p.f1_delta_ci[1]
    ci = cr.method("exact").f1_ci
    assert ci is not None and ci[0] <= ci[1] <= 1.0
    again = compare(hand_batch(), methods=["greedy", "exact"], constraints=["<=1"], gold=gold, repeats=0,
                    n_bootstrap=200, seed=3)
    assert again.to_dict() == r.to_dict()  # seeded: same figures


def test_timing_fields_when_repeats() -> None:
    r = compare(hand_batch(), methods=["greedy", "exact"], constraints=["<=1"], repeats=2, threads=2)
    for m in r.constraint("<=1").methods:
        t = m.throughput
        assert t is not None and t.repeats == 2 and t.threads == 2
        assert t.best_1 >= t.median_1 > 0 and t.best_all >= t.median_all > 0
    g = r.constraint("<=1").method("greedy").throughput
    assert g is not None and g.vs_greedy_1 == 1.0 and g.vs_greedy_all == 1.0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="methods"):
        compare(hand_batch(), methods=["greedy", "greedy"])
    with pytest.raises(ValueError, match="methods"):
        compare(hand_batch(), methods=["optimal"])
    with pytest.raises(ValueError, match="constraint"):
        compare(hand_batch(), constraints=["at most 1"])
    with pytest.raises(ValueError, match="repeats"):
        compare(hand_batch(), repeats=-1)
    with pytest.raises(FormatError, match="sentence 2 .*field sentence count"):
        compare(hand_batch(), gold=[["O"] * 3, ["O"] * 2])
    with pytest.raises(FormatError, match="sentence 1 .*field tokens: 3 gold labels"):
        compare(hand_batch(), gold=[["O"] * 3, ["O"] * 3, ["O"] * 3])


SAMPLE = ["--source", "sample:en.conll", "--target", "sample:de.conll", "--alignments", "sample:en-de.talp"]


def _span_sums(path: Path) -> tuple[float, float]:
    """(sum of the objective fields, sum of every span's score) of a --spans-out file."""
    obj = score = 0.0
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        obj += rec["objective"]
        score += sum(s["score"] for s in rec["spans"])
    return obj, score


def test_cli_json_objectives_equal_project_spans_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cmp.json"
    assert main(["compare", *SAMPLE, "--methods", "greedy", "exact", "ilp", "--constraint", "<=1",
                 "--constraint", "=1", "--repeats", "1", "--bootstrap", "50", "--json", str(out)]) == 0
    md = capsys.readouterr().out
    assert "| method | objective |" in md and "## constraint `=1`" in md
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["n_sentences"] == 200 and data["gold"] is True  # the German sample carries gold labels
    for c in ("<=1", "=1"):
        cr = next(x for x in data["constraints"] if x["constraint"] == c)
        for m in ("greedy", "exact", "ilp"):
            spans = tmp_path / f"{m}{c}.jsonl"
            assert main(["project", *SAMPLE, "--method", m, "--constraint", c, "--out", str(tmp_path / "o.conll"),
                         "--spans-out", str(spans), "--quiet"]) == 0
            obj, score = _span_sums(spans)
            rep = next(x for x in cr["methods"] if x["method"] == m)
            assert rep["objective"] == pytest.approx(obj, abs=1e-6)
            assert rep["objective"] == pytest.approx(score, abs=1e-4)  # span scores are rounded in the file
            assert 0.0 <= rep["f1"]["f1"] <= 1.0
        assert next(x for x in cr["methods"] if x["method"] == "ilp")["gap"]["below"] == 0


def test_cli_markdown_plot_and_stdout_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "cmp.png"
    assert main(["compare", *SAMPLE, "--repeats", "1", "--bootstrap", "20", "--json", "-", "--plot", str(png),
                 "--no-gold"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gold"] is False and data["methods"] == ["heuristic", "greedy", "exact", "ilp"]
    assert png.stat().st_size > 1000


def test_cli_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *SAMPLE, "--scores", "align", "--fusion", "align_ner", "--repeats", "0"]) == 1
    assert "not both" in capsys.readouterr().err
    assert main(["compare", *SAMPLE, "--constraint", "<0", "--repeats", "0"]) == 1
    assert "admits no projection count" in capsys.readouterr().err
    assert main(["compare", *SAMPLE, "--fusion", "align_ner", "--repeats", "0"]) == 1
    assert "target tagger" in capsys.readouterr().err
    # gold of another corpus: one line naming the gold file, the sentence and the field
    assert main(["compare", *SAMPLE, "--gold", "sample:en.conll", "--repeats", "0"]) == 1
    err = capsys.readouterr().err
    assert "en.conll, sentence" in err and "field tokens" in err and len(err.strip().splitlines()) == 1


def test_heuristic_objective_is_the_alignment_score_of_its_spans() -> None:
    """On the sample: the heuristic's objective equals Σ over its spans (at most M words) of
    2·|links(entity, span)| / (|entity| + |span|), computed here in Python."""
    from xlner import load_projection_corpus, project
    from xlner.datasets import resolve_path

    corpus = load_projection_corpus(*(resolve_path(f"sample:{n}") for n in ("en.conll", "de.conll", "en-de.talp")))
    b = corpus.batch
    h = project(b, "heuristic", tgt_tokens=corpus.target.token_lists())
    expected = 0.0
    for i in range(len(b)):
        ents, links = b.entities(i), b.links(i)
        for s, e, _, ent, _ in h.spans(i):
            if e - s > 4:
                continue
            es, ee, _ = ents[ent]
            k = sum(1 for a, t in links if es <= a < ee and s <= t < e)
            expected += 2 * k / ((ee - es) + (e - s))
    r = compare(b, methods=["heuristic", "exact"], max_len=4, tgt_tokens=corpus.target, repeats=0)
    assert expected > 0
    assert r.constraint("<=1").method("heuristic").objective == pytest.approx(expected)


def test_cli_fused_scores_with_a_target_tagger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--fusion align_ner_spans: the objectives are those of project() on the fused matrix built here directly."""
    pytest.importorskip("pycrfsuite")
    from xlner import alignment_scores, fuse, load_projection_corpus, ner_scores, project
    from xlner.datasets import resolve_path
    from xlner.io import load_conll
    from xlner.models.crf import CRFConfig, CRFTagger
    from xlner.scores import tagger_probabilities

    de = load_conll(resolve_path("sample:de.conll"))
    tagger = CRFTagger.train(de.token_lists(), de.tag_lists(), CRFConfig(max_iterations=20))
    model = tmp_path / "de.crf"
    tagger.save(model)
    out = tmp_path / "fused.json"
    assert main(["compare", *SAMPLE, "--methods", "heuristic", "greedy", "exact", "--fusion", "align_ner_spans",
                 "--target-tagger", str(model), "--repeats", "0", "--bootstrap", "20", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scores"] == "align_ner_spans"
    (cr,) = data["constraints"]
    corpus = load_projection_corpus(*(resolve_path(f"sample:{n}") for n in ("en.conll", "de.conll", "en-de.talp")))
    b = corpus.batch
    probs = tagger_probabilities(CRFTagger.load(model), corpus.target.token_lists(), b.labels)
    fused = fuse({"align": alignment_scores(b), "ner_spans": ner_scores(b, probs, variant="spans")},
                 "align_ner_spans")
    for m in ("greedy", "exact"):
        rep = next(x for x in cr["methods"] if x["method"] == m)
        assert rep["objective"] == pytest.approx(float(project(b, m, scores=fused).objective.sum()))
    fused_exact = next(x for x in cr["methods"] if x["method"] == "exact")["objective"]
    assert abs(fused_exact - float(project(b, "exact").objective.sum())) > 1.0  # not the alignment score alone
