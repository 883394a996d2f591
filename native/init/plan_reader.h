// The launch plan as the runtime encodes it (lib/plan/encode.ts):
//   "KPL1", then records: u32 field count, then per field u32 length + bytes
// (little endian). Field 0 is the op name. A list is a decimal count field
// followed by that many fields. Numbers are decimal text; a bytes field is
// its raw bytes. The same record framing carries the messages between the
// runtime and the init (protocol.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "wire_enums.h"

namespace kapsel_init {

struct Step {
  std::vector<std::string> fields;
};

// Splits `data` from `*pos` into one record; false when it is malformed.
bool ParseRecord(const std::string& data, size_t* pos, std::vector<std::string>* fields);
// Appends one record with `fields` to `out`.
void AppendRecord(const std::vector<std::string>& fields, std::string* out);

// Reads the whole plan from `fd` (from offset 0 when it is a file, memfd
// included; a pipe is read to its end). Returns false and sets `error` on a
// malformed plan.
bool ReadPlan(int fd, std::vector<Step>* steps, std::string* error);

// Decodes one step's fields into its struct (step_types.h): the visitor
// that Visit() drives when decoding. A malformed step fails the init.
class StepArgs {
 public:
  explicit StepArgs(const Step& step) : step_(step) {}
  const std::string& Op() const { return step_.fields[0]; }

  void Str(const char* name, std::string& out);
  void Int(const char* name, int64_t& out);
  void Uint(const char* name, uint64_t& out);
  void Big(const char* name, uint64_t& out) { Uint(name, out); }
  void Bool(const char* name, bool& out);
  void Strs(const char* name, std::vector<std::string>& out);
  void Ints(const char* name, std::vector<int64_t>& out);
  void Bytes(const char* name, std::string& out);
  // A wire enum: its index, refused beyond the values the init knows.
  template <class E>
  void Enum(const char* name, E& out) {
    out = static_cast<E>(EnumIndex(name, WireEnum<E>::kCount));
  }
  // Fails when fields are left over (the two sides disagree on the op).
  void Done() const;

 private:
  const std::string& Next(const char* name);
  int64_t ParseInt(const char* name, const std::string& text);
  size_t EnumIndex(const char* name, size_t count);

  const Step& step_;
  size_t next_ = 1;
};

}  // namespace kapsel_init
