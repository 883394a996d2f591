// The filesystem ops of a plan (mounts.h): each resolves its container
// paths below the root without leaving it (root_paths.h) and mounts
// through fds (fd_mounts.h).
#include "mounts.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "copy_tree.h"
#include "fail.h"
#include "fd_mounts.h"
#include "proc_guard.h"
#include "root_paths.h"
#include "../common/syscalls.h"

namespace kapsel_init {

namespace {

const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// The S_IF* type of a node of `type`.
mode_t NodeType(DeviceType type) {
  switch (type) {
    case DeviceType::kBlock: return S_IFBLK;
    case DeviceType::kFifo: return S_IFIFO;
    case DeviceType::kChar: break;
  }
  return S_IFCHR;
}

// An O_PATH fd of a container path that must exist.
int OpenExisting(const ContainerPath& path) {
  int fd = path.Open();
  if (fd < 0) Fail("openat2", errno, path.HostPath());
  return fd;
}

// An O_PATH fd, or -1 when the path does not exist and the plan allows that.
int OpenMaybeMissing(const ContainerPath& path, bool missing_ok) {
  int fd = path.Open();
  if (fd < 0 && !(missing_ok && errno == ENOENT)) Fail("openat2", errno, path.HostPath());
  return fd;
}

// `value` in octal digits, as "%o" prints it.
std::string Octal(unsigned value) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + (value & 7)));
    value >>= 3;
  } while (value != 0);
  return digits;
}

// `data` with the mode of the directory it covers (`target_fd`), for a
// tmpfs whose step says inheritMode (the plan decides when:
// lib/plan/mount-fields.ts, as runc and crun do).
std::string WithDirectoryMode(const std::string& data, int target_fd, const ContainerPath& path) {
  struct stat st;
  if (fstat(target_fd, &st) < 0) Fail("stat", errno, path.HostPath());
  std::string mode = "mode=" + Octal(st.st_mode & 07777);
  return data.empty() ? mode : data + "," + mode;
}

// An empty file to mount a file on, unless something is there already.
// Whatever is there is left alone and never opened for I/O: a FIFO would
// block the open, a socket fail it (issue 9, item 10); the mount later
// lands on an O_PATH fd of it.
void CreateMountTarget(int dir, const std::string& name, const ContainerPath& path) {
  struct stat st;
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return;
  if (errno != ENOENT) Fail("stat", errno, path.HostPath());
  int fd = openat(dir, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno != EEXIST) Fail("open", errno, path.HostPath());
  if (fd >= 0) close(fd);
}

// Binds the host node `node` (an O_PATH fd, checked by the caller) onto the
// container path `target`, made as an empty file when missing, with the
// MOUNT_ATTR_* bits `attrs` set on the new mount before it is attached.
void BindNodeOnFile(InitContext& ctx, int node, const std::string& target, uint64_t attrs, const std::string& what) {
  ContainerPath path(ctx.root, target);
  std::string name;
  int dir = path.Parent(&name);
  CreateMountTarget(dir, name, path);
  close(dir);
  int target_fd = OpenExisting(path);
  int tree = CloneTree(node, "", false, path);
  SetAttributes(tree, attrs, 0, 0, false, path);
  AttachOnFd(tree, target_fd, path, what);
  close(target_fd);
}

}  // namespace

void Run(InitContext& ctx, const RootStep& s) { ctx.root = s.path; }

