#include "xlner/io/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <sys/stat.h>

#include "io_detail.hpp"

namespace xlner {

namespace {

std::string format_where(const std::string& path, int64_t sentence, const std::string& field,
                         const std::string& detail, int64_t line) {
  std::string s = path;
  if (line >= 0) s += ", line " + std::to_string(line);
  if (sentence >= 0) s += ", sentence " + std::to_string(sentence) + " (0-based)";
  s += ", field " + field + ": " + detail;
  return s;
}

}  // namespace

FormatError::FormatError(std::string path, int64_t sentence, std::string field, std::string detail, int64_t line)
    : std::invalid_argument(format_where(path, sentence, field, detail, line)),
      path_(std::move(path)),
      sentence_(sentence),
      field_(std::move(field)),
      detail_(std::move(detail)),
      line_(line) {}

namespace io_detail {

std::string read_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw FileError(path + ": cannot open for reading (" + std::strerror(errno) + ")");
  struct stat st;
  if (fstat(fileno(f.get()), &st) != 0) throw FileError(path + ": cannot stat (" + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a directory, expected a file");
  std::string out;
  if (!S_ISREG(st.st_mode)) {  // a pipe or a device: read blocks, stop at the first NUL byte (not text)
    char buf[1 << 16];
    for (size_t k; (k = std::fread(buf, 1, sizeof buf, f.get())) > 0;) {
      if (const void* nul = std::memchr(buf, '\0', k))
        throw FormatError(path, -1, "file",
                          "NUL byte at byte offset " +
                              std::to_string(out.size() + static_cast<size_t>(static_cast<const char*>(nul) - buf)) +
                              " (not a text file?)");
      out.append(buf, k);
    }
    if (std::ferror(f.get())) throw FileError(path + ": read error");
    return out;
  }
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    const long size = std::ftell(f.get());
    if (size > 0) out.resize(static_cast<size_t>(size));
    std::rewind(f.get());
  }
  size_t got = out.empty() ? 0 : std::fread(&out[0], 1, out.size(), f.get());
  out.resize(got);
  char buf[1 << 16];  // whatever the size query missed (pipes, growing files)
  for (size_t k; (k = std::fread(buf, 1, sizeof buf, f.get())) > 0;) out.append(buf, k);
  if (std::ferror(f.get())) throw FileError(path + ": read error");
  return out;
}

}  // namespace io_detail

}  // namespace xlner
