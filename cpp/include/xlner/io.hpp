/// @file io.hpp
/// @brief Fast readers and writers of the corpus file formats: CoNLL-style token/tag files, one-sentence-
/// per-line token files, Pharaoh/talp alignments, and the JSON-lines span output.
///
/// Readers load the file into one buffer and index it (tokens are views into the buffer), so a corpus of
/// a million sentences costs a few hundred milliseconds and no per-token allocation. Every malformed input
/// throws FormatError naming the file, the line, the sentence (0-based) and the field.
///
/// Tag ids follow tagging.hpp: 0 = O, 2·l + 1 = B-l, 2·l + 2 = I-l for label id l.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xlner {

/// A malformed input file. what() reads
/// "<path>, line <L>, sentence <S> (0-based), field <F>: <detail>" (line / sentence left out when unknown).
class FormatError : public std::invalid_argument {
 public:
  FormatError(std::string path, int64_t sentence, std::string field, std::string detail, int64_t line = -1);
  const std::string& path() const { return path_; }
  int64_t sentence() const { return sentence_; }  ///< -1 when the error concerns the whole file
  const std::string& field() const { return field_; }
  const std::string& detail() const { return detail_; }
  int64_t line() const { return line_; }  ///< 1-based line number, -1 when unknown

 private:
  std::string path_;
  int64_t sentence_;
  std::string field_;
  std::string detail_;
  int64_t line_;
};

/// A file that cannot be opened, read or written (OSError in Python).
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Offset of the first byte of [p, p + n) that is not valid UTF-8 (overlong forms, surrogates and code
/// points past U+10FFFF are invalid), or n when the whole range is valid.
size_t utf8_invalid_at(const char* p, size_t n);

/// Sentences of tokens and (optionally) IOB2 tag ids, indexed over one owned text buffer.
struct TokenCorpus {
  std::string path;                     ///< file name used in error messages
  std::string text;                     ///< the file's bytes; tokens are views into it
  std::vector<int64_t> sent_offsets{0};  ///< N + 1 token offsets
  std::vector<int64_t> tok_begin;       ///< byte offset of each token in `text` (empty when tokens are not kept)
  std::vector<int32_t> tok_len;         ///< byte length of each token
  std::vector<int32_t> tags;            ///< tag id of each token (empty when read without tags)
  std::vector<std::string> labels;      ///< label names: id l ⇄ labels[l]
  bool has_tokens = true;
  bool has_tags = false;

  /// Number of sentences.
  int64_t size() const { return static_cast<int64_t>(sent_offsets.size()) - 1; }
  /// Number of tokens of all sentences.
  int64_t n_tokens() const { return sent_offsets.back(); }
  /// Token t (global index); requires has_tokens.
  std::string_view token(int64_t t) const {
    return std::string_view(text.data() + tok_begin[static_cast<size_t>(t)], static_cast<size_t>(tok_len[static_cast<size_t>(t)]));
  }
  /// Sentence lengths (int32, one per sentence); throws std::out_of_range past INT32_MAX tokens.
  std::vector<int32_t> lengths() const;
  /// Append a token to the sentence being built (for corpora built in memory); copies it into `text`.
  void push_token(std::string_view tok);
  /// Close the sentence being built (after its push_token calls).
  void close_sentence() { sent_offsets.push_back(static_cast<int64_t>(tok_begin.size())); }
};

/// Easy-Label-Projection's punctuation test on one UTF-8 token (valid UTF-8 assumed): true when every
/// character of the token, stripped of whitespace at both ends as Python's str.strip() does (all Unicode
/// whitespace), is in Python's string.punctuation (ASCII !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~); an empty
/// stripped token counts as punctuation.
bool is_punctuation(std::string_view utf8_token);

/// is_punctuation() for every token of `c` (requires tokens), one flag per token, sentence after sentence.
std::vector<uint8_t> punctuation_mask(const TokenCorpus& c);

/// Options of the CoNLL reader.
struct ConllOptions {
  bool with_tags = true;    ///< read the last field of each line as an IOB2 tag (error when missing)
  bool keep_tokens = true;  ///< index the tokens (false: lengths and tags only, the buffer is dropped)
  std::vector<std::string> labels;  ///< initial label vocabulary (new labels are appended)
  bool skip_bom = true;  ///< skip a UTF-8 byte-order mark at the start (false for blocks after a file's first)
};

/// Parse CoNLL text: one token per line (`token<TAB>...<TAB>tag`, or space separated: first field is the
/// token, last field the tag), a blank line between sentences; `-DOCSTART-` lines are ordinary one-token
/// sentences (the files put blank lines around them); a missing trailing blank line, CRLF line ends and a
/// UTF-8 byte-order mark are accepted. Tags must be O, B-X or I-X. An input without any token is an error.
TokenCorpus parse_conll(std::string text, const std::string& path, const ConllOptions& opt = ConllOptions());
/// Read and parse a CoNLL file (see parse_conll).
TokenCorpus read_conll(const std::string& path, const ConllOptions& opt = ConllOptions());

/// Parse one-sentence-per-line text: whitespace-separated tokens; an empty line is an error (a sentence
/// without tokens); a missing final newline is accepted.
TokenCorpus parse_token_lines(std::string text, const std::string& path, bool keep_tokens = true,
                              bool skip_bom = true);
/// Read and parse a one-sentence-per-line file.
TokenCorpus read_token_lines(const std::string& path, bool keep_tokens = true);

/// True when `head` (the start of a file) looks like CoNLL rather than one sentence per line: its first
/// non-blank line contains a tab, or it contains a blank line between non-blank lines, or every line is
/// `token<spaces>tag` with an IOB2 tag (one space-separated CoNLL sentence).
bool looks_like_conll(std::string_view head);

/// Read target tokens: CoNLL (tags ignored) or one sentence per line, detected by looks_like_conll on the
/// first 64 KiB.
TokenCorpus read_tokens(const std::string& path, bool keep_tokens = true);

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
};

