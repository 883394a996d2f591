// The launch plan as the runtime encodes it (lib/plan/encode.ts):
//   "KPL1", then records: u32 field count, then per field u32 length + bytes
// (little endian). Field 0 is the op name. A list is a decimal count field
// followed by that many fields.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kapsel_init {

struct Step {
  std::vector<std::string> fields;
};

// Reads the whole plan from `fd` (pread from offset 0). Returns false and
// sets `error` on a malformed plan.
bool ReadPlan(int fd, std::vector<Step>* steps, std::string* error);

// Sequential reader of one step's fields; a malformed step fails the init.
class StepArgs {
 public:
  explicit StepArgs(const Step& step) : step_(step) {}
  const std::string& Op() const { return step_.fields[0]; }
  const std::string& Str();
  int64_t Int();
  uint64_t U64();
  bool Bool() { return Str() == "1"; }
  std::vector<std::string> List();

 private:
  const Step& step_;
  size_t next_ = 1;
};

}  // namespace kapsel_init
