#include "seccomp.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace kapsel_init {

int InstallSeccompFilter(const std::string& program_bytes, unsigned flags, int* listener_fd) {
  if (program_bytes.empty() || program_bytes.size() % sizeof(sock_filter) != 0) return EINVAL;
  size_t count = program_bytes.size() / sizeof(sock_filter);
  if (count > USHRT_MAX) return EINVAL;
  sock_fprog prog;
  prog.len = static_cast<unsigned short>(count);
  // The kernel copies the program; it only reads through this pointer.
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(program_bytes.data()));
  if (listener_fd != nullptr) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) return errno;
  // With NEW_LISTENER the syscall returns the listener fd (created
  // close-on-exec by the kernel); without it, 0.
  if (listener_fd != nullptr) *listener_fd = static_cast<int>(rc);
  return 0;
}

}  // namespace kapsel_init
