// The sealed memfd copy of an executable that spawn() execs (spawn.cc):
// nothing in a container can reach the host binary through /proc/PID/exe
// (CVE-2019-5736).
#pragma once
#include <string>

namespace kapsel {

// One sealed memfd copy of `file`, made once per process and kept; -1 with
// *err set on failure.
int SealedCopy(const std::string& file, int* err);

}  // namespace kapsel