void Run(InitContext& ctx, const MountStep& s) {
  if (!s.in_container) {  // the runtime's own paths (/, the rootfs): not below the root
    ForgetRootFd();  // the rootfs bound on itself: a root fd opened before names what it covers
    if (mount(OrNull(s.source), s.target.c_str(), OrNull(s.fstype), s.flags, OrNull(s.data)) < 0)
      Fail("mount", errno, s.target, s.source.empty() ? "" : "source " + s.source);
    return;
  }
  ContainerPath path(ctx.root, s.target);
  // procfs and sysfs must land on an ordinary directory of the image: a
  // rootfs/proc that is a symlink would carry them wherever it points
  // (issue 8, hole 3; runc refuses it too).
  if (s.filesystem != MountFilesystem::kOther && path.FollowedSymlink())
    FailFor(FailReason::kProcfsOnSymlink, "mount", ELOOP, "/" + path.Relative(), WireName(s.filesystem));
  int fd = OpenExisting(path);
  if (s.flags & MS_BIND) {
    int tree = CloneTree(AT_FDCWD, s.source, (s.flags & MS_REC) != 0, path);
    CheckProcMount(path, false, tree, ctx.proc_binds);
    AttachOnFd(tree, fd, path, "source " + s.source);
  } else if (s.flags & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)) {
    MountOnFd(s.source, fd, s.fstype, s.flags, s.data, path);  // no new mount
  } else {
    CheckProcMount(path, s.filesystem == MountFilesystem::kProc, -1, ctx.proc_binds);
    std::string data = s.inherit_mode ? WithDirectoryMode(s.data, fd, path) : s.data;
    MountOnFd(s.source, fd, s.fstype, s.flags, data, path);
  }
  close(fd);
}

// mount_setattr(2): changes attributes of an existing mount (recursively for
// rbind) without a remount, so flags that the kernel locks in a user
// namespace (nosuid, nodev, ...) never have to be restated.
void Run(InitContext& ctx, const SetattrStep& s) {
  ContainerPath path(ctx.root, s.target);
  int fd = OpenExisting(path);
  SetAttributes(fd, s.set, s.clear, s.propagation, s.recursive, path);
  close(fd);
}

void Run(InitContext& ctx, const MkdirStep& s) {
  ContainerPath path(ctx.root, s.path);
  close(path.MkdirAll(static_cast<mode_t>(s.mode)));
}

void Run(InitContext& ctx, const TouchStep& s) {
  ContainerPath path(ctx.root, s.path);
  std::string name;
  int dir = path.Parent(&name);
  CreateMountTarget(dir, name, path);
  close(dir);
}

void Run(InitContext& ctx, const MknodStep& s) {
  ContainerPath path(ctx.root, s.path);
  mode_t mode = static_cast<mode_t>(s.mode);
  mode |= NodeType(s.type);
  std::string name;
  int dir = path.Parent(&name);
  unlinkat(dir, name.c_str(), 0);
  if (mknodat(dir, name.c_str(), mode, makedev(static_cast<unsigned>(s.major), static_cast<unsigned>(s.minor))) < 0)
    Fail("mknod", errno, path.HostPath());
  if (fchownat(dir, name.c_str(), static_cast<uid_t>(s.uid), static_cast<gid_t>(s.gid), AT_SYMLINK_NOFOLLOW) < 0)
    Fail("chown", errno, path.HostPath());
  close(dir);
}

// Only the parent is resolved: the link's own name is never followed, so a
// link already there (an image's /dev/fd, or the one a container in the
// runtime's mount namespace left in the rootfs) stays as it is, instead of
// a second link being made where it points. A `replace` link (/dev/ptmx)
// takes the place of what is there instead, as runc's setupPtmx does: an
// image's ptmx node, which would open the host's initial devpts instance
// rather than the container's /dev/pts. unlinkat removes the name in the
// directory we hold, never what it points to; a mount there stays (EBUSY).
void Run(InitContext& ctx, const SymlinkStep& s) {
  size_t slash = s.path.rfind('/');
  std::string name = slash == std::string::npos ? s.path : s.path.substr(slash + 1);
  std::string parent_path = slash == std::string::npos || slash == 0 ? "/" : s.path.substr(0, slash);
  ContainerPath parent(ctx.root, parent_path);
  if (name.empty() || name == "." || name == "..") Fail("symlink", EINVAL, parent.HostPath(), "not a name for a link: " + s.path);
  int dir = parent.MkdirAll(0755);
  if (s.replace && unlinkat(dir, name.c_str(), 0) < 0 && errno != ENOENT) Fail("unlink", errno, parent.HostPath() + "/" + name);
  if (symlinkat(s.target.c_str(), dir, name.c_str()) < 0 && (s.replace || errno != EEXIST)) Fail("symlink", errno, parent.HostPath() + "/" + name);
  close(dir);
}

