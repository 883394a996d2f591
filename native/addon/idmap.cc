// idmappedTree(): a detached, id-mapped copy of a mount tree, for an
// id-mapped bind mount (mounts[].uidMappings / idmap / ridmap). It is made
// here, by the runtime, because MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over
// the filesystem's own user namespace (the host's, for ext4, xfs...), which
// an init inside the container's user namespace does not have. The init
// then only attaches the tree (move_mount) onto its target.
//
// The mapping is a user namespace: a child is cloned into a new one and
// waits on a pipe while we write its uid_map / gid_map and open its
// namespace; then it exits. It shares our memory (CLONE_VM, its own small
// stack) and only makes raw syscalls, with every signal blocked, like the
// spawner's child.
#include <napi.h>

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "../common/syscalls.h"
#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

constexpr size_t kHolderStack = 64 * 1024;

// The holder: its own copy of the write end closed, it waits for ours to close.
int HoldNamespace(void* arg) {
  const int* hold = static_cast<const int*>(arg);
  syscall(SYS_close, hold[1]);
  char byte;
  while (syscall(SYS_read, hold[0], &byte, 1) < 0 && errno == EINTR) {}
  _exit(0);
}

bool WriteFile(const std::string& path, const std::string& text, int* err) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) { *err = errno; return false; }
  ssize_t n = write(fd, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) { *err = n < 0 ? errno : EIO; close(fd); return false; }
  close(fd);
  return true;
}

// A user namespace fd with these maps; -1 with *err, *syscall and *path set.
int MappedUserNamespace(const std::string& uid_map, const std::string& gid_map, int* err, const char** syscall_name,
                        std::string* path) {
  int hold[2];
  if (pipe2(hold, O_CLOEXEC) < 0) { *err = errno; *syscall_name = "pipe2"; return -1; }
  void* stack = mmap(nullptr, kHolderStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    *err = errno; *syscall_name = "mmap";
    close(hold[0]); close(hold[1]);
    return -1;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(HoldNamespace, static_cast<char*>(stack) + kHolderStack, CLONE_NEWUSER | CLONE_VM | SIGCHLD, hold);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  int ns = -1;
  if (pid < 0) {
    *err = clone_errno; *syscall_name = "clone";
  } else {
    std::string proc = "/proc/" + std::to_string(pid) + "/";
    *syscall_name = "write";
    if (!WriteFile(proc + "uid_map", uid_map, err)) {
      *path = proc + "uid_map";
    } else if (!WriteFile(proc + "gid_map", gid_map, err)) {
      *path = proc + "gid_map";
    } else {
      ns = open((proc + "ns/user").c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0) { *err = errno; *syscall_name = "open"; *path = proc + "ns/user"; }
    }
  }
  close(hold[1]);  // the holder's read returns: it exits
  if (pid > 0) {
    int status;
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {}
  }
  close(hold[0]);
  munmap(stack, kHolderStack);
  return ns;
}

// idmappedTree(source, recursive, recursiveIdmap, uidMap, gidMap) -> fd of
// a detached mount: open_tree(OPEN_TREE_CLONE) of `source` (its submounts
// too when `recursive`), mount_setattr(MOUNT_ATTR_IDMAP) with a user
// namespace holding the uid_map / gid_map lines (on the submounts too when
// `recursiveIdmap`).
Napi::Value IdmappedTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string source, uid_map, gid_map;
  bool recursive, recursive_idmap;
  if (!ArgString(info, 0, "source", &source) || !ArgBool(info, 1, "recursive", &recursive) ||
      !ArgBool(info, 2, "recursiveIdmap", &recursive_idmap) || !ArgString(info, 3, "uidMap", &uid_map) ||
      !ArgString(info, 4, "gidMap", &gid_map))
    return env.Undefined();
  int err = 0;
  const char* syscall_name = "";
  std::string path;
  int userns = MappedUserNamespace(uid_map, gid_map, &err, &syscall_name, &path);
  if (userns < 0) {
    ThrowErrno(env, err, syscall_name, path);
    return env.Undefined();
  }
  int tree = kapsel_common::OpenTree(AT_FDCWD, source.c_str(),
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) {
    int e = errno;
    close(userns);
    ThrowErrno(env, e, "open_tree", source);
    return env.Undefined();
  }
  mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns);
  unsigned flags = AT_EMPTY_PATH | (recursive_idmap ? AT_RECURSIVE : 0);
  int rc = static_cast<int>(syscall(SYS_mount_setattr, tree, "", flags, &attr, sizeof attr));
  int e = errno;
  close(userns);
  if (rc < 0) {
    close(tree);
    ThrowErrno(env, e, "mount_setattr", source);
    return env.Undefined();
  }
  return Napi::Number::New(env, tree);
}

}  // namespace

void InitIdmap(Napi::Env env, Napi::Object exports) {
  exports.Set("idmappedTree", Napi::Function::New(env, IdmappedTree, "idmappedTree"));
}

}  // namespace kapsel
