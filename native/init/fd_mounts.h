// Mounting onto a file descriptor, never onto a path: the target is an
// O_PATH fd opened beneath the container root (root_paths.h), and the new
// mount API (open_tree, fsopen/fsconfig/fsmount, move_mount with
// MOVE_MOUNT_T_EMPTY_PATH, mount_setattr) acts on it directly. So a mount
// lands exactly on what was resolved, with or without a /proc to go
// through, and no symlink swapped in meanwhile can redirect it
// (CVE-2021-30465). Every failure goes through Fail() with the syscall.
#pragma once
#include <cstdint>
#include <string>

#include "root_paths.h"

namespace kapsel_init {

// Attaches the detached mount `tree` on top of what `fd` names; closes tree.
void AttachOnFd(int tree, int fd, const ContainerPath& where, const std::string& what);

// A detached copy of the mount at `source` (relative to `dirfd`; "" for
// dirfd itself), the whole tree below it when `recursive`.
int CloneTree(int dirfd, const std::string& source, bool recursive, const ContainerPath& where);

// A bind of the host path `source` onto `fd`.
void BindOnFd(const std::string& source, bool recursive, int fd, const ContainerPath& where);

// A new filesystem onto `fd`: mount(2)'s flags and comma-separated data,
// as fsconfig parameters and fsmount attributes. A flag with no fd-based
// form fails rather than being dropped.
void NewMountOnFd(const std::string& source, const std::string& fstype, unsigned long flags,
                  const std::string& data, int fd, const ContainerPath& where);

// The same new filesystem, still detached: an fd of its root, to fill
// before it is attached (tmpcopyup); close it or AttachOnFd it.
int NewDetachedMount(const std::string& source, const std::string& fstype, unsigned long flags,
                     const std::string& data, const ContainerPath& where);

// mount(2)'s three meanings for a container path, each done through fds: a
// bind (MS_BIND), a propagation change (MS_SHARED...), a new filesystem.
void MountOnFd(const std::string& source, int fd, const std::string& fstype, unsigned long flags,
               const std::string& data, const ContainerPath& where);

// mount_setattr(2) on the mount `fd` is on (or a detached tree).
void SetAttributes(int fd, uint64_t set, uint64_t clear, uint64_t propagation, bool recursive,
                   const ContainerPath& where);

}  // namespace kapsel_init
