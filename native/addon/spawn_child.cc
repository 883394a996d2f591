// The cloned child of spawn() (spawn_child.h): raw syscalls only.
#include "spawn_child.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "../common/syscalls.h"

namespace kapsel {

namespace {

long RawSyscallFail(ChildPlan* p, const char* name) {
  p->failed_errno = errno;
  p->failed_syscall = name;
  return -1;
}

// In a new user namespace the child holds every capability, but execve
// recomputes them from its uid, which is not mapped yet (the parent writes
// the maps while the helper waits, and the parent cannot act before exec
// under CLONE_VFORK): a plain exec would drop them all. Raising them as
// ambient capabilities carries them across exec; the helper clears the
// ambient and inheritable sets first thing.
bool CarryCapabilitiesAcrossExec(ChildPlan* p) {
  kapsel_common::CapSets caps;
  if (kapsel_common::Capget(0, &caps) < 0) return RawSyscallFail(p, "capget") == 0;
  caps.inheritable = caps.permitted;
  if (kapsel_common::Capset(caps) < 0) return RawSyscallFail(p, "capset") == 0;
  for (int cap = 0; cap < 64; cap++) {
    if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EINVAL) {
      return RawSyscallFail(p, "prctl") == 0;
    }
  }
  return true;
}

// The time namespace of the container: created for our children and the
// exec, its offsets written before anything is in it (the kernel refuses
// them afterwards).
bool EnterNewTimeNamespace(ChildPlan* p) {
  if (syscall(SYS_unshare, CLONE_NEWTIME) < 0) return RawSyscallFail(p, "unshare") == 0;
  if (p->time_offsets_len == 0) return true;
  p->failed_path = "/proc/self/timens_offsets";
  int r = kapsel_common::WriteTimeOffsets(p->proc_fd, p->time_offsets, p->time_offsets_len);
  if (r < 0) return RawSyscallFail(p, r == -1 ? "open" : "write") == 0;
  p->failed_path = nullptr;
  return true;
}

}  // namespace

int ExecChild(void* arg) {
  ChildPlan* p = static_cast<ChildPlan*>(arg);
  // Set here, before the exec, so that the helper and all it forks or
  // execs inherit it (LaunchPlan.oomScoreAdj in lib/plan/steps.ts says why
  // not later): our own /proc files are still ours to write.
  if (p->oom_score_adj_len > 0) {
    p->failed_path = "/proc/self/oom_score_adj";
    int r = kapsel_common::WriteProcFile(p->proc_fd, "self/oom_score_adj", p->oom_score_adj, p->oom_score_adj_len);
    if (r < 0) { RawSyscallFail(p, r == -1 ? "open" : "write"); _exit(127); }
    p->failed_path = nullptr;
  }
  if (p->new_time_ns && !EnterNewTimeNamespace(p)) _exit(127);
  if (p->carry_caps && !CarryCapabilitiesAcrossExec(p)) _exit(127);
  // Move every source above the target range first, so that dup3 into slot i
  // never clobbers a source still needed for a later slot (or the exec fd).
  int base = p->nfds + 3;
  int exec_fd = static_cast<int>(syscall(SYS_fcntl, p->exec_fd, F_DUPFD_CLOEXEC, base));
  if (exec_fd < 0) { RawSyscallFail(p, "fcntl"); _exit(127); }
  int moved[1024];
  for (int i = 0; i < p->nfds; i++) {
    moved[i] = -1;
    if (p->fds[i] == -1) continue;
    moved[i] = static_cast<int>(syscall(SYS_fcntl, p->fds[i], F_DUPFD_CLOEXEC, base));
    if (moved[i] < 0) { RawSyscallFail(p, "fcntl"); p->failed_index = i; _exit(127); }
  }
  for (int i = 0; i < p->nfds; i++) {
    // No fd at i (-1): whatever of the runtime's is there (Node's own, in a
    // gap of the preserved fds) must not reach the child.
    if (moved[i] < 0) {
      syscall(SYS_close, i);
      continue;
    }
    // dup3 without O_CLOEXEC: the targets are exactly what survives exec.
    if (syscall(SYS_dup3, moved[i], i, 0) < 0) { RawSyscallFail(p, "dup3"); _exit(127); }
  }
  // Everything else is closed by exec: listening sockets of engines (fd 3 of
  // containerd's shim), the memfd itself, Node's internal fds.
  if (syscall(SYS_close_range, p->nfds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    RawSyscallFail(p, "close_range");
    _exit(127);
  }
  syscall(SYS_execveat, exec_fd, "", p->argv, p->envp, AT_EMPTY_PATH);
  RawSyscallFail(p, "execveat");
  _exit(127);
}

}  // namespace kapsel
