// The dry-run printer: the visitor that turns a decoded step (step_types.h)
// into one JSON object with the TypeScript property names, so that a test
// can compare what the C++ readers decoded with the plan TypeScript built.
// Big fields print as decimal strings (TypeScript bigints), Bytes as hex.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "wire_enums.h"

namespace kapsel_init {

class StepPrinter {
 public:
  explicit StepPrinter(const std::string& op);

  void Str(const char* name, const std::string& value);
  void Int(const char* name, int64_t value);
  void Uint(const char* name, uint64_t value);
  void Big(const char* name, uint64_t value);
  void Bool(const char* name, bool value);
  void Strs(const char* name, const std::vector<std::string>& value);
  void Ints(const char* name, const std::vector<int64_t>& value);
  void Bytes(const char* name, const std::string& value);
  // A wire enum prints as its TypeScript word.
  template <class E>
  void Enum(const char* name, E value) {
    Str(name, WireName(value));
  }

  // The finished object (no newline).
  std::string Json() const { return out_ + "}"; }

 private:
  void Key(const char* name);

  std::string out_;
};

}  // namespace kapsel_init
