// Guards around procfs (proc_guard.h).
#include "proc_guard.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "../common/syscalls.h"
#include "fail.h"
#include "fd_mounts.h"

namespace kapsel_init {

namespace {

// Whether `relative` is one of the mount points below /proc the plan's
// header allows a bind on (lib/plan/header.ts: the files lxcfs emulates,
// as runc allows them).
bool IsAllowedProcBind(const std::string& relative, const std::vector<std::string>& allowed) {
  for (const std::string& a : allowed)
    if (relative == a) return true;
  return false;
}

bool IsProcfs(int fd) {
  struct statfs st;
  return fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// mountinfo's octal escapes (\040 for a space) decoded.
std::string UnescapeMountPoint(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); i++) {
    if (field[i] == '\\' && i + 3 < field.size() && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) &&
        IsOctal(field[i + 3])) {
      out += static_cast<char>(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// The space-separated words of `text` (mountinfo escapes the spaces of a path).
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isspace(static_cast<unsigned char>(text[i]))) i++;
    size_t j = i;
    while (j < text.size() && !isspace(static_cast<unsigned char>(text[j]))) j++;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

struct MountPoint {
  std::string path;
  bool proc_or_sys;
  std::string id, parent;
  // Mounts its filesystem's root and nothing is mounted below it: what the
  // kernel counts as fully visible (it allows children on empty
  // directories too; any child counts against here, so this errs safe).
  bool whole_and_bare = false;
};

// The mount points of our mount namespace, deepest first.
std::vector<MountPoint> MountPoints(int proc_self_fd) {
  int fd = OpenProcFile(proc_self_fd, "mountinfo", O_RDONLY, "/proc/self/mountinfo");
  if (fd < 0) Fail("open", errno, "/proc/self/mountinfo");
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  if (n < 0) Fail("read", errno, "/proc/self/mountinfo");
  close(fd);
  std::vector<MountPoint> points;
  // A line: "id parent major:minor root point options [optional...] - fstype source super".
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::vector<std::string> before = Words(line.substr(0, dash)), after = Words(line.substr(dash + 3));
    if (before.size() < 5 || after.empty()) continue;
    MountPoint mp{UnescapeMountPoint(before[4]), after[0] == "proc" || after[0] == "sysfs", before[0], before[1]};
    mp.whole_and_bare = before[3] == "/";
    points.push_back(mp);
  }
  for (MountPoint& mp : points) {
    if (!mp.whole_and_bare) continue;
    for (const MountPoint& other : points)
      if (other.parent == mp.id && other.id != mp.id) mp.whole_and_bare = false;
  }
  std::sort(points.begin(), points.end(),
            [](const MountPoint& a, const MountPoint& b) { return a.path.size() > b.path.size(); });
  return points;
}

bool IsBelowOrAt(const std::string& p, const std::string& dir) {
  return p == dir || p.rfind(dir + "/", 0) == 0;
}

}  // namespace

// Opens `relative` below the verified procfs directory `dirfd` without
// following any symlink, magic or not, and checks that what it reached is
// still procfs: a container mount cannot stand in for a /proc file we
// write (issue 8, hole 2).
int OpenProcFile(int dirfd, const std::string& relative, int flags, const std::string& shown) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd;
  do {
    fd = kapsel_common::Openat2(dirfd, relative.c_str(), how);
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) return -1;
  struct statfs st;
  if (fstatfs(fd, &st) < 0 || st.f_type != PROC_SUPER_MAGIC) {
    close(fd);
    Fail("fstatfs", EXDEV, shown, "not a procfs file");
  }
  return fd;
}

