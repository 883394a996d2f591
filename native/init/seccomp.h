// Installing a ready seccomp program (compiled by the runtime with
// libseccomp, see lib/seccomp) with the raw seccomp(2) syscall: the init
// helper never loads libseccomp itself.
#pragma once
#include <string>

namespace kapsel_init {

// Installs `program_bytes` (an array of struct sock_filter, 8 bytes each) as
// a seccomp filter of the calling thread with SECCOMP_SET_MODE_FILTER and
// `flags` (SECCOMP_FILTER_FLAG_*). When `listener_fd` is not null,
// SECCOMP_FILTER_FLAG_NEW_LISTENER is added and the new notify listener fd
// is stored there (close-on-exec). Returns 0, or the errno of the failure
// (EINVAL for a program whose size is not a whole number of instructions).
//
// The caller must already have no_new_privs set or hold CAP_SYS_ADMIN in its
// user namespace, or the kernel refuses with EACCES.
int InstallSeccompFilter(const std::string& program_bytes, unsigned flags, int* listener_fd);

}  // namespace kapsel_init
