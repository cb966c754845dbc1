/// @file alignment.hpp
/// @brief Word alignment: extraction of links from word-similarity matrices (SimAlign argmax,
/// itermax, match; awesome-align softmax), symmetrisation of two directional alignments
/// (intersection, union, grow-diag, grow-diag-final, grow-diag-final-and) and lexical
/// (string) similarity matrices for same-language pairs and shared names.
///
/// Conventions: a similarity matrix of a sentence pair is row-major with one row per source word
/// and one column per target word. Links are (src, tgt), 0-based. Every function returns links
/// sorted by (src, tgt) without duplicates. Batches use CSR arrays (see docs/architecture.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xlner/batch.hpp"

namespace xlner {

/// Extraction methods.
enum class ExtractMethod {
  Argmax,   ///< SimAlign "argmax" / "inter": (i, j) where j is the row argmax of i and i the column argmax of j.
  Itermax,  ///< SimAlign "itermax": argmax, then further rounds on the words left unaligned.
  Match,    ///< SimAlign "match": maximum-weight matching among matchings of size min(m, n).
  Softmax,  ///< awesome-align: softmax over each row and over each column, both > threshold.
};

/// Parse "argmax" | "itermax" | "match" | "softmax" (also "inter", "mwmf"); throws std::invalid_argument.
ExtractMethod parse_extract_method(const std::string& name);

/// Options of extraction.
struct ExtractOptions {
  ExtractMethod method = ExtractMethod::Argmax;
  int max_count = 2;          ///< itermax: total number of rounds (SimAlign default 2).
  double alpha = 0.9;         ///< itermax: weight of a cell whose row or column is already aligned.
  double threshold = 0.001;   ///< softmax: probability threshold (awesome-align default 0.001).
};

/// Links of many sentences in CSR form: sentence i owns [offsets[i], offsets[i+1]).
struct LinksCSR {
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> src, tgt;
  /// Append the links of one sentence and close it.
  void push_sentence(const std::vector<Link>& links);
  /// Concatenate per-chunk results (each with its own leading 0 offset) in order.
  static LinksCSR concat(std::vector<LinksCSR>& parts);
};

/// Extract links from one m x n row-major similarity matrix. `sentence` only names the sentence
/// in error messages. Throws std::invalid_argument for NaN entries or bad options.
template <class T>
std::vector<Link> extract(const T* sim, int32_t m, int32_t n, const ExtractOptions& opt, int64_t sentence = 0);

/// Batch extraction. Matrix i has shape rows[i] x cols[i] and lives in
/// data[mat_offsets[i] .. mat_offsets[i+1]) (row-major). `data_size` is the size of `data`.
/// Validates all shapes and offsets first (messages name sentence and field).
template <class T>
LinksCSR extract_batch(const T* data, int64_t data_size, const int64_t* mat_offsets, const int32_t* rows,
                       const int32_t* cols, int64_t n, const ExtractOptions& opt, int threads = -1);

/// Maximum-weight assignment of a rectangular m x n matrix (row-major, double): returns, for each
/// row, its column or -1, such that min(m, n) pairs are matched and their total weight is maximal.
/// Shortest augmenting paths with potentials (Hungarian / Jonker-Volgenant), O(k^2 * max(m, n)).
std::vector<int32_t> max_weight_assignment(const double* w, int32_t m, int32_t n);

/// Symmetrisation heuristics (Koehn, Statistical Machine Translation, 2010, sec. 4.5.3).
enum class SymMethod { Intersection, Union, GrowDiag, GrowDiagFinal, GrowDiagFinalAnd };

/// Parse "intersection" | "union" | "grow-diag" | "grow-diag-final" | "grow-diag-final-and"
/// (underscores accepted); throws std::invalid_argument.
SymMethod parse_sym_method(const std::string& name);

/// Symmetrise the forward and reverse links of one pair (both in (src, tgt) coordinates, duplicates
/// allowed) of an m-word source and n-word target sentence. grow-diag follows Koehn's pseudo-code
/// literally: row-major sweeps over the current alignment, neighbours in the order
/// (-1,0) (0,-1) (1,0) (0,1) (-1,-1) (-1,1) (1,-1) (1,1), points added at once, sweeps repeated until
/// nothing changes; final(-and) then sweeps forward links, then reverse links, row-major.
/// Throws std::out_of_range for links outside the sentence.
std::vector<Link> symmetrize(const Link* fwd, int64_t n_fwd, const Link* rev, int64_t n_rev, int32_t m,
                             int32_t n, SymMethod method, int64_t sentence = 0);

/// Batch symmetrisation over CSR links.
LinksCSR symmetrize_batch(int64_t n, const int32_t* src_len, const int32_t* tgt_len, const int64_t* fwd_offsets,
                          const int32_t* fwd_src, const int32_t* fwd_tgt, int64_t fwd_size,
                          const int64_t* rev_offsets, const int32_t* rev_src, const int32_t* rev_tgt,
                          int64_t rev_size, SymMethod method, int threads = -1);

/// Lexical similarity measures between two words (given as Unicode code points).
enum class LexicalMeasure {
  Exact,  ///< 1 if equal, else 0
  Edit,   ///< 1 - Levenshtein(a, b) / max(|a|, |b|)
  Ngram,  ///< Dice coefficient of the multisets of character n-grams of "#a#" and "#b#"
  Max,    ///< max(Edit, Ngram)
};

/// Parse "exact" | "edit" | "ngram" | "max"; throws std::invalid_argument.
LexicalMeasure parse_lexical_measure(const std::string& name);

/// Decode UTF-8 into code points; throws std::invalid_argument on malformed input.
std::u32string utf8_to_u32(const std::string& s);

/// Levenshtein distance (unit costs) between two code-point strings.
int32_t levenshtein(const std::u32string& a, const std::u32string& b);

/// Similarity of two words under a measure, in [0, 1]; two empty words have similarity 1.
double lexical_similarity(const std::u32string& a, const std::u32string& b, LexicalMeasure measure, int ngram = 3);

/// Lexical similarity matrices of a batch: src[i] x tgt[i] words, flat row-major, CSR offsets.
struct SimCSR {
  std::vector<int64_t> offsets{0};
  std::vector<double> data;
};
SimCSR lexical_similarity_batch(const std::vector<std::vector<std::u32string>>& src,
                                const std::vector<std::vector<std::u32string>>& tgt, LexicalMeasure measure,
                                int ngram = 3, int threads = -1);

}  // namespace xlner
