/// @file io/corpus.hpp
/// @brief TokenCorpus: sentences of tokens and IOB2 tag ids over one owned text buffer (what the CoNLL and
/// token-line readers return), its punctuation mask, and the IOB2 tag-name convention.
///
/// Tag ids follow tagging.hpp: 0 = O, 2·l + 1 = B-l, 2·l + 2 = I-l for label id l.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xlner {

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

/// is_punctuation() for every token of `c` (requires tokens), one flag per token, sentence after sentence.
std::vector<uint8_t> punctuation_mask(const TokenCorpus& c);

/// Tag names of the tag-id convention for a label vocabulary: "O", "B-l0", "I-l0", "B-l1", ...
std::vector<std::string> iob2_tag_names(const std::vector<std::string>& labels);

/// True when `name` can be the X of a B-X / I-X tag: not empty, no whitespace or control bytes, not starting
/// with '-' (so `B--` and `B-LOC x` are not tags).
bool valid_label(std::string_view name);

/// Build a corpus in memory from tokens (and IOB2 tag strings) per sentence; tags are encoded by the same
/// encoder as the CoNLL reader (`labels`: initial label list, new names appended). Throws
/// std::invalid_argument naming the sentence and field for an empty token, a token with a tab or line break,
/// a tag that is not O / B-X / I-X (X as valid_label), or a tag list whose length differs.
TokenCorpus corpus_from_lists(const std::vector<std::vector<std::string>>& tokens,
                              const std::vector<std::vector<std::string>>* tags, std::vector<std::string> labels);

}  // namespace xlner
