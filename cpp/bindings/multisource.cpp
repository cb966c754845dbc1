// Bindings of the multi-source combination (xlner.multisource calls them; the rules live in its docstring).
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "xlner/io/jsonl.hpp"
#include "xlner/multisource.hpp"

namespace xlner_py {
namespace {

/// One source's projected spans, converted and kept alive while the engine reads them.
struct SourceArrays {
  carray<int64_t> offsets;
  carray<int32_t> start, end, label, entity, label_map;
  carray<double> score;
  xlner::SourceSpansView view;
};

SourceArrays source_arrays(const py::handle& item, int source) {
  const auto t = py::reinterpret_borrow<py::sequence>(item);
  if (py::len(t) != 7)
    throw py::value_error("source " + std::to_string(source) +
                          ": expected (offsets, start, end, label, entity, score, label_map)");
  SourceArrays a{IntArray{t[0]}.get<int64_t>("offsets"),   IntArray{t[1]}.get<int32_t>("start"),
                 IntArray{t[2]}.get<int32_t>("end"),       IntArray{t[3]}.get<int32_t>("label"),
                 IntArray{t[4]}.get<int32_t>("entity"),    IntArray{t[6]}.get<int32_t>("label_map"),
                 carray<double>::ensure(py::object(t[5])), {}};
  if (!a.score) throw py::type_error("source " + std::to_string(source) + ", field score: expected numbers");
  check_1d(a.offsets, -1, "offsets");
  check_1d(a.start, -1, "start");
  const py::ssize_t k = a.start.shape(0);
  check_1d(a.end, k, "end");
  check_1d(a.label, k, "label");
  check_1d(a.entity, k, "entity");
  check_1d(a.score, k, "score");
  check_1d(a.label_map, -1, "label_map");
  a.view = {a.offsets.data(), a.start.data(), a.end.data(),      a.label.data(),
            a.entity.data(),  a.score.data(), a.label_map.data(), static_cast<int32_t>(a.label_map.shape(0))};
  return a;
}

xlner::VoteBoundary parse_boundary(const std::string& boundary) {
  if (boundary == "mode") return xlner::VoteBoundary::Mode;
  if (boundary == "median") return xlner::VoteBoundary::Median;
  throw py::value_error("boundary must be 'mode' or 'median', got '" + boundary + "'");
}

/// The sources' arrays converted and their shapes checked; `n`: the sentences (equal for all sources).
std::vector<SourceArrays> all_sources(const py::sequence& sources, const std::optional<IntArray>& tgt_len_arg,
                                      carray<int32_t>& tgt_len, int64_t& n) {
  std::vector<SourceArrays> arrays;
  int s = 0;
  for (const auto& item : sources) arrays.push_back(source_arrays(item, s++));
  if (arrays.empty()) throw py::value_error("needs at least one source");
  n = arrays[0].offsets.shape(0) - 1;
  if (n < 0) throw py::value_error("source 0, field offsets: needs at least one element");
  if (tgt_len_arg) {
    tgt_len = tgt_len_arg->get<int32_t>("tgt_len");
    check_1d(tgt_len, n, "tgt_len");
  }
  for (size_t k = 0; k < arrays.size(); ++k)
    if (arrays[k].offsets.shape(0) - 1 != n)
      throw py::value_error("source " + std::to_string(k) + ": " + std::to_string(arrays[k].offsets.shape(0) - 1) +
                            " sentences, but source 0 has " + std::to_string(n));
  return arrays;
}

/// Views of the sources after validate_source_spans (call without the GIL).
std::vector<xlner::SourceSpansView> validated_views(const std::vector<SourceArrays>& arrays, int64_t n,
                                                    const int32_t* tgt_len, int32_t n_united) {
  std::vector<xlner::SourceSpansView> views;
  for (size_t k = 0; k < arrays.size(); ++k) {
    xlner::validate_source_spans(arrays[k].view, n, arrays[k].start.shape(0), tgt_len, n_united, static_cast<int>(k));
    views.push_back(arrays[k].view);
  }
  return views;
}

py::dict spans_to_dict(xlner::MultiSpans&& s) {
  py::dict d;
  d["offsets"] = to_numpy(std::move(s.offsets));
  d["start"] = to_numpy(std::move(s.start));
  d["end"] = to_numpy(std::move(s.end));
  d["label"] = to_numpy(std::move(s.label));
  d["score"] = to_numpy(std::move(s.score));
  d["votes"] = to_numpy(std::move(s.votes));
  d["support_offsets"] = to_numpy(std::move(s.support_offsets));
  d["support_source"] = to_numpy(std::move(s.support_source));
  d["support_entity"] = to_numpy(std::move(s.support_entity));
  d["objective"] = to_numpy(std::move(s.objective));
  return d;
}

/// The clusters of a batch, kept in C++ so that many thresholds cost one clustering.
struct VoteClusterSet {
  xlner::MultiSpans clusters;
  int32_t n_united = 0;
};

/// One joint source: its batch, score arrays, united entity labels and weight.
struct JointArrays {
  ScoreArrays scores;
  std::vector<int32_t> ent_label;
  xlner::JointSourceView view;
};

std::vector<std::unique_ptr<JointArrays>> joint_sources(const py::sequence& sources, int32_t n_united,
                                                        int64_t& n) {
  std::vector<std::unique_ptr<JointArrays>> out;
  n = -1;
  int s = 0;
  for (const auto& item : sources) {
    const auto t = py::reinterpret_borrow<py::sequence>(item);
    if (py::len(t) != 8)
      throw py::value_error("source " + std::to_string(s) +
                            ": expected (batch, offsets, ent, start, end, score, label_map, weight)");
    const PyBatch& b = t[0].cast<const PyBatch&>();
    if (n >= 0 && b.view.n != n)
      throw py::value_error("source " + std::to_string(s) + ": " + std::to_string(b.view.n) +
                            " sentences, but source 0 has " + std::to_string(n));
    n = b.view.n;
    auto j = std::make_unique<JointArrays>(JointArrays{
        score_view(b, IntArray{t[1]}, IntArray{t[2]}, IntArray{t[3]}, IntArray{t[4]},
                   carray<double>::ensure(py::object(t[5]))),
        {},
        {}});
    const auto map = IntArray{t[6]}.get<int32_t>("label_map");
    check_1d(map, -1, "label_map");
    const double weight = t[7].cast<double>();
    const int64_t n_ent = b.view.ent_offsets[b.view.n];
    j->ent_label.resize(static_cast<size_t>(n_ent));
    for (int64_t k = 0; k < n_ent; ++k) {
      const int32_t l = b.view.ent_label[k];
      if (l < 0 || l >= map.shape(0) || map.data()[l] < 0 || map.data()[l] >= n_united)
        throw py::value_error("source " + std::to_string(s) + ", field label_map: entity label " +
                              std::to_string(l) + " has no united label in 0.." + std::to_string(n_united - 1));
      j->ent_label[static_cast<size_t>(k)] = map.data()[l];
    }
    {
      py::gil_scoped_release release;
      try {
        xlner::validate_scores(b.view, j->scores.view);
      } catch (const std::exception& e) {
        throw std::invalid_argument("scores of source " + std::to_string(s) + ": " + e.what());
      }
    }
    j->view = {j->scores.view, b.view.ent_offsets, j->ent_label.data(), weight};
    out.push_back(std::move(j));
    ++s;
  }
  if (out.empty()) throw py::value_error("needs at least one source");
  return out;
}

/// The views of the joint sources (`js`, kept alive by the caller) after checking their weights.
std::vector<xlner::JointSourceView> joint_views(const std::vector<std::unique_ptr<JointArrays>>& js) {
  std::vector<xlner::JointSourceView> views;
  for (const auto& j : js) {
    if (!(std::isfinite(j->view.weight) && j->view.weight >= 0)) throw py::value_error("weights must be finite and >= 0");
    views.push_back(j->view);
  }
  return views;
}

/// Checks of the options of joint_greedy / joint_exact.
void check_joint_options(int32_t cap, double span_cost) {
  if (cap < 0) throw py::value_error("cap must be >= 0, got " + std::to_string(cap));
  if (!(std::isfinite(span_cost) && span_cost >= 0)) throw py::value_error("span_cost must be finite and >= 0");
}

}  // namespace

void register_multisource(py::module_& m) {
  py::class_<VoteClusterSet>(m, "VoteClusterSet", "The vote clusters of a batch (vote_clusters); select() thresholds them.")
      .def_property_readonly("n_labels", [](const VoteClusterSet& c) { return c.n_united; })
      .def(
          "arrays",
          [](const VoteClusterSet& c) {
            xlner::MultiSpans copy = c.clusters;
            return spans_to_dict(std::move(copy));
          },
          "Every cluster: dict of arrays offsets, start, end, label, score, votes, support_offsets, support_source, "
          "support_entity (objective empty).")
      .def(
          "select",
          [](const VoteClusterSet& c, const carray<double>& need, bool strict, const py::object& blocked_arg,
             int threads) {
            check_1d(need, c.n_united, "need");
            xlner::BlockedSpans blocked;
            carray<int64_t> b_off;
            carray<int32_t> b_start, b_end;
            if (!blocked_arg.is_none()) {
              const auto t = py::reinterpret_borrow<py::sequence>(blocked_arg);
              if (py::len(t) != 3) throw py::value_error("blocked: expected (offsets, start, end)");
              b_off = IntArray{t[0]}.get<int64_t>("blocked_offsets");
              b_start = IntArray{t[1]}.get<int32_t>("blocked_start");
              b_end = IntArray{t[2]}.get<int32_t>("blocked_end");
              check_1d(b_off, c.clusters.n_sentences() + 1, "blocked_offsets");
              check_1d(b_start, -1, "blocked_start");
              check_1d(b_end, b_start.shape(0), "blocked_end");
              xlner::check_offsets(b_off.data(), c.clusters.n_sentences(), b_start.shape(0), "blocked_offsets");
              blocked = {b_off.data(), b_start.data(), b_end.data()};
            }
            for (py::ssize_t l = 0; l < need.shape(0); ++l)
              if (std::isnan(need.data()[l]))
                throw py::value_error("field need: label " + std::to_string(l) + " has a NaN threshold");
            xlner::MultiSpans out;
            {
              py::gil_scoped_release release;
              out = xlner::vote_select(c.clusters, need.data(), c.n_united, strict, blocked, threads);
            }
            return spans_to_dict(std::move(out));
          },
          py::arg("need"), py::kw_only(), py::arg("strict") = false, py::arg("blocked") = py::none(),
          py::arg("threads") = -1, R"doc(
The clusters whose votes reach need[label] (strict: exceed it, both within 1e-9) and that overlap no span of
blocked (offsets[N+1], start, end: CSR over the sentences), overlaps among them resolved greedily (votes
desc, score desc, start, end, label); per sentence in text order.

Returns:
    dict of arrays: offsets, start, end, label, score, votes, support_offsets, support_source, support_entity,
    objective (summed scores per sentence).
)doc");

  m.def(
      "vote_clusters",
      [](const py::sequence& sources, const carray<double>& weights, const std::string& boundary,
         const std::optional<IntArray>& tgt_len_arg, int threads) {
        const xlner::VoteBoundary b = parse_boundary(boundary);
        carray<int32_t> tgt_len;
        int64_t n = 0;
        const auto arrays = all_sources(sources, tgt_len_arg, tgt_len, n);
        if (weights.ndim() != 2 || weights.shape(1) != static_cast<py::ssize_t>(arrays.size()))
          throw py::value_error("field weights: expected an array of shape (labels, " + std::to_string(arrays.size()) +
                                ")");
        const auto n_united = static_cast<int32_t>(weights.shape(0));
        for (py::ssize_t k = 0; k < weights.size(); ++k)
          if (!(std::isfinite(weights.data()[k]) && weights.data()[k] >= 0))
            throw py::value_error("field weights: weights must be finite and >= 0");
        VoteClusterSet out;
        out.n_united = n_united;
        {
          py::gil_scoped_release release;
          const auto views = validated_views(arrays, n, tgt_len_arg ? tgt_len.data() : nullptr, n_united);
          out.clusters = xlner::vote_clusters(views, n, weights.data(), b, threads);
        }
        return out;
      },
      py::arg("sources"), py::arg("weights"), py::kw_only(), py::arg("boundary") = "mode",
      py::arg("tgt_len") = py::none(), py::arg("threads") = -1, R"doc(
Every vote cluster of every target sentence (rule: the docstring of xlner.multisource, ``vote``).

Arguments:
    sources: per source (offsets[N+1], start, end, label, entity, score, label_map): its projected spans
        (a ProjectionResult's arrays) and the united label id of each of its label ids.
    weights: float64[labels, sources]: each source's weight for each united label.
    boundary: 'mode' or 'median'.
    tgt_len: int32[N] target lengths (optional): spans are checked to lie inside them.
Returns:
    A VoteClusterSet.
)doc");

  m.def(
      "priority_combine",
      [](const py::sequence& sources, const carray<double>& weights, int primary, double corroboration, double need,
         int32_t n_united, const std::string& boundary, const std::optional<IntArray>& tgt_len_arg, int threads) {
        const xlner::VoteBoundary b = parse_boundary(boundary);
        carray<int32_t> tgt_len;
        int64_t n = 0;
        const auto arrays = all_sources(sources, tgt_len_arg, tgt_len, n);
        check_1d(weights, static_cast<py::ssize_t>(arrays.size()), "weights");
        for (py::ssize_t k = 0; k < weights.size(); ++k)
          if (!(std::isfinite(weights.data()[k]) && weights.data()[k] >= 0))
            throw py::value_error("field weights: weights must be finite and >= 0");
        if (arrays.size() < 2) throw py::value_error("priority needs the primary and at least one other source");
        if (primary < 0 || primary >= static_cast<int>(arrays.size()))
          throw py::value_error("primary: source " + std::to_string(primary) + " of " + std::to_string(arrays.size()));
        if (!std::isfinite(corroboration) || std::isnan(need))
          throw py::value_error("corroboration must be finite and need a number");
        if (n_united < 0) throw py::value_error("n_labels must be >= 0");
        xlner::MultiSpans out;
        {
          py::gil_scoped_release release;
          const auto views = validated_views(arrays, n, tgt_len_arg ? tgt_len.data() : nullptr, n_united);
          out = xlner::priority_combine(views, n, primary, weights.data(), corroboration, need, n_united, b, threads);
        }
        return spans_to_dict(std::move(out));
      },
      py::arg("sources"), py::arg("weights"), py::kw_only(), py::arg("primary"), py::arg("corroboration"),
      py::arg("need"), py::arg("n_labels"), py::arg("boundary") = "mode", py::arg("tgt_len") = py::none(),
      py::arg("threads") = -1, R"doc(
``priority`` (rule: the docstring of xlner.multisource): the primary source's corroborated spans, then the
vote of the other sources where no kept primary span is.

Arguments:
    sources: as vote_clusters.
    weights: float64[sources], one weight per source.
    primary: index of the primary source; corroboration: weight of other sources a primary span needs;
    need: votes a back-off cluster needs; n_labels: size of the united label vocabulary.
Returns:
    dict of arrays as VoteClusterSet.select (objective: summed scores per sentence).
)doc");

  m.def(
      "format_multi_spans_jsonl",
      [](const py::dict& arrays, const std::vector<std::string>& labels, const std::vector<std::string>& source_names,
         int threads) {
        auto get = [&](const char* key) -> py::object {
          if (!arrays.contains(key)) throw py::key_error(std::string("arrays: no field ") + key);
          return arrays[key];
        };
        const auto offsets = IntArray{get("offsets")}.get<int64_t>("offsets");
        const auto start = IntArray{get("start")}.get<int32_t>("start");
        const auto end = IntArray{get("end")}.get<int32_t>("end");
        const auto label = IntArray{get("label")}.get<int32_t>("label");
        const auto score = carray<double>::ensure(get("score"));
        const auto votes = carray<double>::ensure(get("votes"));
        const auto sup_off = IntArray{get("support_offsets")}.get<int64_t>("support_offsets");
        const auto sup_src = IntArray{get("support_source")}.get<int32_t>("support_source");
        const auto sup_ent = IntArray{get("support_entity")}.get<int32_t>("support_entity");
        const auto objective = carray<double>::ensure(get("objective"));
        if (!score || !votes || !objective) throw py::type_error("arrays: score, votes and objective must be numbers");
        const py::ssize_t k = check_span_columns(objective, offsets, start, end, label, score);
        check_1d(votes, k, "votes");
        check_1d(sup_off, k + 1, "support_offsets");
        check_1d(sup_src, -1, "support_source");
        check_1d(sup_ent, sup_src.shape(0), "support_entity");
        xlner::check_offsets(sup_off.data(), k, sup_src.shape(0), "support_offsets");
        xlner::MultiSpanArrays a;
        a.n = objective.shape(0);
        a.offsets = offsets.data();
        a.start = start.data();
        a.end = end.data();
        a.label = label.data();
        a.score = score.data();
        a.votes = votes.data();
        a.support_offsets = sup_off.data();
        a.support_source = sup_src.data();
        a.support_entity = sup_ent.data();
        a.objective = objective.data();
        a.n_support = sup_src.shape(0);
        std::string out;
        {
          py::gil_scoped_release release;
          out = xlner::format_multi_spans_jsonl(a, labels, source_names, threads);
        }
        return py::bytes(out);
      },
      py::arg("arrays"), py::arg("labels"), py::arg("source_names"), py::kw_only(), py::arg("threads") = -1, R"doc(
The spans of a multi-source result (MultiSourceResult.arrays) as JSON lines, one object per sentence:
{"objective", "spans": [{"start", "end", "label", "score", "votes", "sources", "entities"}]}; sources are
source_names[s] (the indices when source_names is empty).
)doc");

  m.def(
      "joint_entries",
      [](const py::sequence& sources, int32_t n_united, int32_t max_len, bool aligned_only, int threads) {
        int64_t n = 0;
        const auto js = joint_sources(sources, n_united, n);
        const auto views = joint_views(js);
        xlner::JointEntries e;
        {
          py::gil_scoped_release release;
          e = xlner::joint_entries(views, n, max_len, aligned_only, threads);
        }
        py::dict d;
        d["offsets"] = to_numpy(std::move(e.offsets));
        d["source"] = to_numpy(std::move(e.source));
        d["entity"] = to_numpy(std::move(e.entity));
        d["start"] = to_numpy(std::move(e.start));
        d["end"] = to_numpy(std::move(e.end));
        d["value"] = to_numpy(std::move(e.value));
        return d;
      },
      py::arg("sources"), py::kw_only(), py::arg("n_labels"), py::arg("max_len") = 10, py::arg("aligned_only") = false,
      py::arg("threads") = -1, R"doc(
The weighted entries of the joint matching (source, entity, start, end, weight·score > 0, length <= max_len),
narrowed to the spans whose first and last words a one-word entry of their label covers when aligned_only.

Arguments:
    sources: per source (batch, offsets, ent, start, end, score, label_map, weight): its Batch, its score
        matrix (CSR over the batch), the united label id of each of its label ids, its weight.
    n_labels: size of the united label vocabulary.
Returns:
    dict of arrays: offsets[N+1], source, entity, start, end, value.
)doc");

  m.def(
      "joint_exact",
      [](const py::sequence& sources, int32_t n_united, int32_t max_len, bool aligned_only, int32_t cap,
         double span_cost, int64_t max_states, int threads) {
        check_joint_options(cap, span_cost);
        if (max_states < 1 || max_states > (int64_t{1} << 40))
          throw py::value_error("max_states must be in 1..2**40, got " + std::to_string(max_states));
        int64_t n = 0;
        const auto js = joint_sources(sources, n_united, n);
        const auto views = joint_views(js);
        xlner::MultiSpans out;
        std::vector<int8_t> status;
        {
          py::gil_scoped_release release;
          const auto e = xlner::joint_entries(views, n, max_len, aligned_only, threads);
          out = xlner::joint_exact(e, views, cap, span_cost, max_states, status, threads);
        }
        py::dict d = spans_to_dict(std::move(out));
        d["status"] = to_numpy(std::move(status));
        return d;
      },
      py::arg("sources"), py::kw_only(), py::arg("n_labels"), py::arg("max_len") = 10, py::arg("aligned_only") = false,
      py::arg("cap") = 1, py::arg("span_cost") = 1.0, py::arg("max_states") = 65536, py::arg("threads") = -1, R"doc(
Exact joint matching of every sentence by the engine's dynamic program (xlner/multisource.hpp: joint_exact)
over the entries of joint_entries (same arguments).

Returns:
    dict of arrays as joint_greedy, and status int8[N]: 1 where the program would need more than max_states
    states at one position (nothing chosen there: solve those sentences otherwise), else 0.
)doc");

  m.def(
      "joint_greedy",
      [](const py::sequence& sources, int32_t n_united, int32_t max_len, bool aligned_only, int32_t cap,
         double span_cost, int threads) {
        check_joint_options(cap, span_cost);
        int64_t n = 0;
        const auto js = joint_sources(sources, n_united, n);
        const auto views = joint_views(js);
        xlner::MultiSpans out;
        {
          py::gil_scoped_release release;
          const auto e = xlner::joint_entries(views, n, max_len, aligned_only, threads);
          out = xlner::joint_greedy(e, views, cap, span_cost, threads);
        }
        return spans_to_dict(std::move(out));
      },
      py::arg("sources"), py::kw_only(), py::arg("n_labels"), py::arg("max_len") = 10, py::arg("aligned_only") = false,
      py::arg("cap") = 1, py::arg("span_cost") = 1.0, py::arg("threads") = -1, R"doc(
Greedy joint matching of every sentence (rule: the docstring of xlner.multisource, ``joint``) over the
entries of joint_entries (same arguments).

Returns:
    dict of arrays: offsets, start, end, label, score (summed weighted scores), votes (summed source
    weights), support_offsets, support_source, support_entity, objective (Σ score − span_cost per sentence).
)doc");
}

}  // namespace xlner_py
