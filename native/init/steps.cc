#include "steps.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "console.h"
#include "copy_tree.h"
#include "fail.h"
#include "fd_mounts.h"
#include "hooks.h"
#include "lsm_label.h"
#include "proc_guard.h"
#include "network.h"
#include "mount_namespace.h"
#include "protocol.h"
#include "root_paths.h"
#include "seccomp.h"
#include "scheduling.h"
#include "time_namespace.h"
#include "idle_memory.h"
#include "idmap_mount.h"
#include "step_printer.h"
#include "step_types.h"
#include "../common/fd_message.h"
#include "../common/syscalls.h"

namespace kapsel_init {

namespace {

const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// ---- capabilities -----------------------------------------------------------

void Capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
  kapsel_common::CapSets caps;
  caps.effective = effective;
  caps.permitted = permitted;
  caps.inheritable = inheritable;
  if (kapsel_common::Capset(caps) < 0) Fail("capset", errno, "");
}

// ---- exec -------------------------------------------------------------------

// Go-style lower-case error text ("no such file or directory"): engines
// match these phrases (cli-contract.md), and runc prints them so.
std::string ErrorText(int err) {
  std::string text = ErrnoText(err);
  if (!text.empty()) text[0] = static_cast<char>(tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// The ids execve will check a file against: those the credential steps
// set (recorded in the context), else asked of the kernel.
struct ExecIds {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

ExecIds CurrentIds(const InitContext& ctx) {
  ExecIds ids;
  ids.uid = ctx.uid >= 0 ? static_cast<uid_t>(ctx.uid) : geteuid();
  ids.gid = ctx.gid >= 0 ? static_cast<gid_t>(ctx.gid) : getegid();
  if (ctx.has_groups) {
    ids.groups = ctx.groups;
  } else {
    int n = getgroups(0, nullptr);
    if (n > 0) {
      ids.groups.resize(static_cast<size_t>(n));
      n = getgroups(n, ids.groups.data());
      ids.groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  return ids;
}

// Whether `ids` may execute a regular file of `st`, from its mode bits
// alone: the owner's x bit for its owner, else the group's for a member of
// its group, else the others'; root needs any x bit. This is what execvp's
// lookup comes to, decided without faccessat: glibc runs
// faccessat(AT_EACCESS) as faccessat2, which a seccomp profile older than
// that syscall answers with its default errno (EPERM), and without
// no_new_privs the filter is in place before this lookup; runc looks the
// program up with stat alone too. ACLs, noexec mounts and LSMs are left to
// execve, which then fails with its own error.
bool MayExecute(const struct stat& st, const ExecIds& ids) {
  if (ids.uid == 0) return (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (st.st_uid == ids.uid) return (st.st_mode & S_IXUSR) != 0;
  bool member = st.st_gid == ids.gid;
  for (gid_t g : ids.groups) member = member || st.st_gid == g;
  if (member) return (st.st_mode & S_IXGRP) != 0;
  return (st.st_mode & S_IXOTH) != 0;
}

bool IsExecutableFile(const std::string& path, const ExecIds& ids, int* err) {
  struct stat st;
  if (stat(path.c_str(), &st) < 0) { *err = errno; return false; }
  if (!S_ISREG(st.st_mode) || !MayExecute(st, ids)) { *err = EACCES; return false; }
  return true;
}

// The lookup of execvp, along the search path the plan gives (the
// container's PATH, or the runtime's default when it has none); fails with
// the wording engines match on ("executable file not found in $PATH",
// cli-contract.md).
std::string FindExecutable(const InitContext& ctx, const std::string& name, const std::string& path) {
  int err = ENOENT;
  ExecIds ids = CurrentIds(ctx);
  if (name.find('/') != std::string::npos) {
    if (!IsExecutableFile(name, ids, &err))
      Fail("exec", err, name, "exec: \"" + name + "\": " + ErrorText(err));
    return name;
  }
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = j > i ? path.substr(i, j - i) : ".";
    std::string candidate = dir + "/" + name;
    int e = 0;
    if (IsExecutableFile(candidate, ids, &e)) return candidate;
    i = j + 1;
  }
  Fail("exec", ENOENT, name, "exec: \"" + name + "\": executable file not found in $PATH");
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(&s[0]);
  out.push_back(nullptr);
  return out;
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

// A tmpfs without mode= takes the mode of the directory it covers, as in
// runc and crun (an image's /tmp keeps its 1777, a 0755 directory stays
// 0755), instead of the kernel's 1777 for every one of them.
std::string TmpfsData(const std::string& data, int target_fd, const ContainerPath& path) {
  std::string padded = "," + data + ",";
  if (padded.find(",mode=") != std::string::npos) return data;
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

// ---- the ops: each runs one decoded step (step_types.h) -------------------------

void Run(InitContext& ctx, const RootStep& s) { ctx.root = s.path; }

void Run(InitContext& ctx, const MountStep& s) {
  if (!s.in_container) {  // the runtime's own paths (/, the rootfs): not below the root
    if (mount(OrNull(s.source), s.target.c_str(), OrNull(s.fstype), s.flags, OrNull(s.data)) < 0)
      Fail("mount", errno, s.target, s.source.empty() ? "" : "source " + s.source);
    return;
  }
  ContainerPath path(ctx.root, s.target);
  // procfs and sysfs must land on an ordinary directory of the image: a
  // rootfs/proc that is a symlink would carry them wherever it points
  // (issue 8, hole 3; runc refuses it too).
  if ((s.fstype == "proc" || s.fstype == "sysfs") && path.FollowedSymlink())
    Fail("mount", ELOOP, path.HostPath(), s.fstype + " must be mounted on an ordinary directory, and /" + path.Relative() + " is reached through a symlink");
  int fd = OpenExisting(path);
  if (s.flags & MS_BIND) {
    int tree = CloneTree(AT_FDCWD, s.source, (s.flags & MS_REC) != 0, path);
    CheckProcMount(path, "", tree);
    AttachOnFd(tree, fd, path, "source " + s.source);
  } else if (s.flags & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)) {
    MountOnFd(s.source, fd, s.fstype, s.flags, s.data, path);  // no new mount
  } else {
    CheckProcMount(path, s.fstype, -1);
    std::string data = s.fstype == "tmpfs" ? TmpfsData(s.data, fd, path) : s.data;
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
  mode |= s.type == "b" ? S_IFBLK : s.type == "p" ? S_IFIFO : S_IFCHR;
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
  if (rootfs == "/") Fail("move-root", EINVAL, s.rootfs, "the rootfs is the host's root");
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
  mode_t want = s.type == "b" ? S_IFBLK : S_IFCHR;
  dev_t rdev = makedev(static_cast<unsigned>(s.major), static_cast<unsigned>(s.minor));
  if ((st.st_mode & S_IFMT) != want || st.st_rdev != rdev)
    Fail("bind-device", ENODEV, s.source,
         "is not the " + s.type + " " + std::to_string(s.major) + ":" + std::to_string(s.minor) + " device " + s.path + " asks for");
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
// otherwise, like every tmpfs here.
void Run(InitContext& ctx, const TmpfsCopyupStep& s) {
  ContainerPath path(ctx.root, s.target);
  CheckProcMount(path, "tmpfs", -1);
  int fd = OpenExisting(path);
  struct stat st;
  if (fstat(fd, &st) < 0) Fail("stat", errno, path.HostPath());
  if (!S_ISDIR(st.st_mode)) Fail("mount", ENOTDIR, path.HostPath(), "tmpcopyup needs a directory to copy from");
  int tree = NewDetachedMount("tmpfs", "tmpfs", s.flags & ~static_cast<uint64_t>(MS_RDONLY), TmpfsData(s.data, fd, path), path);
  CopyDirectoryContents(fd, tree, path.HostPath());
  // Read-only only once filled, as the config asked.
  if (s.flags & MS_RDONLY) SetAttributes(tree, MOUNT_ATTR_RDONLY, 0, 0, false, path);
  AttachOnFd(tree, fd, path, "tmpfs (tmpcopyup)");
  close(fd);
}

// A namespace made by the init itself once the runtime set it up (the
// cgroup namespace: rooted at the cgroups the runtime placed it in).
void Run(InitContext&, const UnshareStep& s) {
  if (unshare(static_cast<int>(s.flags)) < 0) Fail("unshare", errno, "", "flags " + std::to_string(s.flags));
}

// Hands control to the runtime process (to run hooks in the runtime
// namespace) and waits for its answer.
void Run(InitContext& ctx, const SyncStep& s) {
  if (!SendRecord(ctx.sync_fd, EncodeSync(s.name))) Fail("send", errno, "", "sync " + s.name);
  // Gone: the runtime tears us down; abort: it reports the failure itself.
  if (ReceiveReply(ctx.sync_fd) != Reply::kOk) _exit(1);
}

void Run(InitContext& ctx, const HookStep& s) {
  bool starting = s.kind == "startContainer";
  if (!(starting ? ctx.has_created_state : ctx.has_creating_state))
    Fail("plan", EPROTO, s.path, "the runtime sent no state for " + s.kind + " hooks");
  const std::string& state = starting ? ctx.created_state : ctx.creating_state;
  HookFailedMessage failure;
  if (!RunHook(s.path, s.args, s.env, static_cast<int>(s.timeout), state, &failure)) {
    failure.kind = s.kind;
    failure.path = s.path;
    FailHook(failure);
  }
}

// Through the procfs fd opened at start: /proc/sys shows the sysctls of
// the writer's own namespaces (net, ipc, uts) whichever procfs it is
// reached through, and no container mount can stand in for it.
// A key in the slash form ("net/ipv4/conf/eth0.100/forwarding") is a path
// already, dots and all, as runc reads it; the dotted form maps dots to
// slashes. Either way the write resolves beneath /proc/sys with no symlink
// and no "..": a key cannot reach another file.
void Run(InitContext& ctx, const SysctlStep& s) {
  std::string relative = s.key;
  if (relative.find('/') == std::string::npos) std::replace(relative.begin(), relative.end(), '.', '/');
  int sys = OpenProcFile(ctx.proc_fd, "sys", O_PATH | O_DIRECTORY, "/proc/sys");
  if (sys < 0) Fail("open", errno, "/proc/sys", "sysctl " + s.key);
  WriteProcFile(sys, relative, s.value, "/proc/sys/" + relative, "sysctl " + s.key);
  close(sys);
}

void Run(InitContext&, const PersonalityStep& s) {
  if (personality(static_cast<unsigned long>(s.persona)) < 0) Fail("personality", errno, "");
}

void Run(InitContext&, const ConsoleStep& s) {
  SetUpConsole(static_cast<int>(s.socket_fd), static_cast<int>(s.rows), static_cast<int>(s.cols), s.bind_console);
}

void Run(InitContext&, const HostnameStep& s) {
  if (sethostname(s.name.data(), s.name.size()) < 0) Fail("sethostname", errno, "");
}

void Run(InitContext&, const DomainnameStep& s) {
  if (setdomainname(s.name.data(), s.name.size()) < 0) Fail("setdomainname", errno, "");
}

void Run(InitContext&, const RlimitStep& s) {
  struct rlimit64 lim;
  lim.rlim_cur = s.soft;
  lim.rlim_max = s.hard;
  if (prlimit64(0, static_cast<__rlimit_resource>(s.resource), &lim, nullptr) < 0)
    Fail("prlimit", errno, "", s.type);
}

void Run(InitContext& ctx, const BoundingStep& s) {
  for (int cap = 0; cap <= ctx.last_cap; cap++) {
    if (s.keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      Fail("prctl", errno, "", "PR_CAPBSET_DROP " + std::to_string(cap));
  }
}

void Run(InitContext&, const KeepCapsStep& s) {
  if (prctl(PR_SET_KEEPCAPS, s.keep ? 1 : 0, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_KEEPCAPS");
}

// True when setgroups(2) is denied in our user namespace ("deny" in our
// /proc/self/setgroups, read through the verified procfs).
static bool SetgroupsDeniedHere(InitContext& ctx) {
  int fd = OpenProcFile(ctx.proc_self_fd, "setgroups", O_RDONLY | O_CLOEXEC, "/proc/self/setgroups");
  if (fd < 0) return false;
  char buf[16] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

void Run(InitContext& ctx, const SetgroupsStep& s) {
  std::vector<gid_t> gids;
  for (int64_t g : s.gids) gids.push_back(static_cast<gid_t>(g));
  if (syscall(SYS_setgroups, gids.size(), gids.data()) == 0) {
    ctx.groups = gids;
    ctx.has_groups = true;
    return;
  }
  int err = errno;
  // A user namespace joined by path may deny setgroups (one made by
  // `unshare -Ur`); the runtime cannot see that when it compiles the plan.
  // As runc does, clearing the groups is then skipped (there are none to
  // drop: a namespace that denies setgroups never had any mapped), and
  // additional groups are an error naming the field.
  if (err == EPERM && SetgroupsDeniedHere(ctx)) {
    if (gids.empty()) return;
    Fail("setgroups", err, "", "process.user.additionalGids cannot be set: setgroups is denied in the container's user namespace");
  }
  Fail("setgroups", err, "");
}

void Run(InitContext& ctx, const SetresgidStep& s) {
  gid_t gid = static_cast<gid_t>(s.gid);
  if (syscall(SYS_setresgid, gid, gid, gid) < 0) Fail("setresgid", errno, "", "gid " + std::to_string(gid));
  ctx.gid = static_cast<int64_t>(gid);
}

// The uid change also clears the dumpable flag; it stays clear (the init
// made itself non-dumpable already, main.cc) until the final execve.
void Run(InitContext& ctx, const SetresuidStep& s) {
  uid_t uid = static_cast<uid_t>(s.uid);
  if (syscall(SYS_setresuid, uid, uid, uid) < 0) Fail("setresuid", errno, "", "uid " + std::to_string(uid));
  ctx.uid = static_cast<int64_t>(uid);
}

void Run(InitContext&, const CapsetStep& s) { Capset(s.effective, s.permitted, s.inheritable); }

void Run(InitContext& ctx, const AmbientStep& s) {
  for (int cap = 0; cap <= ctx.last_cap; cap++) {
    if (!(s.raise & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      Fail("prctl", errno, "", "PR_CAP_AMBIENT_RAISE " + std::to_string(cap));
  }
}

void Run(InitContext&, const NoNewPrivsStep&) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_NO_NEW_PRIVS");
}

// Installs a finished BPF program (compiled by the runtime) with seccomp(2).
// With a notify listener, the new listener fd goes to the listener socket
// (connected by the runtime) with the message the runtime composed; from
// here on every syscall of ours passes the filter, so this is all we do.
void Run(InitContext& ctx, const SeccompStep& s) {
  const bool notify = s.listener_fd >= 0;
  int listener = -1;
  // Before the wait for start (the filter goes in before the credentials
  // change when there is no no_new_privs), a filter that may forbid or
  // trap the release's syscalls: memory is given back now, while they are
  // still ours to call, and what runs until the wait faults a part of the
  // program back in. A filter that plainly allows them leaves the release
  // to the wait, after those steps.
  if (ctx.waits_for_start && !ctx.started && !s.allows_idle_release) ReleaseIdleMemory();
  int err = InstallSeccompFilter(s.program, static_cast<unsigned>(s.flags), notify ? &listener : nullptr);
  if (err == 0 && !s.allows_idle_release) ctx.may_release_idle_memory = false;
  if (err != 0) Fail("seccomp", err, "", err == EINVAL ? "the kernel refused the filter or its flags" : "");
  if (!notify) return;
  std::string& payload = ctx.seccomp_listener_message;
  kapsel_common::FdMessage msg(&payload[0], payload.size());
  msg.Attach(listener);
  ssize_t n;
  do {
    n = sendmsg(static_cast<int>(s.listener_fd), &msg.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(payload.size())) Fail("sendmsg", n < 0 ? errno : EMSGSIZE, "", "seccomp listener socket");
  close(listener);
  close(static_cast<int>(s.listener_fd));
}

void Run(InitContext&, const UmaskStep& s) { umask(static_cast<mode_t>(s.mask)); }

void Run(InitContext&, const ChdirStep& s) {
  if (chdir(s.path.c_str()) < 0) Fail("chdir", errno, s.path);
  // A cwd that leads outside the root (through a directory fd of the host,
  // "/proc/self/fd/N", CVE-2024-21626) is one getcwd cannot name from the
  // root: the kernel answers "(unreachable)...", which glibc turns into
  // ENOENT. The process must never start there.
  char cwd[PATH_MAX];
  errno = 0;
  if (getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/')
    Fail("getcwd", errno ? errno : ENOENT, s.path, "the working directory is outside the container's root");
}

// Resolves the program once, before the wait for start, as runc does: the
// exec step then calls execve alone, so a seccomp filter installed between
// them sees no stat or access of ours.
void Run(InitContext& ctx, const CheckExecStep& s) {
  ctx.checked_file = s.file;
  ctx.checked_path = FindExecutable(ctx, s.file, s.search_path);
}

// Tells the runtime that create is complete, then blocks until `start`
// opens the exec fifo for reading. From here on failures go to the fifo,
// where `start` reads them. The fifo (an O_PATH fd) is reopened for
// writing through its fd link in the host's procfs: our own fd links stay
// open to us while we are non-dumpable, whatever our uid (the kernel
// exempts a process's access to itself).
void Run(InitContext& ctx, const WaitStartStep& s) {
  int fifo_path_fd = static_cast<int>(s.fifo_fd);
  // Our fd directory, opened at start without crossing a mount (main.cc):
  // in a mount namespace joined by path, /proc is its owner's, who could
  // cover /proc/<our pid>/fd with a directory holding a fifo of its
  // choosing, and the open below would start the container without `start`.
  int fd_dir = ctx.proc_self_fd_dir;
  if (fd_dir < 0) Fail("open", ENOENT, "/proc/self/fd", kNoProcfs);
  if (!SendRecord(ctx.sync_fd, EncodeReady())) Fail("send", errno, "", "ready");
  close(ctx.sync_fd);
  ctx.sync_fd = -1;
  SetFailureChannel(-1, ChannelKind::kStream);
  std::string link = std::to_string(fifo_path_fd);
  // createContainer hooks ran before the wait (lib/plan/compile.ts); their
  // state JSON (large annotations included) is not kept for days.
  ctx.creating_state = std::string();
  ctx.has_creating_state = false;
  // Without a filter, or under one that plainly allows the release.
  int fifo = OpenAfterRelease(fd_dir, link.c_str(), O_WRONLY, ctx.may_release_idle_memory);
  ctx.started = true;
  if (fifo < 0) Fail("open", errno, "exec.fifo", "reopen the exec fifo through /proc/self/fd/" + link);
  close(fd_dir);
  ctx.proc_self_fd_dir = -1;
  close(fifo_path_fd);
  // One byte says "the init opened its end": start can tell this EOF from
  // the one of an init that died before it got here.
  if (write(fifo, "0", 1) != 1) Fail("write", errno, "exec.fifo");
  SetFailureChannel(fifo, ChannelKind::kStream);
}

void Run(InitContext& ctx, const ExecStep& s) {
  if (s.args.empty()) Fail("plan", EINVAL, "", "exec without arguments");
  std::vector<std::string> args = s.args, env = s.env;
  std::string file = !ctx.checked_path.empty() && ctx.checked_file == args[0] ? ctx.checked_path : FindExecutable(ctx, args[0], s.search_path);
  std::vector<char*> argv = CStrings(args), envp = CStrings(env);
  signal(SIGPIPE, SIG_DFL);
  execve(file.c_str(), argv.data(), envp.data());
  int err = errno;
  signal(SIGPIPE, SIG_IGN);
  Fail("exec", err, file, "exec: \"" + args[0] + "\": " + ErrorText(err));
}

}  // namespace

void ExecuteStep(InitContext& ctx, const Step& step) {
  StepArgs args(step);
  bool known = AllSteps::With(step.fields[0], [&](auto decoded) {
    decoded.Visit(args);
    args.Done();
    Run(ctx, decoded);
  });
  if (!known) Fail("plan", EINVAL, "", "unknown step " + step.fields[0]);
}

std::string DescribeStep(const Step& step) {
  StepArgs args(step);
  std::string json;
  bool known = AllSteps::With(step.fields[0], [&](auto decoded) {
    decoded.Visit(args);
    args.Done();
    StepPrinter printer(step.fields[0]);
    decoded.Visit(printer);
    json = printer.Json();
  });
  if (!known) Fail("plan", EINVAL, "", "unknown step " + step.fields[0]);
  return json;
}

}  // namespace kapsel_init
