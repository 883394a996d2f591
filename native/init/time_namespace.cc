#include "time_namespace.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "fail.h"

namespace kapsel_init {

void Run(InitContext& ctx, const CheckTimensStep&) {
  struct stat current, for_children;
  if (fstatat(ctx.proc_fd, "self/ns/time", &current, 0) < 0) Fail("stat", errno, "/proc/self/ns/time");
  if (fstatat(ctx.proc_fd, "self/ns/time_for_children", &for_children, 0) < 0)
    Fail("stat", errno, "/proc/self/ns/time_for_children");
  if (current.st_dev != for_children.st_dev || current.st_ino != for_children.st_ino)
    Fail("execve", ENOTSUP, "", "/linux/namespaces: the kernel did not move the init into its new time namespace at exec (Linux 6.0 or later does)");
}

}  // namespace kapsel_init
