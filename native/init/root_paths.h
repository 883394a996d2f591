// Paths inside the container's root. A path is first resolved as if the
// root were "/" (symlinks followed, dangling ones too, ".." clamped), then
// every operation goes through file descriptors opened with openat2(2)
// RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS: if the rootfs changes between the
// two (a directory swapped for a symlink to the host, the runc
// CVE-2021-30465 race), the operation fails instead of escaping. Mounts
// then land on such an fd through the new mount API (move_mount with
// MOVE_MOUNT_T_EMPTY_PATH, steps.cc), which needs no /proc.
//
// Symlinks that live on a procfs (/proc/self/fd/N, /proc/PID/cwd...) are
// never followed, not even lexically: their targets are host paths of the
// init's own files, and following them would create host-named directories
// inside the rootfs or mount onto them (issue 8, hole 14).
#pragma once
#include <sys/types.h>

#include <string>

namespace kapsel_init {

// Forgets the root fd kept across container paths (closed once no path
// uses it): before any step that may change what the root path names.
void ForgetRootFd();

class ContainerPath {
 public:
  // `root` is the host path of the container root ("" once pivoted: "/").
  ContainerPath(const std::string& root, const std::string& path);
  ~ContainerPath();
  ContainerPath(const ContainerPath&) = delete;
  ContainerPath& operator=(const ContainerPath&) = delete;

  // The path as the host sees it, for messages.
  const std::string& HostPath() const { return host_path_; }
  // O_PATH fd of the resolved path; -1 with errno set when it is missing.
  int Open(int flags = 0) const;
  // Creates the directory and its parents (mode for new ones); O_PATH fd.
  int MkdirAll(mode_t mode) const;
  // Creates the parent directories; O_PATH fd of the parent, and the name.
  int Parent(std::string* name) const;
  // The resolved path relative to the root ("." for the root itself).
  const std::string& Relative() const { return relative_; }
  // Whether resolving the path followed a symlink (a mount of proc or sysfs
  // must land on an ordinary directory, as runc requires).
  bool FollowedSymlink() const { return followed_symlink_; }

 private:
  int MkdirChain(const std::string& relative, mode_t mode) const;

  int root_fd_ = -1;
  bool owns_root_fd_ = false;  // else the kept root fd (root_paths.cc)
  std::string relative_;   // resolved, no symlinks left, relative to root
  std::string host_path_;
  bool followed_symlink_ = false;
};

}  // namespace kapsel_init
