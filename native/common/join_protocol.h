// How the spawner (native/addon/spawn.cc) and the init helper
// (native/init/join.cc) share the work of entering existing namespaces.
//
// Why the helper, not the spawner, joins them: the spawner's child is a
// CLONE_VM clone of the Node process — it shares the runtime's memory until
// its execve. A task that is a member of a container's pid namespace is
// visible in that container's /proc, and a container process holding
// CAP_SYS_PTRACE that opens /proc/<pid>/mem of it at the right moment binds
// to the mm of that moment: the runtime's. A few bytes written over libc's
// _exit then run as the runtime (host root) when it exits. A task that has
// joined a container's user namespace has its credentials there, so the
// container's root passes the ptrace credential checks too. runc's nsexec
// avoids both the same way kapsel now does:
//
//   1. the CLONE_VM child joins nothing: it only arranges fds and execs the
//      sealed helper in the runtime's own namespaces, so the helper's mm
//      (a fresh image holding nothing of the runtime) is owned by the
//      runtime's user namespace;
//   2. the helper makes itself non-dumpable as its first act (its /proc
//      files then belong to root of that user namespace, and ptrace needs
//      CAP_SYS_PTRACE there);
//   3. it joins the namespaces (setns, by path fd or pidfd), unshares a new
//      time namespace if asked, and forks — a plain clone with fork
//      semantics, no CLONE_VM, with CLONE_PARENT so that the runtime stays
//      the parent and reaps it through a pidfd — the process that enters
//      the pid namespace (setns of a pid namespace only moves children);
//   4. the helper reports the new pid (or what failed) on a pipe and exits.
//
// A spawn that joins nothing creates only new, empty namespaces: no other
// process can be in them before the init execs, so the spawner's child may
// create them itself (that path stays one clone and one exec).
#pragma once
#include <cstdint>

namespace kapsel_common {

// argv flags of the helper in join mode (after the plan's own flags):
//   --join FD:TYPE      a namespace fd (path fd or pidfd) and its CLONE_NEW* type(s); repeated, in order
//   --join-report FD    the pipe the outcome is written to
//   --fork-flags N      CLONE_NEW* flags of namespaces the forked child creates
//   --time-offsets TEXT a new time namespace, with these timens_offsets lines (may be empty)
constexpr const char* kJoinFlag = "--join";
constexpr const char* kJoinReportFlag = "--join-report";
constexpr const char* kForkFlagsFlag = "--fork-flags";
constexpr const char* kTimeOffsetsFlag = "--time-offsets";

// What the helper writes on the report pipe, once: the forked pid, or the
// failure (errno, which call, which join). A short read is a helper that
// died before it could say.
enum class JoinStep : int32_t { kNone = 0, kSetgroups, kSetns, kUnshare, kOpen, kWrite, kClone, kArgs };

struct JoinReport {
  int32_t pid = 0;
  int32_t err = 0;
  JoinStep step = JoinStep::kNone;
  int32_t join_index = -1;
};

inline const char* JoinStepSyscall(JoinStep step) {
  switch (step) {
    case JoinStep::kSetgroups: return "setgroups";
    case JoinStep::kSetns: return "setns";
    case JoinStep::kUnshare: return "unshare";
    case JoinStep::kOpen: return "open";
    case JoinStep::kWrite: return "write";
    case JoinStep::kClone: return "clone";
    case JoinStep::kArgs: return "execveat";
    case JoinStep::kNone: break;
  }
  return "clone";
}

}  // namespace kapsel_common
