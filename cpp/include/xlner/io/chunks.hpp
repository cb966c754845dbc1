/// @file io/chunks.hpp
/// @brief Cutting a block of input text at sentence boundaries, for the streaming readers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace xlner {

/// Where to cut a block of input text so that it holds whole sentences: `bytes` from the start of the block,
/// holding `sentences` sentences on `lines` lines.
struct ChunkCut {
  size_t bytes = 0;
  int64_t sentences = 0;
  int64_t lines = 0;
};

/// The longest prefix of `buf` holding at most `max_sentences` whole sentences. `conll`: sentences are runs of
/// non-blank lines (blank: whitespace only) as parse_conll reads them, the cut falls after the blank line that
/// ends the last one; otherwise (one sentence per line, talp) after the line break of the last line. `at_eof`:
/// `buf` is the rest of the file, so its last line (or CoNLL sentence) counts even without its line break.
ChunkCut cut_sentences(std::string_view buf, int64_t max_sentences, bool conll, bool at_eof);

/// Where a parallel parse splits `text` into about `pieces` pieces of similar size: the sorted inner cut offsets
/// (0 and the size left out, none when the text is too small), each a sentence boundary (see check_splits), the
/// first one at or after each k·size/pieces. Only the bytes around the cuts are read.
std::vector<size_t> sentence_splits(std::string_view text, int pieces, bool conll);

/// Throws std::invalid_argument unless every offset of `splits` (strictly increasing, inside the text) is a
/// sentence boundary the parsers may split at: just after a line break and, for CoNLL (`conll`), just after a
/// blank line (whitespace only), so that no sentence straddles it.
void check_splits(std::string_view text, const std::vector<size_t>& splits, bool conll);

}  // namespace xlner
