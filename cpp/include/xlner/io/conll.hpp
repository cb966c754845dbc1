/// @file io/conll.hpp
/// @brief CoNLL-style token/tag files and one-sentence-per-line token files: readers (one buffer per file, tokens
/// are views into it) and writers. Every malformed input throws FormatError naming the file, the line, the
/// sentence (0-based) and the field.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>
#include "xlner/io/corpus.hpp"
#include "xlner/io/errors.hpp"

namespace xlner {

/// Options of the CoNLL reader.
struct ConllOptions {
  bool with_tags = true;    ///< read the last field of each line as an IOB2 tag (error when missing)
  bool keep_tokens = true;  ///< index the tokens (false: lengths and tags only, the buffer is dropped)
  std::vector<std::string> labels;  ///< initial label vocabulary (new labels are appended)
  bool skip_bom = true;  ///< skip a UTF-8 byte-order mark at the start (false for blocks after a file's first)
  int threads = 1;       ///< parse pieces of the text (cut at sentence boundaries) on this many threads (<= 0: all)
  std::vector<size_t> splits;  ///< explicit inner cut offsets of the pieces (check_splits); empty: chosen by size
};

/// Parse CoNLL text: one token per line (`token<TAB>...<TAB>tag`, or space separated: first field is the
/// token, last field the tag), a blank line between sentences; `-DOCSTART-` lines are ordinary one-token
/// sentences (the files put blank lines around them); a missing trailing blank line, CRLF line ends and a
/// UTF-8 byte-order mark are accepted. Tags must be O, B-X or I-X. An input without any token is an error.
///
/// With `opt.threads` != 1 (texts of 1 MiB and more) or explicit `opt.splits`, the text is cut at sentence
/// boundaries (sentence_splits, chunks.hpp), the pieces are parsed by the same parser on several threads and merged:
/// the result equals the single-threaded parse (labels in order of first appearance), and so does the first error.
TokenCorpus parse_conll(std::string text, const std::string& path, const ConllOptions& opt = ConllOptions());
/// parse_conll on a view of the text: without `keep_tokens` nothing is copied; with it the corpus copies the text.
TokenCorpus parse_conll_view(std::string_view text, const std::string& path, const ConllOptions& opt = ConllOptions());
/// Read and parse a CoNLL file (see parse_conll).
TokenCorpus read_conll(const std::string& path, const ConllOptions& opt = ConllOptions());

/// Parse one-sentence-per-line text: whitespace-separated tokens; an empty line is an error (a sentence
/// without tokens); a missing final newline is accepted. `threads`, `splits`: pieces parsed in parallel, as in
/// parse_conll.
TokenCorpus parse_token_lines(std::string text, const std::string& path, bool keep_tokens = true,
                              bool skip_bom = true, int threads = 1, const std::vector<size_t>& splits = {});
/// Read and parse a one-sentence-per-line file.
TokenCorpus read_token_lines(const std::string& path, bool keep_tokens = true);

/// True when `head` (the start of a file) looks like CoNLL rather than one sentence per line: its first
/// non-blank line contains a tab, or it contains a blank line between non-blank lines, or every line is
/// `token<spaces>tag` with an IOB2 tag (one space-separated CoNLL sentence).
bool looks_like_conll(std::string_view head);

/// Read target tokens: CoNLL (tags ignored) or one sentence per line, detected by looks_like_conll on the
/// first 64 KiB.
TokenCorpus read_tokens(const std::string& path, bool keep_tokens = true);

/// Write `tokens` with one tag per token (`tag_names[tag_ids[t]]`) as CoNLL: `token<sep>tag` lines, a
/// blank line after each sentence. Throws std::invalid_argument when the counts differ or an id has no
/// name, std::runtime_error when the file cannot be written. Formatting runs on `threads` threads.
void write_conll(const std::string& path, const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                 const std::vector<std::string>& tag_names, char sep = '\t', int threads = -1);

/// write_conll into a buffer of the exact size that `alloc(size)` returns (called once, on the calling thread),
/// formatted on `threads` threads straight into place: no copy between formatting and the caller's buffer.
void format_conll_into(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                       const std::vector<std::string>& tag_names, char sep, int threads,
                       const std::function<char*(size_t)>& alloc);

/// write_conll into a string instead of a file (for streaming writers and compressed outputs).
std::string format_conll(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                         const std::vector<std::string>& tag_names, char sep = '\t', int threads = -1);

}  // namespace xlner
