// Guards around procfs. The init writes /proc files (sysctls, its own
// oom_score_adj) only through the procfs it opened and verified at start,
// never through a path a container mount could cover; no mount but a
// procfs lands on the container's /proc or below (runc's lxcfs files
// aside); and --no-pivot hides the host's procfs and sysfs, which would
// otherwise stay fully visible under the new root (issue 8, holes 2 and 4).
#pragma once
#include <string>
#include <vector>

#include "root_paths.h"

namespace kapsel_init {

// `relative` below the verified procfs directory `dirfd`, opened without
// following any symlink and checked to be procfs still; -1 with errno set
// when it cannot be opened.
int OpenProcFile(int dirfd, const std::string& relative, int flags, const std::string& shown);

// Our own directory in the verified procfs root `proc_fd`: `name` is
// "self" or "thread-self", symlinks followed only within that mount. A
// procfs "/proc" the init did not mount itself (a mount namespace joined
// by path) is its owner's: a directory of another process mounted over
// ours must not be taken for ours. -1 with errno set (EXDEV for such a
// mount).
int OpenOwnProcDir(int proc_fd, const char* name);

// Writes `value` to such a file; failures name `shown` and `what`
// (FailReason::kNoProcfs when `dirfd` is -1: an exec helper without a
// procfs, exec_procfs.h).
void WriteProcFile(int dirfd, const std::string& relative, const std::string& value, const std::string& shown,
                   const std::string& what);

// Fails unless a mount at `path` is allowed by the /proc rule: a new
// filesystem (source_fd -1) that is a procfs when `new_procfs`, or the
// detached bind tree `source_fd`, on /proc a procfs, below it only on one
// of `allowed_binds` (container paths relative to the root, from the
// plan's header).
void CheckProcMount(const ContainerPath& path, bool new_procfs, int source_fd, const std::vector<std::string>& allowed_binds);

// Detaches every procfs and sysfs outside `rootfs` (covers it with an empty
// tmpfs where it cannot be detached). `proc_self_fd`: our verified
// /proc/self, for mountinfo.
void HideHostProcAndSys(int proc_self_fd, const std::string& rootfs);

}  // namespace kapsel_init
