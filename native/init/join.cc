// Join mode of the helper: see native/common/join_protocol.h for why the
// helper, never the runtime's CLONE_VM child, enters existing namespaces.
#include "join.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../common/join_protocol.h"
#include "../common/syscalls.h"

namespace kapsel_init {

namespace {

using kapsel_common::JoinReport;
using kapsel_common::JoinStep;

struct JoinRequest {
  std::vector<int> fds, types;
  int report_fd = -1;
  int fork_flags = 0;
  bool new_time_ns = false;
  const char* time_offsets = "";
};

bool ParseInt(const char* text, int* out) {
  char* end = nullptr;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 0 || v > 0x7fffffff) return false;
  *out = static_cast<int>(v);
  return true;
}

// "--join FD:TYPE" and the other join flags; false on a malformed one
// (the runtime wrote them, so that is a bug, reported as such).
bool ParseJoinArgs(int argc, char** argv, JoinRequest* req) {
  for (int i = 1; i + 1 < argc; i++) {
    const char* value = argv[i + 1];
    if (strcmp(argv[i], kapsel_common::kJoinFlag) == 0) {
      const char* colon = strchr(value, ':');
      if (!colon) return false;
      std::string fd_text(value, colon - value);
      int fd, type;
      if (!ParseInt(fd_text.c_str(), &fd) || !ParseInt(colon + 1, &type)) return false;
      req->fds.push_back(fd);
      req->types.push_back(type);
    } else if (strcmp(argv[i], kapsel_common::kJoinReportFlag) == 0) {
      if (!ParseInt(value, &req->report_fd)) return false;
    } else if (strcmp(argv[i], kapsel_common::kForkFlagsFlag) == 0) {
      if (!ParseInt(value, &req->fork_flags)) return false;
    } else if (strcmp(argv[i], kapsel_common::kTimeOffsetsFlag) == 0) {
      req->new_time_ns = true;
      req->time_offsets = value;
    } else {
      continue;
    }
    i++;
  }
  return true;
}

[[noreturn]] void Report(int fd, const JoinReport& report, int status) {
  ssize_t ignored = write(fd, &report, sizeof report);
  (void)ignored;
  _exit(status);
}

[[noreturn]] void ReportFailure(int fd, JoinStep step, int err, int index = -1) {
  JoinReport report;
  report.err = err != 0 ? err : EIO;
  report.step = step;
  report.join_index = index;
  Report(fd, report, 127);
}

// The time namespace the forked child is born in, with its offsets written
// while no process is in it. The procfs is ours from before any setns of a
// mount namespace (we were exec'd in the runtime's), verified to be one.
void EnterNewTimeNamespace(const JoinRequest& req, int proc_fd) {
  if (syscall(SYS_unshare, CLONE_NEWTIME) < 0) ReportFailure(req.report_fd, JoinStep::kUnshare, errno);
  size_t len = strlen(req.time_offsets);
  if (len == 0) return;
  int r = kapsel_common::WriteTimeOffsets(proc_fd, req.time_offsets, len);
  if (r < 0) ReportFailure(req.report_fd, r == -1 ? JoinStep::kOpen : JoinStep::kWrite, errno);
}

int OpenHostProcfs(int report_fd) {
  int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) ReportFailure(report_fd, JoinStep::kOpen, errno);
  struct statfs st;
  if (fstatfs(fd, &st) < 0 || st.f_type != PROC_SUPER_MAGIC) ReportFailure(report_fd, JoinStep::kOpen, EXDEV);
  return fd;
}

}  // namespace

bool IsJoinMode(int argc, char** argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], kapsel_common::kJoinReportFlag) == 0) return true;
  return false;
}

bool JoinNamespacesAndFork(int argc, char** argv) {
  JoinRequest req;
  if (!ParseJoinArgs(argc, argv, &req) || req.report_fd < 0) {
    if (req.report_fd >= 0) ReportFailure(req.report_fd, JoinStep::kArgs, EINVAL);
    _exit(2);
  }
  const int proc_fd = req.new_time_ns ? OpenHostProcfs(req.report_fd) : -1;
  bool joins_user = false, joins_pid = false;
  for (int t : req.types) {
    joins_user = joins_user || (t & CLONE_NEWUSER) != 0;
    joins_pid = joins_pid || (t & CLONE_NEWPID) != 0;
  }
  // The runtime's supplementary groups must not follow the init into a
  // joined user namespace: one that denies setgroups (unshare -r) would
  // never let them be dropped there. Dropped here, while we may; a runtime
  // that may not (unprivileged, or itself in such a namespace) has none
  // that count, so the result is not checked.
  if (joins_user) syscall(SYS_setgroups, 0, nullptr);
  for (size_t i = 0; i < req.fds.size(); i++) {
    if (syscall(SYS_setns, req.fds[i], req.types[i]) < 0)
      ReportFailure(req.report_fd, JoinStep::kSetns, errno, static_cast<int>(i));
  }
  if (req.new_time_ns) EnterNewTimeNamespace(req, proc_fd);
  // Fork semantics (no CLONE_VM): the child gets a copy of this fresh,
  // non-dumpable image, never anyone's memory to share. Its mm stays the
  // one exec made in the runtime's user namespace, so even a container
  // process with CAP_SYS_PTRACE in the container's user namespace cannot
  // open its /proc/PID/mem. CLONE_PARENT: the runtime is its parent.
  long pid = syscall(SYS_clone, static_cast<unsigned long>(req.fork_flags) | CLONE_PARENT | SIGCHLD, nullptr, nullptr,
                     nullptr, 0);
  if (pid < 0) ReportFailure(req.report_fd, JoinStep::kClone, errno);
  if (pid == 0) {
    // The container's side: nothing of the join is needed any more.
    for (int fd : req.fds) close(fd);
    close(req.report_fd);
    if (proc_fd >= 0) close(proc_fd);
    return joins_pid || joins_user;
  }
  JoinReport report;
  report.pid = static_cast<int32_t>(pid);
  Report(req.report_fd, report, 0);
}

}  // namespace kapsel_init
