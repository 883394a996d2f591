// clone3(CLONE_INTO_CGROUP) for the spawner (spawn.cc): the child is born in
// the container's cgroup2 cgroup, so nothing of it — not even the exec of the
// init helper, nor the root of a new cgroup namespace — is ever in the
// runtime's cgroup.
//
// glibc has no clone3() that runs a function on a new stack, so a few
// instructions here do what its clone() does for clone(2): the child
// starts on the stack given (CLONE_VM: it shares our memory, as the
// clone() path of spawn.cc), calls `fn(arg)` and exits with its result.
// Sharing the memory matters: with fork semantics the kernel copies the
// page tables of the whole Node process for every container (~0.2 ms for
// a fresh process, ~5 ms with 300 MB of heap, and a runtime with a
// thousand containers in flight has a large heap). On other architectures
// clone3 is used with fork semantics (no CLONE_VM): the child then goes on
// on its copy of this stack, like after fork().
//
// CLONE_VFORK suspends us until the child has exec'd or exited. What it
// reports back lives in memory mapped MAP_SHARED (spawn.cc allocates its
// ChildPlan there), which both ways reach.
#include "cgroup_clone.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
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
constexpr uint64_t kCloneVm = 0x00000100ULL;

}  // namespace

// x86_64 only: the one architecture it is tested on here. Elsewhere clone3
// runs with fork semantics (the tested fallback below), which copies the
// page tables of the Node process per container but is otherwise the same.
#if defined(__x86_64__)
#define KAPSEL_CLONE3_ON_STACK 1
// long kapsel_clone3_on_stack(CloneArgs* args, size_t size, int (*fn)(void*), void* arg):
// the parent gets the child's pid (or -errno); the child runs fn(arg) on
// args->stack and exits with its result, never returning here.
extern "C" long kapsel_clone3_on_stack(CloneArgs* args, size_t size, int (*fn)(void*), void* arg);
asm(R"(
  .text
  .globl kapsel_clone3_on_stack
  .hidden kapsel_clone3_on_stack
  .type kapsel_clone3_on_stack, @function
kapsel_clone3_on_stack:
  .cfi_startproc
  mov %rdx, %r8
  mov %rcx, %r9
  mov $435, %eax
  syscall
  test %rax, %rax
  jnz 1f
  xor %ebp, %ebp
  mov %r9, %rdi
  call *%r8
  mov %eax, %edi
  mov $60, %eax
  syscall
  hlt
1:
  ret
  .cfi_endproc
  .size kapsel_clone3_on_stack, .-kapsel_clone3_on_stack
)");
#endif

pid_t CloneIntoCgroup(int (*fn)(void*), void* arg, int flags, int cgroup_fd, char* stack, size_t stack_size, bool fork_semantics) {
  CloneArgs args;
  memset(&args, 0, sizeof(args));
  args.flags = static_cast<uint32_t>(flags) | kCloneVfork | kCloneIntoCgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
#ifdef KAPSEL_CLONE3_ON_STACK
  if (!fork_semantics) {
    args.flags |= kCloneVm;
    args.stack = reinterpret_cast<uint64_t>(stack);
    args.stack_size = stack_size;
    long pid = kapsel_clone3_on_stack(&args, sizeof(args), fn, arg);
    if (pid < 0) {
      errno = static_cast<int>(-pid);
      return -1;
    }
    return static_cast<pid_t>(pid);
  }
#else
  (void)stack;
  (void)stack_size;
#endif
  // Fork semantics: the path of every architecture but x86_64, and of the
  // native test that forces it there (spawn's cloneForkSemantics).
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) {
    fn(arg);
    _exit(127);
  }
  return static_cast<pid_t>(pid);
}

}  // namespace kapsel
