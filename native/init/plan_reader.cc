#include "plan_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fail.h"

namespace kapsel_init {

namespace {

bool ReadAll(int fd, std::string* out) {
  char buf[65536];
  off_t offset = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
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

}  // namespace

bool ReadPlan(int fd, std::vector<Step>* steps, std::string* error) {
  std::string data;
  if (!ReadAll(fd, &data)) {
    *error = std::string("read plan: ") + strerror(errno);
    return false;
  }
  if (data.compare(0, 4, "KPL1") != 0) {
    *error = "plan: bad magic";
    return false;
  }
  size_t pos = 4;
  while (pos < data.size()) {
    uint32_t count;
    if (!ReadU32(data, &pos, &count) || count == 0) {
      *error = "plan: truncated record";
      return false;
    }
    Step step;
    for (uint32_t i = 0; i < count; i++) {
      uint32_t len;
      if (!ReadU32(data, &pos, &len) || pos + len > data.size()) {
        *error = "plan: truncated field";
        return false;
      }
      step.fields.emplace_back(data, pos, len);
      pos += len;
    }
    steps->push_back(std::move(step));
  }
  return true;
}

const std::string& StepArgs::Str() {
  if (next_ >= step_.fields.size()) Fail("plan", EINVAL, "", "step " + Op() + ": missing field");
  return step_.fields[next_++];
}

int64_t StepArgs::Int() {
  const std::string& s = Str();
  char* end = nullptr;
  errno = 0;
  long long v = strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') Fail("plan", EINVAL, "", "step " + Op() + ": bad number " + s);
  return v;
}

uint64_t StepArgs::U64() {
  const std::string& s = Str();
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') Fail("plan", EINVAL, "", "step " + Op() + ": bad number " + s);
  return v;
}

std::vector<std::string> StepArgs::List() {
  int64_t n = Int();
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; i++) out.push_back(Str());
  return out;
}

}  // namespace kapsel_init
