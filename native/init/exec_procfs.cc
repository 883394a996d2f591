// The procfs of the helper of an exec plan (exec_procfs.h).
#include "exec_procfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "../common/syscalls.h"

namespace kapsel_init {

namespace {

// `fd` if it is a procfs whose "self" is a directory, else closes it and -1.
int KeepIfOwnProcfs(int fd) {
  struct statfs st;
  struct stat self;
  if (fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC && fstatat(fd, "self", &self, 0) == 0 &&
      S_ISDIR(self.st_mode))
    return fd;
  close(fd);
  return -1;
}

// A new procfs of our pid namespace, attached nowhere.
int MountNewProcfs() {
  int fs = kapsel_common::Fsopen("proc", FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  // Only the process directories (and self, thread-self): the helper needs
  // nothing else, and a host-wide file is then not even reachable.
  if (kapsel_common::Fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0) < 0 ||
      kapsel_common::Fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    close(fs);
    return -1;
  }
  int mnt = kapsel_common::Fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  close(fs);
  return mnt;
}

// The mount at the container's /proc alone, without what is mounted below it.
int CloneContainerProcfs() {
  return kapsel_common::OpenTree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
}

}  // namespace

int OpenPrivateProcfs() {
  int fd = MountNewProcfs();
  if (fd >= 0 && (fd = KeepIfOwnProcfs(fd)) >= 0) return fd;
  fd = CloneContainerProcfs();
  return fd < 0 ? -1 : KeepIfOwnProcfs(fd);
}

}  // namespace kapsel_init
