#include "plan_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fail.h"

namespace kapsel_init {

namespace {

// Reads straight into `out`, which grows by a chunk at a time: no stack
// buffer, whose pages would stay resident in the waiting init.
bool ReadAll(int fd, std::string* out) {
  const size_t chunk = 16384;
  off_t offset = 0;
  bool seekable = true;
  for (;;) {
    size_t have = out->size();
    out->resize(have + chunk);
    ssize_t n = seekable ? pread(fd, &(*out)[have], chunk, offset) : read(fd, &(*out)[have], chunk);
    int err = errno;
    out->resize(have + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n < 0 && err == ESPIPE && seekable) {
      seekable = false;
      continue;
    }
    if (n < 0) {
      if (err == EINTR) continue;
      errno = err;
      return false;
    }
    if (n == 0) return true;
    offset += n;
  }
}

bool ReadU32(const std::string& data, size_t* pos, uint32_t* value) {
  if (*pos + 4 > data.size()) return false;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data()) + *pos;
  *value = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
  *pos += 4;
  return true;
}

void AppendU32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; i++) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

bool ParseRecord(const std::string& data, size_t* pos, std::vector<std::string>* fields) {
  fields->clear();
  uint32_t count;
  if (!ReadU32(data, pos, &count) || count == 0) return false;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len;
    if (!ReadU32(data, pos, &len) || *pos + len > data.size()) return false;
    fields->emplace_back(data, *pos, len);
    *pos += len;
  }
  return true;
}

void AppendRecord(const std::vector<std::string>& fields, std::string* out) {
  AppendU32(static_cast<uint32_t>(fields.size()), out);
  for (const std::string& field : fields) {
    AppendU32(static_cast<uint32_t>(field.size()), out);
    out->append(field);
  }
}

bool ReadPlan(int fd, std::vector<Step>* steps, std::string* error) {
  std::string data;
  if (!ReadAll(fd, &data)) {
    *error = "read plan: " + ErrnoText(errno);
    return false;
  }
  if (data.compare(0, 4, "KPL1") != 0) {
    *error = "plan: bad magic";
    return false;
  }
  size_t pos = 4;
  while (pos < data.size()) {
    Step step;
    if (!ParseRecord(data, &pos, &step.fields)) {
      *error = "plan: truncated record";
      return false;
    }
    steps->push_back(std::move(step));
  }
  return true;
}

const std::string& StepArgs::Next(const char* name) {
  if (next_ >= step_.fields.size()) FailPlan("step " + Op() + ": missing field " + name);
  return step_.fields[next_++];
}

int64_t StepArgs::ParseInt(const char* name, const std::string& s) {
  char* end = nullptr;
  errno = 0;
  long long v = strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0')
    FailPlan("step " + Op() + ": " + name + " is not a number: " + s);
  return v;
}

void StepArgs::Str(const char* name, std::string& out) {
  out = Next(name);
  // A string reaches syscalls as a C string: a NUL would cut it short.
  if (out.find('\0') != std::string::npos) FailPlan("step " + Op() + ": " + name + " holds a NUL");
}

void StepArgs::Int(const char* name, int64_t& out) { out = ParseInt(name, Next(name)); }

void StepArgs::Uint(const char* name, uint64_t& out) {
  const std::string& s = Next(name);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0' || s[0] == '-')
    FailPlan("step " + Op() + ": " + name + " is not an unsigned number: " + s);
  out = v;
}

void StepArgs::Bool(const char* name, bool& out) {
  const std::string& s = Next(name);
  if (s != "0" && s != "1") FailPlan("step " + Op() + ": " + name + " is not 0 or 1: " + s);
  out = s == "1";
}

void StepArgs::Strs(const char* name, std::vector<std::string>& out) {
  int64_t n = ParseInt(name, Next(name));
  if (n < 0) FailPlan("step " + Op() + ": " + name + " has a negative length");
  out.clear();
  for (int64_t i = 0; i < n; i++) {
    std::string item;
    Str(name, item);
    out.push_back(std::move(item));
  }
}

void StepArgs::Ints(const char* name, std::vector<int64_t>& out) {
  int64_t n = ParseInt(name, Next(name));
  if (n < 0) FailPlan("step " + Op() + ": " + name + " has a negative length");
  out.clear();
  for (int64_t i = 0; i < n; i++) out.push_back(ParseInt(name, Next(name)));
}

size_t StepArgs::EnumIndex(const char* name, size_t count) {
  uint64_t value;
  Uint(name, value);
  if (value >= count) FailPlan("step " + Op() + ": " + name + " is not a known value: " + std::to_string(value));
  return static_cast<size_t>(value);
}

void StepArgs::Bytes(const char* name, std::string& out) { out = Next(name); }

void StepArgs::Done() const {
  if (next_ != step_.fields.size())
    FailPlan("step " + Op() + ": " + std::to_string(step_.fields.size() - next_) + " fields left over");
}

}  // namespace kapsel_init
