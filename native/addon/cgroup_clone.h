// clone3(CLONE_INTO_CGROUP) with fork semantics; see cgroup_clone.cc.
#pragma once
#include <sys/types.h>

namespace kapsel {

// Runs fn(arg) in a child born in the cgroup2 cgroup of the directory fd
// `cgroup_fd`, with the CLONE_* namespace `flags`; the caller is suspended
// until the child execs or exits (CLONE_VFORK). Returns the pid, or -1
// with errno set. fn must not return (it execs or _exits).
pid_t CloneIntoCgroup(int (*fn)(void*), void* arg, int flags, int cgroup_fd);

}  // namespace kapsel