/// Parse talp text: one line per sentence of whitespace-separated `i-j` pairs (an empty line is a sentence
/// without links). Errors name the pair: a field count other than two, a non-integer or negative field,
/// an index of 0 in a 1-based file. Empty text (no line at all) is an error.
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

/// Write `tokens` with one tag per token (`tag_names[tag_ids[t]]`) as CoNLL: `token<sep>tag` lines, a
/// blank line after each sentence. Throws std::invalid_argument when the counts differ or an id has no
/// name, std::runtime_error when the file cannot be written. Formatting runs on `threads` threads.
void write_conll(const std::string& path, const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                 const std::vector<std::string>& tag_names, char sep = '\t', int threads = -1);

/// write_conll into a string instead of a file (for streaming writers and compressed outputs).
std::string format_conll(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                         const std::vector<std::string>& tag_names, char sep = '\t', int threads = -1);

/// Tag names of the tag-id convention for a label vocabulary: "O", "B-l0", "I-l0", "B-l1", ...
std::vector<std::string> iob2_tag_names(const std::vector<std::string>& labels);

/// Flat projected spans of a corpus (CSR over sentences), as the writers take them.
struct SpanArrays {
  int64_t n = 0;
  const int64_t* offsets = nullptr;  ///< n + 1
  const int32_t* start = nullptr;
  const int32_t* end = nullptr;
  const int32_t* label = nullptr;
  const int32_t* entity = nullptr;
  const double* score = nullptr;
  const double* objective = nullptr;  ///< n
};

/// Write one JSON object per sentence:
/// {"objective": float, "spans": [{"start": int, "end": int, "label": str, "entity": int, "score": float}]}.
/// Floats are written in the shortest form that reads back exactly (NaN / Infinity as Python's json does).
void write_spans_jsonl(const std::string& path, const SpanArrays& spans, const std::vector<std::string>& labels,
                       int threads = -1);

/// write_spans_jsonl into a string instead of a file.
std::string format_spans_jsonl(const SpanArrays& spans, const std::vector<std::string>& labels, int threads = -1);

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

}  // namespace xlner
