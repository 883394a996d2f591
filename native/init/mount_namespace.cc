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
    Fail("plan", EINVAL, "", "check-ns: device and inode lists differ in length");
  const char* harm = s.ns == "mnt"   ? "setting the rootfs up there would change the host's mount table"
                     : s.ns == "net" || s.ns == "ipc" ? "a sysctl written there would change the host's"
                     : s.ns == "uts" ? "the hostname set there would be the host's"
                                     : nullptr;
  if (harm == nullptr) Fail("plan", EINVAL, "", "check-ns: no such namespace kind: " + s.ns);
  std::string file = "ns/" + s.ns;
  int ns = OpenProcFile(ctx.proc_self_fd, "ns", O_PATH | O_DIRECTORY, "/proc/self/ns");
  if (ns < 0) Fail("open", errno, "/proc/self/ns");
  struct stat mine;
  if (fstatat(ns, s.ns.c_str(), &mine, 0) < 0) Fail("stat", errno, "/proc/self/" + file);
  close(ns);
  for (size_t i = 0; i < s.forbidden_devs.size(); i++) {
    if (static_cast<int64_t>(mine.st_dev) == s.forbidden_devs[i] && static_cast<int64_t>(mine.st_ino) == s.forbidden_inodes[i])
      Fail("setns", EPERM, "/proc/self/" + file,
           std::string("/linux/namespaces: the ") + s.ns + " namespace joined by path is the host's (the runtime's or pid 1's) by now: " + harm);
  }
}

}  // namespace kapsel_init
