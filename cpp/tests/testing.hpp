// A minimal test harness (no network, no external framework): TEST(name) registers a case,
// CHECK / CHECK_EQ / CHECK_THROWS record failures; main() runs all and prints "N passed, N failed".
#pragma once
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace xlner_test {
struct Case {
  std::string name;
  std::function<void()> fn;
};
inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};
}  // namespace xlner_test

#define XLNER_CAT2(a, b) a##b
#define XLNER_CAT(a, b) XLNER_CAT2(a, b)
#define TEST(name)                                                                         \
  static void name();                                                                      \
  static xlner_test::Registrar XLNER_CAT(registrar_, name)(#name, name);                   \
  static void name()
#define CHECK(cond)                                                                        \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::cerr << __FILE__ << ":" << __LINE__ << ": CHECK failed: " #cond << "\n";       \
      ++xlner_test::failures();                                                            \
    }                                                                                      \
  } while (0)
#define CHECK_EQ(a, b)                                                                     \
  do {                                                                                     \
    auto va_ = (a);                                                                        \
    auto vb_ = (b);                                                                        \
    if (!(va_ == vb_)) {                                                                   \
      std::cerr << __FILE__ << ":" << __LINE__ << ": CHECK_EQ failed: " #a " == " #b       \
                << " (" << va_ << " vs " << vb_ << ")\n";                                  \
      ++xlner_test::failures();                                                            \
    }                                                                                      \
  } while (0)
#define CHECK_THROWS(expr, Exc)                                                            \
  do {                                                                                     \
    bool thrown_ = false;                                                                  \
    try {                                                                                  \
      (void)(expr);                                                                        \
    } catch (const Exc&) {                                                                 \
      thrown_ = true;                                                                      \
    }                                                                                      \
    if (!thrown_) {                                                                        \
      std::cerr << __FILE__ << ":" << __LINE__ << ": expected " #Exc " from " #expr "\n";  \
      ++xlner_test::failures();                                                            \
    }                                                                                      \
  } while (0)
