/// @file io/utf8.hpp
/// @brief UTF-8 validation and Easy-Label-Projection's punctuation test on UTF-8 tokens.
#pragma once
#include <cstddef>
#include <string_view>

namespace xlner {

/// Offset of the first byte of [p, p + n) that is not valid UTF-8 (overlong forms, surrogates and code
/// points past U+10FFFF are invalid), or n when the whole range is valid.
size_t utf8_invalid_at(const char* p, size_t n);

/// As utf8_invalid_at, also stopping at the first NUL byte (text files never contain one); one pass.
size_t text_invalid_at(const char* p, size_t n);

/// Easy-Label-Projection's punctuation test on one UTF-8 token (valid UTF-8 assumed): true when every
/// character of the token, stripped of whitespace at both ends as Python's str.strip() does (all Unicode
/// whitespace), is in Python's string.punctuation (ASCII !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~); an empty
/// stripped token counts as punctuation.
bool is_punctuation(std::string_view utf8_token);

}  // namespace xlner
