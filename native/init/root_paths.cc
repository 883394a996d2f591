#include "root_paths.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "../common/syscalls.h"
#include "fail.h"

namespace kapsel_init {

namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out.empty() ? "." : out;
}

int OpenBeneath(int root_fd, const std::string& relative, int flags);

// Whether the directory `relative` (below root_fd) is on a procfs: its
// symlinks are magic links to the init's own files, never to be followed.
bool OnProcfs(int root_fd, const std::string& relative) {
  int dir = OpenBeneath(root_fd, relative, O_DIRECTORY);
  if (dir < 0) return false;
  struct statfs st;
  bool proc = fstatfs(dir, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
  close(dir);
  return proc;
}

// Follows symlinks lexically with `root_fd` as "/": the path the caller
// means, even through dangling links (their target is created later).
std::string ResolveLexically(int root_fd, const std::string& path, bool* followed) {
  std::vector<std::string> done;
  std::vector<std::string> todo = SplitPath(path);
  std::reverse(todo.begin(), todo.end());
  int links = 0;
  while (!todo.empty()) {
    std::string part = todo.back();
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::vector<std::string> candidate = done;
    candidate.push_back(part);
    char target[4096];
    ssize_t n = readlinkat(root_fd, Join(candidate).c_str(), target, sizeof target - 1);
    if (n < 0) {  // not a symlink (or missing): a plain component
      done.push_back(part);
      continue;
    }
    if (++links > 255) Fail("readlink", ELOOP, path);
    if (OnProcfs(root_fd, Join(done)))
      Fail("readlink", ELOOP, path, "refusing to follow the procfs symlink /" + Join(candidate) + " inside the container root");
    *followed = true;
    target[n] = '\0';
    if (target[0] == '/') done.clear();
    std::vector<std::string> more = SplitPath(target);
    for (auto it = more.rbegin(); it != more.rend(); ++it) todo.push_back(*it);
  }
  return Join(done);
}

int OpenBeneath(int root_fd, const std::string& relative, int flags) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_PATH | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd;
  do {
    fd = kapsel_common::Openat2(root_fd, relative.c_str(), how);
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

// Whether `path` has no "." or ".." component: then its plain join is its
// lexical form, whatever exists below the root.
bool IsPlain(const std::vector<std::string>& parts) {
  for (const auto& p : parts)
    if (p == "." || p == "..") return false;
  return true;
}

// The common case without a readlinkat per component: one openat2 with
// RESOLVE_NO_SYMLINKS walks the path as the kernel resolves it and fails
// with ELOOP at the first symlink (magic links included). Success, or
// ENOENT/ENOTDIR at a missing component, means no component up to there is
// a symlink, so the lexical walk would return the plain join unchanged
// (what does not exist cannot be a symlink now; a later swap is caught by
// every operation's own openat2). Anything else (ELOOP: a symlink to
// follow lexically; EACCES, EXDEV, ...) takes the full lexical walk.
bool ResolvesWithoutSymlinks(int root_fd, const std::string& path, std::string* relative) {
  std::vector<std::string> parts = SplitPath(path);
  if (!IsPlain(parts)) return false;
  std::string joined = Join(parts);
  int fd = OpenBeneath(root_fd, joined, 0);
  if (fd < 0 && errno != ENOENT && errno != ENOTDIR) return false;
  if (fd >= 0) close(fd);
  *relative = joined;
  return true;
}

}  // namespace

namespace {

// One fd of the root for a run of filesystem steps, instead of an open of
// the root's host path per container path. Kept only while nothing can
// have changed what the root names: steps.cc forgets it before any other
// kind of step (pivot_root, chroot, hooks, fd moves...), a mount of the
// runtime's own paths (the rootfs bound on itself) forgets it, and so does
// a container path that is the root itself (a mount there would cover
// what the fd names). An fd in use by a live ContainerPath is closed when
// its last user is done.
struct KeptRoot {
  int fd = -1;
  std::string root;
  int users = 0;
  bool stale = false;
} kept;

void CloseKeptRoot() {
  if (kept.fd >= 0) close(kept.fd);
  kept = KeptRoot();
}

int OpenRoot(const std::string& root_dir) {
  int fd = open(root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) Fail("open", errno, root_dir);
  return fd;
}

// The kept fd of `root_dir` (one more user), or a fresh one of the
// caller's own (`*owned`) while the kept one is another root's and in use.
int AcquireRoot(const std::string& root_dir, bool* owned) {
  if (kept.fd >= 0 && !kept.stale && kept.root == root_dir) {
    kept.users++;
    *owned = false;
    return kept.fd;
  }
  if (kept.users > 0) {
    *owned = true;
    return OpenRoot(root_dir);
  }
  CloseKeptRoot();
  kept.fd = OpenRoot(root_dir);
  kept.root = root_dir;
  kept.users = 1;
  *owned = false;
  return kept.fd;
}

void ReleaseRoot() {
  if (--kept.users == 0 && kept.stale) CloseKeptRoot();
}

}  // namespace

void ForgetRootFd() {
  if (kept.users == 0) CloseKeptRoot();
  else kept.stale = true;
}

ContainerPath::ContainerPath(const std::string& root, const std::string& path) {
  std::string root_dir = root.empty() ? "/" : root;
  root_fd_ = AcquireRoot(root_dir, &owns_root_fd_);
  if (!ResolvesWithoutSymlinks(root_fd_, path, &relative_)) relative_ = ResolveLexically(root_fd_, path, &followed_symlink_);
  host_path_ = (root.empty() ? "" : root) + "/" + (relative_ == "." ? "" : relative_);
  if (relative_ == "." && !owns_root_fd_) {
    // The root itself: whatever this path is used for may mount over it.
    ReleaseRoot();
    ForgetRootFd();
    root_fd_ = OpenRoot(root_dir);
    owns_root_fd_ = true;
  }
}

ContainerPath::~ContainerPath() {
  if (root_fd_ < 0) return;
  if (owns_root_fd_) close(root_fd_);
  else ReleaseRoot();
}

int ContainerPath::Open(int flags) const { return OpenBeneath(root_fd_, relative_, flags); }

int ContainerPath::MkdirAll(mode_t mode) const { return MkdirChain(relative_, mode); }

int ContainerPath::Parent(std::string* name) const {
  size_t slash = relative_.rfind('/');
  *name = slash == std::string::npos ? relative_ : relative_.substr(slash + 1);
  if (*name == ".") Fail("open", EINVAL, host_path_, "the container root itself");
  return MkdirChain(slash == std::string::npos ? "." : relative_.substr(0, slash), 0755);
}

// mkdir -p, one component at a time: each new directory is made in the fd
// of its parent, and each fd is opened without following any symlink.
int ContainerPath::MkdirChain(const std::string& relative, mode_t mode) const {
  int dir = OpenBeneath(root_fd_, ".", O_DIRECTORY);
  if (dir < 0) Fail("openat2", errno, host_path_);
  std::string sofar;
  for (const std::string& part : SplitPath(relative == "." ? "" : relative)) {
    sofar += (sofar.empty() ? "" : "/") + part;
    int next = OpenBeneath(root_fd_, sofar, O_DIRECTORY);
    if (next < 0 && errno == ENOENT) {
      if (mkdirat(dir, part.c_str(), mode) < 0 && errno != EEXIST) Fail("mkdir", errno, host_path_);
      next = OpenBeneath(root_fd_, sofar, O_DIRECTORY);
    }
    if (next < 0) Fail("openat2", errno, host_path_, "below the container root: " + sofar);
    close(dir);
    dir = next;
  }
  return dir;
}

}  // namespace kapsel_init
