/// @file io/errors.hpp
/// @brief The errors of the readers and writers: FormatError (a malformed input, naming file, line, sentence
/// and field) and FileError (a file that cannot be opened, read or written).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

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

}  // namespace xlner
