// clone3(CLONE_INTO_CGROUP) on a stack of its own; see cgroup_clone.cc.
#pragma once
#include <stddef.h>
#include <sys/types.h>

namespace kapsel {

// Runs fn(arg) in a child born in the cgroup2 cgroup of the directory fd
// `cgroup_fd`, with the CLONE_* namespace `flags`, on the `stack_size`
// bytes at `stack` (their lowest address) and sharing our memory where the
// architecture allows (x86_64; elsewhere, or with `fork_semantics`, with
// fork semantics); the caller is suspended until the child execs or exits
// (CLONE_VFORK). Returns the pid, or -1 with errno set. fn must not return
// (it execs or _exits).
pid_t CloneIntoCgroup(int (*fn)(void*), void* arg, int flags, int cgroup_fd, char* stack, size_t stack_size, bool fork_semantics);

}  // namespace kapsel
