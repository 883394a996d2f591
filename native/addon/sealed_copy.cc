// Sealed memfd copies of executables (sealed_copy.h).
#include "sealed_copy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>

namespace kapsel {

namespace {

// One sealed memfd copy of each executable, made once per process.
std::map<std::string, int> sealed_copies;

}  // namespace

int SealedCopy(const std::string& file, int* err) {
  auto it = sealed_copies.find(file);
  if (it != sealed_copies.end()) return it->second;
  int src = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) { *err = errno; return -1; }
  struct stat st;
  if (fstat(src, &st) < 0) { *err = errno; close(src); return -1; }
  const unsigned kMfdExec = 0x10;  // MFD_EXEC: needed where vm.memfd_noexec is set
  int mfd = static_cast<int>(syscall(SYS_memfd_create, "kapsel-init",
                                     MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec));
  if (mfd < 0 && errno == EINVAL)
    mfd = static_cast<int>(syscall(SYS_memfd_create, "kapsel-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (mfd < 0) { *err = errno; close(src); return -1; }
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, src, nullptr, static_cast<size_t>(left));
    if (n <= 0) { *err = n < 0 ? errno : EIO; close(src); close(mfd); return -1; }
    left -= n;
  }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    *err = errno; close(mfd); return -1;
  }
  sealed_copies[file] = mfd;
  return mfd;
}

}  // namespace kapsel