// maskedPaths: the plan says what covers a directory (a new filesystem)
// and anything else (a bind of a file), and whether a missing path is fine.
void Run(InitContext& ctx, const MaskStep& s) {
  ContainerPath path(ctx.root, s.path);
  int fd = OpenMaybeMissing(path, s.missing_ok);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) < 0) Fail("stat", errno, path.HostPath());
  if (S_ISDIR(st.st_mode)) {
    NewMountOnFd(s.dir_fstype, s.dir_fstype, s.dir_flags, s.dir_data, fd, path);
  } else {
    // What covers a masked file must be the null device itself: an image
    // (or a /dev bound from a host directory) whose "null" is a regular
    // file or a symlink would otherwise put a writable file over the
    // masked path (issue 8, hole 5). The node is checked on its fd and
    // that very fd is bound, so nothing can be swapped in between.
    int null_fd = open(s.file_source.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (null_fd < 0) Fail("open", errno, s.file_source, "the device that masks " + s.path);
    struct stat null_st;
    if (fstat(null_fd, &null_st) < 0) Fail("stat", errno, s.file_source);
    if (!S_ISCHR(null_st.st_mode) || null_st.st_rdev != makedev(1, 3))
      Fail("mask", ENODEV, s.file_source, s.file_source + " is not the null device (character device 1:3): refusing to mask " + s.path + " with it");
    AttachOnFd(CloneTree(null_fd, "", false, path), fd, path, "the null device " + s.file_source);
    close(null_fd);
  }
  close(fd);
}

// readonlyPaths: a recursive copy of the mount tree at the path, made
// read-only while still detached, then attached over the path.
void Run(InitContext& ctx, const ReadonlyStep& s) {
  ContainerPath path(ctx.root, s.path);
  int fd = OpenMaybeMissing(path, s.missing_ok);
  if (fd < 0) return;
  int tree = CloneTree(fd, "", true, path);
  SetAttributes(tree, MOUNT_ATTR_RDONLY, 0, 0, true, path);
  AttachOnFd(tree, fd, path, "read-only copy");
  close(fd);
}

// pivot_root(".", ".") stacks the old root on top of the new one; detaching
// it (after making it a slave so the detach does not propagate to the host)
// leaves only the container's root.
void Run(InitContext& ctx, const PivotRootStep& s) {
  int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (old_root < 0) Fail("open", errno, "/");
  if (chdir(s.rootfs.c_str()) < 0) Fail("chdir", errno, s.rootfs);
  if (kapsel_common::PivotRoot(".", ".") < 0) Fail("pivot_root", errno, s.rootfs);
  if (fchdir(old_root) < 0) Fail("fchdir", errno, "/");
  close(old_root);
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) Fail("mount", errno, "old root");
  if (umount2(".", MNT_DETACH) < 0) Fail("umount2", errno, "old root");
  if (chdir("/") < 0) Fail("chdir", errno, "/");
  ctx.root.clear();
}

