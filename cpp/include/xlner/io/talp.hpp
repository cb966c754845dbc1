/// @file io/talp.hpp
/// @brief Pharaoh/talp word alignments: reader (0- or 1-based, sure and possible links) and the check of
/// alignments against the sentence lengths of both sides.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include "xlner/io/errors.hpp"

namespace xlner {

/// Word alignments, CSR over sentences (0-based indices, source first).
struct Alignments {
  std::string path;
  std::vector<int64_t> offsets{0};  ///< N + 1
  std::vector<int32_t> src, tgt;
  std::vector<uint8_t> possible;  ///< 1 for `ipj` (possible) links of gold files, 0 for sure links
  int64_t size() const { return static_cast<int64_t>(offsets.size()) - 1; }
};

/// Options of the talp reader.
struct TalpOptions {
  bool one_based = false;       ///< indices in the file start at 1 (gold files); converted to 0-based
  bool allow_possible = false;  ///< accept `ipj` possible links (gold files)
  bool skip_bom = true;         ///< skip a UTF-8 byte-order mark at the start (false for later blocks of a file)
  int threads = 1;              ///< parse pieces of the text (cut at line breaks) on this many threads (<= 0: all)
  std::vector<size_t> splits;   ///< explicit inner cut offsets of the pieces (check_splits); empty: chosen by size
};

/// Parse talp text: one line per sentence of whitespace-separated `i-j` pairs (an empty line is a sentence
/// without links). Errors name the pair: a field count other than two, a non-integer or negative field,
/// an index of 0 in a 1-based file. Empty text (no line at all) is an error. With `opt.threads` != 1 or explicit
/// `opt.splits` the pieces are parsed in parallel and merged (same result and first error, see parse_conll).
Alignments parse_talp(std::string_view text, const std::string& path, const TalpOptions& opt = TalpOptions());
/// Read and parse a talp file (see parse_talp).
Alignments read_talp(const std::string& path, const TalpOptions& opt = TalpOptions());

/// Check alignments (CSR: `offsets[n_aln + 1]`, `src`, `tgt`) read from `path` against the sentence lengths
/// of both sides: n_aln must equal `n` and every index must lie inside its sentence. Throws FormatError
/// naming the alignment file, the sentence, the pair and the file whose sentence it overruns. `first_sentence`:
/// index of the first sentence in the whole file (when checking a block of a file streamed in blocks).
void check_alignments(const std::string& path, const int64_t* offsets, int64_t n_aln, const int32_t* src,
                      const int32_t* tgt, const int32_t* src_len, const int32_t* tgt_len, int64_t n,
                      const std::string& src_path, const std::string& tgt_path, int64_t first_sentence = 0);

}  // namespace xlner
