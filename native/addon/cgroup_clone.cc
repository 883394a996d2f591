// clone3(CLONE_INTO_CGROUP) for the spawner (spawn.cc): the child is born in
// the container's cgroup2 cgroup, so nothing of it — not even the exec of the
// init helper, nor the root of a new cgroup namespace — is ever in the
// runtime's cgroup.
//
// clone3 cannot run a function on a new stack without assembly, so it is
// used with fork semantics (no CLONE_VM): the child gets a copy of our
// memory and goes on on its copy of this stack, like after fork(), calls
// `fn` and never returns. CLONE_VFORK still suspends us until it has
// exec'd. What the child reports back must therefore live in memory
// mapped MAP_SHARED (spawn.cc allocates its ChildPlan there).
#include "cgroup_clone.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace kapsel {

namespace {

// struct clone_args of <linux/sched.h> (Linux 5.7+ layout), spelled out so
// that this file does not mix glibc's and the kernel's sched headers.
struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};

constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;
constexpr uint64_t kCloneVfork = 0x00004000ULL;

}  // namespace

pid_t CloneIntoCgroup(int (*fn)(void*), void* arg, int flags, int cgroup_fd) {
  CloneArgs args;
  memset(&args, 0, sizeof(args));
  args.flags = static_cast<uint32_t>(flags) | kCloneVfork | kCloneIntoCgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) {
    fn(arg);
    _exit(127);
  }
  return static_cast<pid_t>(pid);
}

}  // namespace kapsel