int OpenOwnProcDir(int proc_fd, const char* name) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  // "self" and "thread-self" are plain symlinks to "<pid>" and
  // "<pid>/task/<tid>" in the same procfs: RESOLVE_BENEATH keeps them in
  // it, RESOLVE_NO_XDEV refuses a mount over any directory on the way.
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd;
  do {
    fd = kapsel_common::Openat2(proc_fd, name, how);
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

void WriteProcFile(int dirfd, const std::string& relative, const std::string& value, const std::string& shown,
                   const std::string& what) {
  if (dirfd < 0) FailFor(FailReason::kNoProcfs, "open", ENOENT, shown, what);
  int fd = OpenProcFile(dirfd, relative, O_WRONLY, shown);
  if (fd < 0) Fail("open", errno, shown, what);
  if (write(fd, value.data(), value.size()) < 0) Fail("write", errno, shown, what);
  close(fd);
}

// Refuses a mount that would put something other than a procfs on /proc
// or below (issue 8, hole 2), as runc's checkProcMount does: on /proc
// itself only a new procfs or a bind of a procfs; below it only binds on
// the files the plan allows (`allowed_binds`). `source_fd` is the detached
// bind tree (-1 otherwise); `new_procfs`: a new filesystem the plan says is
// a procfs.
void CheckProcMount(const ContainerPath& path, bool new_procfs, int source_fd, const std::vector<std::string>& allowed_binds) {
  const std::string& rel = path.Relative();
  bool at_proc = rel == "proc";
  if (!at_proc && rel.rfind("proc/", 0) != 0) return;
  if (source_fd < 0) {
    if (at_proc && new_procfs) return;
  } else if (at_proc ? IsProcfs(source_fd) : IsAllowedProcBind(rel, allowed_binds)) {
    return;
  }
  FailFor(FailReason::kProcMount, "mount", EPERM, "/" + rel);
}

// --no-pivot leaves the old root under the new one, and with it the host's
// /proc and /sys: a process inside that makes a user namespace could mount
// a fresh procfs (the kernel allows it while a fully visible one exists in
// the mount namespace) and see the host's processes (issue 8, hole 4). As
// runc does, every procfs and sysfs outside the rootfs is detached first;
// one that cannot be (locked in a user namespace) is covered by an empty
// tmpfs, so that it is no longer fully visible. Then every mount of the
// namespace is made private: as slaves of the host's mounts those outside
// the rootfs would receive a procfs the host mounts later, fully visible
// again.
void HideHostProcAndSys(int proc_self_fd, const std::string& rootfs) {
  for (const MountPoint& mp : MountPoints(proc_self_fd)) {
    const std::string& point = mp.path;
    if (!mp.proc_or_sys || IsBelowOrAt(point, rootfs)) continue;
    if (umount2(point.c_str(), MNT_DETACH) == 0) continue;
    // EACCES: a directory on the way is not searchable by us (a rootless
    // runtime, and an engine's container rootfs below a 0700 directory).
    // No path reaches it, for us or for the container. What matters is
    // whether the kernel counts it as fully visible (then a new user
    // namespace inside could mount a fresh procfs): an engine container's
    // /proc has its masked paths mounted over it and does not count; a
    // bare one does, and create fails rather than leave it.
    if (errno == EACCES) {
      if (!mp.whole_and_bare) continue;
      FailFor(FailReason::kNoPivotUnsearchable, "umount2", EACCES, point);
    }
    if (errno != EINVAL && errno != EPERM) FailFor(FailReason::kNoPivotHide, "umount2", errno, point);
    // EINVAL: gone with a parent detached before, or locked; cover what is left.
    int fd = open(point.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    struct statfs st;
    if (fstatfs(fd, &st) == 0 && (st.f_type == PROC_SUPER_MAGIC || st.f_type == SYSFS_MAGIC)) {
      ContainerPath where("", point);
      NewMountOnFd("tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "", fd, where);
    }
    close(fd);
  }
  // One recursive change from the root (mount_setattr AT_RECURSIVE), not
  // a mount(2) per mount point by path: a rootless runtime cannot reach
  // mounts below directories it cannot search, and the path walk failed
  // with EACCES on any host running a containerd or podman container
  // (issue 17, item 9). It takes the rootfs along: the plan applies an
  // explicit rootfsPropagation after the move (plan/rootfs.ts), and warns
  // that a slave one cannot be had with --no-pivot.
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) Fail("open", errno, "/");
  if (kapsel_common::MountSetattrFd(root, true, 0, 0, MS_PRIVATE) < 0)
    FailFor(FailReason::kNoPivotPrivate, "mount_setattr", errno, "/");
  close(root);
}

}  // namespace kapsel_init
