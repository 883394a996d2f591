#include "mount_namespace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fail.h"
#include "proc_guard.h"

namespace kapsel_init {

// No pivot_root and no MS_MOVE: both would change the mount table the
// container shares with the host. The directory is opened first and
// entered by fd, so the root is the directory that was opened.
void Run(InitContext& ctx, const ChrootStep& s) {
  int dir = open(s.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) Fail("open", errno, s.rootfs);
  if (fchdir(dir) < 0) Fail("fchdir", errno, s.rootfs);
  close(dir);
  if (chroot(".") < 0) Fail("chroot", errno, s.rootfs);
  if (chdir("/") < 0) Fail("chdir", errno, "/");
  ctx.root.clear();
}

// Through the procfs the init verified at start: a mount in the joined
// namespace cannot stand in for our own ns/ file. That procfs may be the
// joined mount namespace's "/proc", so its owner may have covered our ns
// directory with another process's: "ns" is opened without crossing a
// mount, and only the last step, the magic link (nothing can be mounted
// on it), is followed.
void Run(InitContext& ctx, const CheckNsStep& s) {
  if (s.forbidden_devs.size() != s.forbidden_inodes.size())
    FailPlan("check-ns: device and inode lists differ in length");
  // The enum's word is the /proc/self/ns file name (wire_enums.h).
  const std::string name = WireName(s.ns);
  std::string file = "ns/" + name;
  int ns = OpenProcFile(ctx.proc_self_fd, "ns", O_PATH | O_DIRECTORY, "/proc/self/ns");
  if (ns < 0) Fail("open", errno, "/proc/self/ns");
  struct stat mine;
  if (fstatat(ns, name.c_str(), &mine, 0) < 0) Fail("stat", errno, "/proc/self/" + file);
  close(ns);
  for (size_t i = 0; i < s.forbidden_devs.size(); i++) {
    if (static_cast<int64_t>(mine.st_dev) == s.forbidden_devs[i] && static_cast<int64_t>(mine.st_ino) == s.forbidden_inodes[i])
      FailFor(FailReason::kHostNamespace, "setns", EPERM, "/proc/self/" + file, name);
  }
}

}  // namespace kapsel_init