// --no-pivot: move the rootfs over / and chroot into it (for ramfs roots,
// where pivot_root is impossible), with the host's other mounts detached.
void Run(InitContext& ctx, const MoveRootStep& s) {
  // mountinfo shows canonical paths: compare it with the rootfs's own.
  char* real = realpath(s.rootfs.c_str(), nullptr);
  if (real == nullptr) Fail("realpath", errno, s.rootfs);
  std::string rootfs = real;
  free(real);
  if (rootfs == "/") FailFor(FailReason::kNoPivotHostRoot, "move-root", EINVAL, s.rootfs);
  HideHostProcAndSys(ctx.proc_self_fd, rootfs);
  if (chdir(s.rootfs.c_str()) < 0) Fail("chdir", errno, s.rootfs);
  if (mount(s.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) Fail("mount", errno, s.rootfs);
  if (chroot(".") < 0) Fail("chroot", errno, s.rootfs);
  if (chdir("/") < 0) Fail("chdir", errno, "/");
  ctx.root.clear();
}

// The device bind of a user namespace (issue 8, hole 1): the bind source
// is never a path from the config but a host node the runtime found, and
// it is bound only when its fd shows the very device the config names; a
// mismatch (a regular file, a symlink, another device) fails. The bind is
// nosuid and noexec (issue 9, item 17), as crun makes it.
void Run(InitContext& ctx, const BindDeviceStep& s) {
  int node = open(s.source.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (node < 0) Fail("open", errno, s.source, "the host node of device " + s.path);
  struct stat st;
  if (fstat(node, &st) < 0) Fail("stat", errno, s.source);
  // A fifo is no device: the plan binds character and block devices only.
  if (s.type == DeviceType::kFifo) FailPlan("bind-device of a fifo: " + s.path);
  mode_t want = NodeType(s.type);
  dev_t rdev = makedev(static_cast<unsigned>(s.major), static_cast<unsigned>(s.minor));
  if ((st.st_mode & S_IFMT) != want || st.st_rdev != rdev)
    Fail("bind-device", ENODEV, s.source,
         "is not the " + std::string(WireName(s.type)) + " " + std::to_string(s.major) + ":" + std::to_string(s.minor) + " device " + s.path + " asks for");
  BindNodeOnFile(ctx, node, s.path, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, "device " + s.source);
  close(node);
}

// The runtime's NOTIFY_SOCKET (issue 16, hole 6). A bind by path bound
// whatever the path named: a host file the container could then read and
// append to, or the host's root. The source is opened here without
// following a last symlink and bound from that fd only when it is a socket
// and the very inode the runtime looked at from the host's view (a file
// swapped in since is refused); checked before the target is made, so a
// refusal creates nothing. Read-only, nosuid, nodev, noexec: connect() and
// sendmsg() to a socket need no write access to its mount, and the
// container may not chmod or chown the host's socket through it.
void Run(InitContext& ctx, const BindSocketStep& s) {
  std::string named = s.what + "=" + s.source;
  int sock = open(s.source.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (sock < 0) Fail("open", errno, s.source, named + ": cannot open the socket to bind it into the container");
  struct stat st;
  if (fstat(sock, &st) < 0) Fail("stat", errno, s.source);
  if (!S_ISSOCK(st.st_mode))
    Fail("bind-socket", ENOTSOCK, s.source, named + " is not a socket: only a socket is bound into the container");
  if (static_cast<uint64_t>(st.st_dev) != s.dev || static_cast<uint64_t>(st.st_ino) != s.ino)
    Fail("bind-socket", ESTALE, s.source, named + " is not the socket the runtime looked at any more: it is not bound into the container");
  BindNodeOnFile(ctx, sock, s.target, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, named);
  close(sock);
}

// tmpcopyup: the image directory (opened before anything covers it) is
// copied through fds into the detached tmpfs, which is attached over it
// only once filled. The tmpfs takes the directory's mode unless mode= says
// otherwise, when the plan says so (inheritMode), like every tmpfs here.
void Run(InitContext& ctx, const TmpfsCopyupStep& s) {
  ContainerPath path(ctx.root, s.target);
  CheckProcMount(path, false, -1, ctx.proc_binds);
  int fd = OpenExisting(path);
  struct stat st;
  if (fstat(fd, &st) < 0) Fail("stat", errno, path.HostPath());
  if (!S_ISDIR(st.st_mode)) FailFor(FailReason::kTmpcopyupNotDirectory, "mount", ENOTDIR, path.HostPath());
  std::string data = s.inherit_mode ? WithDirectoryMode(s.data, fd, path) : s.data;
  int tree = NewDetachedMount("tmpfs", "tmpfs", s.flags & ~static_cast<uint64_t>(MS_RDONLY), data, path);
  CopyDirectoryContents(fd, tree, path.HostPath());
  // Read-only only once filled, as the config asked.
  if (s.flags & MS_RDONLY) SetAttributes(tree, MOUNT_ATTR_RDONLY, 0, 0, false, path);
  AttachOnFd(tree, fd, path, "tmpfs (tmpcopyup)");
  close(fd);
}

}  // namespace kapsel_init
