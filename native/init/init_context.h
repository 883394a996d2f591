// What the init carries from step to step while it runs a plan: the
// header's decisions, the state the runtime sent with "go", what earlier
// steps found or set, and the fds opened at start (main.cc). Every step
// file (mounts.cc, credentials.cc, exec.cc, settings.cc, scheduling.cc,
// network.cc, ...) reads and updates it.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wire_enums.h"

namespace kapsel_init {

struct InitContext {
  // From the plan's header (HeaderStep), read before "go".
  PlanKind kind = PlanKind::kCreate;
  ProcfsSource procfs = ProcfsSource::kHost;
  // Container paths (relative to the root) below /proc that a bind may
  // cover (proc_guard.h): the runtime's list, lxcfs's files.
  std::vector<std::string> proc_binds;
  // Host path of the container's root while the plan runs before
  // pivot_root; empty afterwards (container paths are then plain paths).
  std::string root;
  int sync_fd = -1;
  // State JSON for createContainer / startContainer hooks, from "go"
  // (protocol.h); a plan without hooks gets none.
  bool has_creating_state = false;
  std::string creating_state;
  bool has_created_state = false;
  std::string created_state;
  std::string seccomp_listener_message;
  // What the check-exec step resolved (args[0] and the file found), used by exec.
  std::string checked_file;
  std::string checked_path;
  // The ids the credential steps set (-1 and no groups: not set by the
  // plan), which the program lookup checks mode bits against without a
  // syscall a seccomp filter in place by then could refuse.
  int64_t uid = -1;
  int64_t gid = -1;
  bool has_groups = false;
  std::vector<gid_t> groups;
  int last_cap = 40;
  // Whether the init may still call the syscalls of its memory release
  // before the wait (idle_memory.cc): no longer once a container filter
  // that does not plainly allow them is in place.
  bool may_release_idle_memory = true;
  // The plan waits for `start` (a create plan; an exec plan does not), and
  // whether that wait is over.
  bool waits_for_start() const { return kind == PlanKind::kCreate; }
  bool started = false;
  // The host's procfs, opened and verified (PROC_SUPER_MAGIC) before any
  // step ran, so no container mount can stand in for it: our own
  // /proc/self files (the exec fifo's fd link, oom_score_adj) are reached
  // through it, with or without a /proc in the container. With a header
  // that says "private" (an exec plan inside the container's mount
  // namespace), a private procfs of the container's pid namespace
  // (exec_procfs.h), or -1 where the kernel refuses one.
  int proc_fd = -1;
  // Our own /proc/self directory in that procfs, for writes to our own
  // files (oom_score_adj) that must follow no symlink at all.
  int proc_self_fd = -1;
  // Its fd directory, opened at start in a plan that waits for start: the
  // exec fifo is reopened through it, and a seccomp filter in place by
  // then may refuse openat2.
  int proc_self_fd_dir = -1;
};

}  // namespace kapsel_init
