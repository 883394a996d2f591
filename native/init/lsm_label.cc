#include "lsm_label.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "fail.h"
#include "proc_guard.h"

namespace kapsel_init {

namespace {

// Only our own LSM attribute files: no plan can make this step a write to
// anything else under /proc.
bool IsLsmAttr(const std::string& attr) {
  return attr.rfind("attr/", 0) == 0 && attr.find("..") == std::string::npos && attr.find("//") == std::string::npos;
}

}  // namespace

// The kernel lets a task write only its own attributes, through its own
// thread's entry (proc_pid_attr_write): /proc/thread-self, a symlink the
// procfs we verified at start resolves to our thread's directory, which is
// checked to be procfs again before the attribute file is opened beneath
// it with no symlink at all (OpenProcFile). The value is written in one
// write, as libselinux and libapparmor write it; the kernel takes all of
// it or fails.
void Run(InitContext& ctx, const ExecLabelStep& s) {
  const std::string shown = "/proc/thread-self/" + s.attr;
  const std::string what = shown + " for " + s.what;  // "write /proc/thread-self/attr/exec for /process/selinuxLabel: ..."
  if (!IsLsmAttr(s.attr)) FailFor(FailReason::kPlan, "plan", EINVAL, shown, s.what + ": not an LSM attribute file of /proc/thread-self/attr");
  if (ctx.proc_fd < 0) FailFor(FailReason::kNoProcfs, "open", ENOENT, "/proc/thread-self", s.what);
  int self = OpenOwnProcDir(ctx.proc_fd, "thread-self");
  if (self < 0) Fail("open", errno, "/proc/thread-self", "/proc/thread-self for " + s.what);
  struct statfs st;
  if (fstatfs(self, &st) < 0 || st.f_type != PROC_SUPER_MAGIC) Fail("fstatfs", EXDEV, "/proc/thread-self", "not a procfs");
  int fd = OpenProcFile(self, s.attr, O_WRONLY, shown);
  if (fd < 0) Fail("open", errno, shown, what);
  ssize_t n;
  do {
    n = write(fd, s.value.data(), s.value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) Fail("write", errno, shown, what);
  if (static_cast<size_t>(n) != s.value.size())
    Fail("write", EIO, shown, what + ": the kernel took " + std::to_string(n) + " of " + std::to_string(s.value.size()) + " bytes");
  close(fd);
  close(self);
}

}  // namespace kapsel_init
