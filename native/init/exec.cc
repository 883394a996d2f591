// The ops that end a plan (exec.h): the working directory, the program's
// lookup (once, before the wait for start, as runc does), the wait for
// start on the exec fifo, and the execve.
#include "exec.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "fail.h"
#include "idle_memory.h"
#include "proc_guard.h"
#include "protocol.h"

namespace kapsel_init {

namespace {

// The ids execve will check a file against: those the credential steps
// set (recorded in the context), else asked of the kernel.
struct ExecIds {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

ExecIds CurrentIds(const InitContext& ctx) {
  ExecIds ids;
  ids.uid = ctx.uid >= 0 ? static_cast<uid_t>(ctx.uid) : geteuid();
  ids.gid = ctx.gid >= 0 ? static_cast<gid_t>(ctx.gid) : getegid();
  if (ctx.has_groups) {
    ids.groups = ctx.groups;
  } else {
    int n = getgroups(0, nullptr);
    if (n > 0) {
      ids.groups.resize(static_cast<size_t>(n));
      n = getgroups(n, ids.groups.data());
      ids.groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  return ids;
}

// Whether `ids` may execute a regular file of `st`, from its mode bits
// alone: the owner's x bit for its owner, else the group's for a member of
// its group, else the others'; root needs any x bit. This is what execvp's
// lookup comes to, decided without faccessat: glibc runs
// faccessat(AT_EACCESS) as faccessat2, which a seccomp profile older than
// that syscall answers with its default errno (EPERM), and without
// no_new_privs the filter is in place before this lookup; runc looks the
// program up with stat alone too. ACLs, noexec mounts and LSMs are left to
// execve, which then fails with its own error.
bool MayExecute(const struct stat& st, const ExecIds& ids) {
  if (ids.uid == 0) return (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (st.st_uid == ids.uid) return (st.st_mode & S_IXUSR) != 0;
  bool member = st.st_gid == ids.gid;
  for (gid_t g : ids.groups) member = member || st.st_gid == g;
  if (member) return (st.st_mode & S_IXGRP) != 0;
  return (st.st_mode & S_IXOTH) != 0;
}

bool IsExecutableFile(const std::string& path, const ExecIds& ids, int* err) {
  struct stat st;
  if (stat(path.c_str(), &st) < 0) { *err = errno; return false; }
  if (!S_ISREG(st.st_mode) || !MayExecute(st, ids)) { *err = EACCES; return false; }
  return true;
}

// The lookup of execvp, along the search path the plan gives (the
// container's PATH, or the runtime's default when it has none). The
// failures carry their reason; the runtime words them as engines expect
// ("executable file not found in $PATH", cli-contract.md).
std::string FindExecutable(const InitContext& ctx, const std::string& name, const std::string& path) {
  int err = ENOENT;
  ExecIds ids = CurrentIds(ctx);
  if (name.find('/') != std::string::npos) {
    if (!IsExecutableFile(name, ids, &err))
      FailFor(FailReason::kExecFailed, "exec", err, name, name);
    return name;
  }
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = j > i ? path.substr(i, j - i) : ".";
    std::string candidate = dir + "/" + name;
    int e = 0;
    if (IsExecutableFile(candidate, ids, &e)) return candidate;
    i = j + 1;
  }
  FailFor(FailReason::kExecNotFound, "exec", ENOENT, name);
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(&s[0]);
  out.push_back(nullptr);
  return out;
}

}  // namespace

void Run(InitContext&, const UmaskStep& s) { umask(static_cast<mode_t>(s.mask)); }

void Run(InitContext&, const ChdirStep& s) {
  if (chdir(s.path.c_str()) < 0) Fail("chdir", errno, s.path);
  // A cwd that leads outside the root (through a directory fd of the host,
  // "/proc/self/fd/N", CVE-2024-21626) is one getcwd cannot name from the
  // root: the kernel answers "(unreachable)...", which glibc turns into
  // ENOENT. The process must never start there.
  char cwd[PATH_MAX];
  errno = 0;
  if (getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/')
    FailFor(FailReason::kCwdOutsideRoot, "getcwd", errno ? errno : ENOENT, s.path);
}

// Resolves the program once, before the wait for start, as runc does: the
// exec step then calls execve alone, so a seccomp filter installed between
// them sees no stat or access of ours.
void Run(InitContext& ctx, const CheckExecStep& s) {
  ctx.checked_file = s.file;
  ctx.checked_path = FindExecutable(ctx, s.file, s.search_path);
}

// Tells the runtime that create is complete, then blocks until `start`
// opens the exec fifo for reading. From here on failures go to the fifo,
// where `start` reads them. The fifo (an O_PATH fd) is reopened for
// writing through its fd link in the host's procfs: our own fd links stay
// open to us while we are non-dumpable, whatever our uid (the kernel
// exempts a process's access to itself).
void Run(InitContext& ctx, const WaitStartStep& s) {
  int fifo_path_fd = static_cast<int>(s.fifo_fd);
  // Our fd directory, opened at start without crossing a mount (main.cc):
  // in a mount namespace joined by path, /proc is its owner's, who could
  // cover /proc/<our pid>/fd with a directory holding a fifo of its
  // choosing, and the open below would start the container without `start`.
  int fd_dir = ctx.proc_self_fd_dir;
  if (fd_dir < 0) FailFor(FailReason::kNoProcfs, "open", ENOENT, "/proc/self/fd");
  if (!SendRecord(ctx.sync_fd, EncodeReady())) Fail("send", errno, "", "ready");
  close(ctx.sync_fd);
  ctx.sync_fd = -1;
  SetFailureChannel(-1, ChannelKind::kStream);
  std::string link = std::to_string(fifo_path_fd);
  // createContainer hooks ran before the wait (lib/plan/compile.ts); their
  // state JSON (large annotations included) is not kept for days.
  ctx.creating_state = std::string();
  ctx.has_creating_state = false;
  // Without a filter, or under one that plainly allows the release.
  int fifo = OpenAfterRelease(fd_dir, link.c_str(), O_WRONLY, ctx.may_release_idle_memory);
  ctx.started = true;
  if (fifo < 0) Fail("open", errno, "exec.fifo", "reopen the exec fifo through /proc/self/fd/" + link);
  close(fd_dir);
  ctx.proc_self_fd_dir = -1;
  close(fifo_path_fd);
  // One byte says "the init opened its end": start can tell this EOF from
  // the one of an init that died before it got here.
  if (write(fifo, "0", 1) != 1) Fail("write", errno, "exec.fifo");
  SetFailureChannel(fifo, ChannelKind::kStream);
}

void Run(InitContext& ctx, const ExecStep& s) {
  if (s.args.empty()) FailPlan("exec without arguments");
  std::vector<std::string> args = s.args, env = s.env;
  std::string file = !ctx.checked_path.empty() && ctx.checked_file == args[0] ? ctx.checked_path : FindExecutable(ctx, args[0], s.search_path);
  std::vector<char*> argv = CStrings(args), envp = CStrings(env);
  signal(SIGPIPE, SIG_DFL);
  execve(file.c_str(), argv.data(), envp.data());
  int err = errno;
  signal(SIGPIPE, SIG_IGN);
  FailFor(FailReason::kExecFailed, "exec", err, file, args[0]);
}

}  // namespace kapsel_init
