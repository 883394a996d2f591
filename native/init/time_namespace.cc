#include "time_namespace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fail.h"
#include "proc_guard.h"

namespace kapsel_init {

// Our ns directory opened without crossing a mount (as check-ns
// does): in a mount namespace joined by path, /proc is its owner's.
void Run(InitContext& ctx, const CheckTimensStep&) {
  int ns = OpenProcFile(ctx.proc_self_fd, "ns", O_PATH | O_DIRECTORY, "/proc/self/ns");
  if (ns < 0) Fail("open", errno, "/proc/self/ns");
  struct stat current, for_children;
  if (fstatat(ns, "time", &current, 0) < 0) Fail("stat", errno, "/proc/self/ns/time");
  if (fstatat(ns, "time_for_children", &for_children, 0) < 0)
    Fail("stat", errno, "/proc/self/ns/time_for_children");
  close(ns);
  if (current.st_dev != for_children.st_dev || current.st_ino != for_children.st_ino)
    FailFor(FailReason::kTimeNamespaceNotEntered, "execve", ENOTSUP, "");
}

}  // namespace kapsel_init
