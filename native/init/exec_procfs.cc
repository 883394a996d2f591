// The procfs of the helper of an exec plan (exec_procfs.h).
#include "exec_procfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "../common/syscalls.h"

namespace kapsel_init {

int OpenPrivateProcfs() {
  int fs = kapsel_common::Fsopen("proc", FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  // Only the process directories (and self, thread-self): the helper needs
  // nothing else, and a host-wide file is then not even reachable.
  if (kapsel_common::Fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0) < 0 ||
      kapsel_common::Fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    int err = errno;
    close(fs);
    errno = err;
    return -1;
  }
  int mnt = kapsel_common::Fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  int err = errno;
  close(fs);
  if (mnt < 0) {
    errno = err;
    return -1;
  }
  struct statfs st;
  if (fstatfs(mnt, &st) < 0 || st.f_type != PROC_SUPER_MAGIC) {
    close(mnt);
    errno = EXDEV;
    return -1;
  }
  return mnt;
}

}  // namespace kapsel_init
