// Bindings of the scores beyond alignments: NER-probability, embedding similarity, fusion and presets.
#include "common.hpp"
#include "xlner/fusion.hpp"
#include "xlner/ner_score.hpp"
#include "xlner/similarity.hpp"

namespace xlner_py {

namespace {

// The NER and similarity scores take n-grams or external spans (aligned ranges need alignments).
xlner::CandidateMode parse_candidates(const std::string& m) {
  if (m == "aligned") throw std::invalid_argument("candidates must be 'ngrams' or 'external', got '" + m + "'");
  return xlner::parse_candidate_mode(m);
}

py::dict weights_to_dict(const xlner::FusionWeights& w) {
  py::dict d;
  d["align"] = w.align;
  d["ner"] = w.ner;
  d["ner_spans"] = w.ner_spans;
  d["nmt"] = w.nmt;
  return d;
}

}  // namespace

void register_scores(py::module_& m) {
  m.def(
      "ner_scores",
      [](const PyBatch& b, const IntArray& prob_offsets_arg, const carray<double>& probs, const std::string& variant,
         const std::string& candidates, int32_t max_len, double alpha, double threshold, const std::string& alpha_scope,
         int threads) {
        const auto prob_offsets = prob_offsets_arg.get<int64_t>("prob_offsets");
        check_1d(prob_offsets, b.view.n + 1, "prob_offsets");
        if (probs.ndim() != 2)
          throw std::invalid_argument("field probs: expected a 2-D array [words, tags], got " +
                                      std::to_string(probs.ndim()) + " dimensions");
        xlner::NerScoreOptions o;
        if (variant == "class") o.variant = xlner::NerVariant::PerClass;
        else if (variant == "spans") o.variant = xlner::NerVariant::Spans;
        else throw std::invalid_argument("variant must be 'class' or 'spans', got '" + variant + "'");
        o.mode = parse_candidates(candidates);
        o.max_len = max_len;
        o.alpha = alpha;
        o.threshold = threshold;
        if (alpha_scope == "all") o.alpha_predicted_only = false;
        else if (alpha_scope == "predicted") o.alpha_predicted_only = true;
        else throw std::invalid_argument("alpha_scope must be 'all' or 'predicted', got '" + alpha_scope + "'");
        xlner::NerProbView p;
        p.offsets = prob_offsets.data();
        p.probs = probs.data();
        p.n_words = probs.shape(0);
        p.n_tags = static_cast<int32_t>(probs.shape(1));
        xlner::ScoreBatch out;
        {
          py::gil_scoped_release release;
          out = xlner::ner_scores_batch(b.view, p, o, threads);
        }
        return score_batch_to_dict(std::move(out));
      },
      py::arg("batch"), py::arg("prob_offsets"), py::arg("probs"), py::kw_only(), py::arg("variant") = "class",
      py::arg("candidates") = "ngrams", py::arg("max_len") = 10, py::arg("alpha") = 1.15, py::arg("threshold") = 0.05,
      py::arg("alpha_scope") = "all", py::arg("threads") = -1, R"doc(
NER-probability scores c = alpha^(n-1) * (p[first, B-l] + sum p[rest, I-l]) / n of every
(entity, candidate) pair with a score above the threshold.

Arguments:
    batch: a validated Batch.
    prob_offsets: int64[N+1] row offsets into probs (sentence i has tgt_len[i] rows).
    probs: float64[words, 1 + 2*n_classes], columns O, B-l0, I-l0, B-l1, I-l1, ... (xlner.tagging ids).
    variant: 'class' (the class of the source entity) or 'spans' (maximum over classes).
    candidates: 'ngrams' (all n-grams up to max_len) or 'external' (the batch's candidates).
    max_len: longest n-gram candidate.
    alpha: length scaling (> 0).
    threshold: scores <= threshold are left out.
    alpha_scope: 'all' (the published equation: alpha^(n-1) for every candidate and class) or 'predicted'
        (the thesis' released code: only for the class whose argmax tags read B-l I-l ... I-l on the candidate).
    threads: worker threads, -1 = all cores.
Returns:
    dict of arrays: offsets[N+1], ent, start, end, score (CSR over sentences).
Example:
    >>> _core.ner_scores(batch.core, off, probs, variant='spans', max_len=5)
)doc");

  m.def(
      "similarity_scores",
      [](const PyBatch& b, const IntArray& sim_offsets_arg, const carray<double>& sim, const std::string& candidates,
         int32_t max_len, double threshold, const std::string& reduction, int threads) {
        const auto sim_offsets = sim_offsets_arg.get<int64_t>("sim_offsets");
        check_1d(sim_offsets, b.view.n + 1, "sim_offsets");
        check_1d(sim, -1, "sim");
        xlner::SimilarityOptions o;
        o.mode = parse_candidates(candidates);
        o.max_len = max_len;
        o.threshold = threshold;
        if (reduction == "mean") o.reduction = xlner::SimReduction::Mean;
        else if (reduction == "max") o.reduction = xlner::SimReduction::Max;
        else if (reduction == "min") o.reduction = xlner::SimReduction::Min;
        else throw std::invalid_argument("reduction must be 'mean', 'max' or 'min', got '" + reduction + "'");
        xlner::SimilarityView v;
        v.offsets = sim_offsets.data();
        v.sim = sim.data();
        v.total = sim.shape(0);
        xlner::ScoreBatch out;
        {
          py::gil_scoped_release release;
          out = xlner::similarity_scores_batch(b.view, v, o, threads);
        }
        return score_batch_to_dict(std::move(out));
      },
      py::arg("batch"), py::arg("sim_offsets"), py::arg("sim"), py::kw_only(), py::arg("candidates") = "ngrams",
      py::arg("max_len") = 10, py::arg("threshold") = 0.65, py::arg("reduction") = "mean", py::arg("threads") = -1,
      R"doc(
Embedding-similarity scores max(R_a max_b S[a,b], R_b max_a S[a,b]) - threshold (a over the entity's words,
b over the candidate's words, R = reduction), kept when > 0.

Arguments:
    batch: a validated Batch.
    sim_offsets: int64[N+1] offsets into sim; block i holds src_len[i] * tgt_len[i] values.
    sim: float64 flat word-level similarity matrices, row-major source x target.
    candidates: 'ngrams' or 'external'.
    max_len: longest n-gram candidate.
    threshold: subtracted from the similarity; results <= 0 are left out.
    reduction: 'mean' (thesis), 'max' or 'min'.
    threads: worker threads, -1 = all cores.
Returns:
    dict of arrays: offsets[N+1], ent, start, end, score.
)doc");

  m.def(
      "fuse_scores",
      [](int64_t n, const std::vector<IntArray>& offsets_arg, const std::vector<IntArray>& ent_arg,
         const std::vector<IntArray>& start_arg, const std::vector<IntArray>& end_arg,
         const std::vector<carray<double>>& score, const std::vector<double>& weights,
         const std::vector<std::string>& names, int threads) {
        const size_t k = offsets_arg.size();
        if (ent_arg.size() != k || start_arg.size() != k || end_arg.size() != k || names.size() != k)
          throw std::invalid_argument("fuse_scores: the lists of arrays and names must have the same length");
        std::vector<carray<int64_t>> offsets;
        std::vector<carray<int32_t>> ent, start, end;
        for (size_t j = 0; j < k; ++j) {
          offsets.push_back(offsets_arg[j].get<int64_t>((names[j] + ".offsets").c_str()));
          ent.push_back(ent_arg[j].get<int32_t>((names[j] + ".ent").c_str()));
          start.push_back(start_arg[j].get<int32_t>((names[j] + ".start").c_str()));
          end.push_back(end_arg[j].get<int32_t>((names[j] + ".end").c_str()));
        }
        if (ent.size() != k || start.size() != k || end.size() != k || score.size() != k || names.size() != k)
          throw std::invalid_argument("fuse_scores: the lists of arrays and names must have the same length");
        std::vector<xlner::ScoreView> views(k);
        for (size_t j = 0; j < k; ++j) {
          const std::string nm = names[j];
          check_1d(offsets[j], n + 1, (nm + ".offsets").c_str());
          check_1d(ent[j], -1, (nm + ".ent").c_str());
          check_1d(start[j], ent[j].shape(0), (nm + ".start").c_str());
          check_1d(end[j], ent[j].shape(0), (nm + ".end").c_str());
          check_1d(score[j], ent[j].shape(0), (nm + ".score").c_str());
          views[j].offsets = offsets[j].data();
          views[j].ent = ent[j].data();
          views[j].start = start[j].data();
          views[j].end = end[j].data();
          views[j].score = score[j].data();
          views[j].total = ent[j].shape(0);
        }
        xlner::ScoreBatch out;
        {
          py::gil_scoped_release release;
          out = xlner::fuse_scores(n, views, weights, names, threads);
        }
        return score_batch_to_dict(std::move(out));
      },
      py::arg("n"), py::arg("offsets"), py::arg("ent"), py::arg("start"), py::arg("end"), py::arg("score"),
      py::arg("weights"), py::arg("names"), py::kw_only(), py::arg("threads") = -1, R"doc(
Weighted sum of sparse score matrices over the same n sentences (union of their entries; absent = 0).

Arguments:
    n: number of sentences.
    offsets, ent, start, end, score: lists with one array per matrix (CSR over sentences).
    weights: one finite weight >= 0 per matrix.
    names: one name per matrix (used in error messages).
    threads: worker threads, -1 = all cores.
Returns:
    dict of arrays offsets, ent, start, end, score; entries sorted by (ent, start, end) within a sentence,
    fused zeros left out.
)doc");

  m.def(
      "check_scores",
      [](const PyBatch& b, const IntArray& offsets, const IntArray& ent, const IntArray& start, const IntArray& end,
         const carray<double>& score) {
        const ScoreArrays v = score_view(b, offsets, ent, start, end, score);
        py::gil_scoped_release release;
        xlner::validate_scores(b.view, v.view);
      },
      py::arg("batch"), py::arg("offsets"), py::arg("ent"), py::arg("start"), py::arg("end"), py::arg("score"),
      R"doc(
Check sparse score matrices against a batch (entity indices, spans inside the target, finite scores);
raises ValueError / IndexError naming the sentence and field.
)doc");

  m.def(
      "fusion_preset", [](const std::string& name) { return weights_to_dict(xlner::fusion_preset(name)); },
      py::arg("name"), R"doc(
Weights {'align', 'ner', 'ner_spans', 'nmt'} of a named fusion preset of the thesis' MasakhaNER2 table
('align', 'ner', 'nmt', 'align_ner', 'align_ner_spans', 'align_nmt', 'ner_spans_nmt', 'all_fusion').
)doc");

  m.def(
      "fusion_preset_names", []() { return xlner::fusion_preset_names(); },
      "Names of the fusion presets, in the order of the thesis' table.");
}

}  // namespace xlner_py
