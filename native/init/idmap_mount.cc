#include "idmap_mount.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "fail.h"
#include "fd_mounts.h"
#include "root_paths.h"

namespace kapsel_init {

void Run(InitContext& ctx, const AttachTreeStep& s) {
  int tree = static_cast<int>(s.fd);
  // Not inherited by anything we start, whatever happens next.
  if (fcntl(tree, F_SETFD, FD_CLOEXEC) < 0) Fail("fcntl", errno, "", "the id-mapped tree of " + s.source);
  ContainerPath where(ctx.root, s.target);
  int target = where.Open();
  if (target < 0) Fail("openat2", errno, where.HostPath());
  AttachOnFd(tree, target, where, "id-mapped source " + s.source);
  close(target);
}

}  // namespace kapsel_init
