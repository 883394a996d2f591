// Executes one launch-plan step. Each op is one small syscall-level action
// with arguments the runtime resolved already; step_types.h is the whole
// vocabulary (lib/plan/steps.ts is its TypeScript mirror). Decoding a
// step's fields and running it are separate: DescribeStep decodes with the
// same readers and prints instead of running (kapsel-init --dry-run).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "plan_reader.h"

namespace kapsel_init {

struct InitContext {
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
  bool waits_for_start = false;
  bool started = false;
  // The host's procfs, opened and verified (PROC_SUPER_MAGIC) before any
  // step ran, so no container mount can stand in for it: our own
  // /proc/self files (the exec fifo's fd link, oom_score_adj) are reached
  // through it, with or without a /proc in the container. For an exec
  // plan, a private procfs of the container's pid namespace
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

void ExecuteStep(InitContext& ctx, const Step& step);

// The decoded step as one JSON object (TypeScript property names).
std::string DescribeStep(const Step& step);

}  // namespace kapsel_init
