#include "testing.hpp"

int main() {
  int passed = 0, failed = 0;
  for (auto& c : xlner_test::registry()) {
    const int before = xlner_test::failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      std::cerr << c.name << ": unexpected exception: " << e.what() << "\n";
      ++xlner_test::failures();
    }
    if (xlner_test::failures() == before) {
      ++passed;
    } else {
      ++failed;
      std::cerr << "FAILED: " << c.name << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
