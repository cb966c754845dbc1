#include "xlner/io/corpus.hpp"

#include <limits>
#include <stdexcept>

#include "xlner/io/utf8.hpp"

namespace xlner {

std::vector<int32_t> TokenCorpus::lengths() const {
  std::vector<int32_t> out(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) {
    const int64_t len = sent_offsets[i + 1] - sent_offsets[i];
    if (len > std::numeric_limits<int32_t>::max())
      throw std::out_of_range(path + ": sentence " + std::to_string(i) + " has too many tokens");
    out[static_cast<size_t>(i)] = static_cast<int32_t>(len);
  }
  return out;
}

void TokenCorpus::push_token(std::string_view tok) {
  if (tok.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw std::length_error("token longer than 2 GiB");
  tok_begin.push_back(static_cast<int64_t>(text.size()));
  tok_len.push_back(static_cast<int32_t>(tok.size()));
  text.append(tok.data(), tok.size());
}

bool valid_label(std::string_view name) {
  if (name.empty() || name[0] == '-') return false;
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::vector<uint8_t> punctuation_mask(const TokenCorpus& c) {
  if (!c.has_tokens) throw std::invalid_argument(c.path + ": punctuation_mask needs the tokens (keep_tokens)");
  std::vector<uint8_t> out(static_cast<size_t>(c.n_tokens()));
  for (int64_t t = 0; t < c.n_tokens(); ++t) out[static_cast<size_t>(t)] = is_punctuation(c.token(t)) ? 1 : 0;
  return out;
}

std::vector<std::string> iob2_tag_names(const std::vector<std::string>& labels) {
  std::vector<std::string> names{"O"};
  names.reserve(2 * labels.size() + 1);
  for (const auto& l : labels) {
    names.push_back("B-" + l);
    names.push_back("I-" + l);
  }
  return names;
}

}  // namespace xlner
