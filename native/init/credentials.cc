// The credential ops of a plan (credentials.h). The ids and groups set
// are kept in the context: the program lookup (exec.cc) checks mode bits
// against them without a syscall a seccomp filter could refuse.
#include "credentials.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "fail.h"
#include "proc_guard.h"
#include "../common/syscalls.h"

namespace kapsel_init {

void Run(InitContext&, const RlimitStep& s) {
  struct rlimit64 lim;
  lim.rlim_cur = s.soft;
  lim.rlim_max = s.hard;
  if (prlimit64(0, static_cast<__rlimit_resource>(s.resource), &lim, nullptr) < 0)
    Fail("prlimit", errno, "", s.type);
}

void Run(InitContext& ctx, const BoundingStep& s) {
  for (int cap = 0; cap <= ctx.last_cap; cap++) {
    if (s.keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      Fail("prctl", errno, "", "PR_CAPBSET_DROP " + std::to_string(cap));
  }
}

void Run(InitContext&, const KeepCapsStep& s) {
  if (prctl(PR_SET_KEEPCAPS, s.keep ? 1 : 0, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_KEEPCAPS");
}

// True when setgroups(2) is denied in our user namespace ("deny" in our
// /proc/self/setgroups, read through the verified procfs).
namespace {

bool SetgroupsDeniedHere(InitContext& ctx) {
  int fd = OpenProcFile(ctx.proc_self_fd, "setgroups", O_RDONLY | O_CLOEXEC, "/proc/self/setgroups");
  if (fd < 0) return false;
  char buf[16] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

}  // namespace

void Run(InitContext& ctx, const SetgroupsStep& s) {
  std::vector<gid_t> gids;
  for (int64_t g : s.gids) gids.push_back(static_cast<gid_t>(g));
  if (syscall(SYS_setgroups, gids.size(), gids.data()) == 0) {
    ctx.groups = gids;
    ctx.has_groups = true;
    return;
  }
  int err = errno;
  // A user namespace joined by path may deny setgroups (one made by
  // `unshare -Ur`); the runtime cannot see that when it compiles the plan.
  // As runc does, clearing the groups is then skipped (there are none to
  // drop: a namespace that denies setgroups never had any mapped), and
  // additional groups are an error naming the field.
  if (err == EPERM && SetgroupsDeniedHere(ctx)) {
    if (gids.empty()) return;
    FailFor(FailReason::kSetgroupsDenied, "setgroups", err, "");
  }
  Fail("setgroups", err, "");
}

void Run(InitContext& ctx, const SetresgidStep& s) {
  gid_t gid = static_cast<gid_t>(s.gid);
  if (syscall(SYS_setresgid, gid, gid, gid) < 0) Fail("setresgid", errno, "", "gid " + std::to_string(gid));
  ctx.gid = static_cast<int64_t>(gid);
}

// The uid change also clears the dumpable flag; it stays clear (the init
// made itself non-dumpable already, main.cc) until the final execve.
void Run(InitContext& ctx, const SetresuidStep& s) {
  uid_t uid = static_cast<uid_t>(s.uid);
  if (syscall(SYS_setresuid, uid, uid, uid) < 0) Fail("setresuid", errno, "", "uid " + std::to_string(uid));
  ctx.uid = static_cast<int64_t>(uid);
}

void Run(InitContext&, const CapsetStep& s) {
  kapsel_common::CapSets caps;
  caps.effective = s.effective;
  caps.permitted = s.permitted;
  caps.inheritable = s.inheritable;
  if (kapsel_common::Capset(caps) < 0) Fail("capset", errno, "");
}

void Run(InitContext& ctx, const AmbientStep& s) {
  for (int cap = 0; cap <= ctx.last_cap; cap++) {
    if (!(s.raise & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      Fail("prctl", errno, "", "PR_CAP_AMBIENT_RAISE " + std::to_string(cap));
  }
}

void Run(InitContext&, const NoNewPrivsStep&) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_NO_NEW_PRIVS");
}

}  // namespace kapsel_init
