// Thin wrappers, one syscall each, for the syscalls lib/ makes itself
// (pidfds, flock, openat2, memfd); the wrappers only tests use are in
// syscalls_test.cc, built into the test addon alone (test_module.cc). Policy (what to mount, which caps to keep) lives in lib/.
//
// A caveat that shapes this file: Node is multi-threaded, and most of these
// calls act on the calling thread only (namespaces, capabilities, the prctl
// flags). They run on the JS thread, which is the thread group leader, so
// /proc/self/status shows their effect and processes spawned from JS inherit
// it. Credentials are the exception: glibc's setresuid/setresgid/setgroups
// broadcast the change to every thread, which is why those go through glibc
// and not raw syscall().
#include <napi.h>

#include <linux/capability.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "../common/syscalls.h"
#include "errors.h"

#include "syscall_args.h"

namespace kapsel {
namespace {

using namespace syscall_args;

// ---- processes -------------------------------------------------------------

Napi::Value PidfdOpen(const Info& info) {
  int pid;
  uint32_t flags;
  // pid 0 or below names no process here (pidfd_open takes only a pid > 0).
  if (!ArgInt32(info, 0, "pid", &pid, 1) || !ArgUint32(info, 1, "flags", &flags)) return info.Env().Undefined();
  // The kernel always sets O_CLOEXEC on pidfds.
  long fd = kapsel_common::PidfdOpen(static_cast<pid_t>(pid), flags);
  return IntResult(info.Env(), fd, "pidfd_open");
}

Napi::Value PidfdSendSignal(const Info& info) {
  int pidfd, signal;
  if (!ArgFd(info, 0, "pidfd", &pidfd) || !ArgInt32(info, 1, "signal", &signal, 0, 64)) return info.Env().Undefined();
  long rc = kapsel_common::PidfdSendSignal(pidfd, signal);
  return Done(info.Env(), rc, "pidfd_send_signal");
}

// ---- files -----------------------------------------------------------------

Napi::Value Flock(const Info& info) {
  Napi::Env env = info.Env();
  int fd;
  std::string op;
  bool nonBlocking;
  if (!ArgFd(info, 0, "fd", &fd) || !ArgString(info, 1, "operation", &op) ||
      !ArgBool(info, 2, "nonBlocking", &nonBlocking))
    return env.Undefined();
  int how;
  if (op == "exclusive") how = LOCK_EX;
  else if (op == "shared") how = LOCK_SH;
  else if (op == "unlock") how = LOCK_UN;
  else {
    ThrowArgValue(env, "operation", "one of 'exclusive', 'shared', 'unlock'", info[1]);
    return env.Undefined();
  }
  if (nonBlocking) how |= LOCK_NB;
  int rc;
  // A blocking lock can be interrupted by a signal Node handles; just retry.
  do rc = flock(fd, how);
  while (rc < 0 && errno == EINTR);
  return Done(env, rc, "flock");
}

// openat2(2): how TypeScript reads a file of the container image (RESOLVE_IN_ROOT
// from a rootfs fd), so an absolute symlink in the image cannot name a host file.
Napi::Value Openat2(const Info& info) {
  Napi::Env env = info.Env();
  int dirfd = AT_FDCWD;
  uint32_t flags, mode, resolve;
  std::string path;
  // AT_FDCWD (-100) is the one negative dirfd that means something.
  Napi::Value d = Nth(info, 0);
  bool cwd = d.IsNumber() && d.As<Napi::Number>().DoubleValue() == AT_FDCWD;
  if ((!cwd && !ArgFd(info, 0, "dirfd", &dirfd)) || !ArgString(info, 1, "path", &path) || !ArgUint32(info, 2, "flags", &flags) ||
      !ArgUint32(info, 3, "mode", &mode) || !ArgUint32(info, 4, "resolve", &resolve))
    return env.Undefined();
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.mode = mode;
  how.resolve = resolve;
  long fd;
  do fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ThrowErrno(env, errno, "openat2", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(fd));
}

Napi::Value MemfdCreate(const Info& info) {
  std::string name;
  uint32_t flags;
  if (!ArgString(info, 0, "name", &name) || !ArgUint32(info, 1, "flags", &flags)) return info.Env().Undefined();
  return IntResult(info.Env(), memfd_create(name.c_str(), flags), "memfd_create");
}

}  // namespace

using syscall_args::Export;
using syscall_args::ExportAll;

void InitSyscalls(Napi::Env env, Napi::Object exports) {
  static const Export kFunctions[] = {
      {"pidfdOpen", PidfdOpen},
      {"pidfdSendSignal", PidfdSendSignal},
      {"flock", Flock},
      {"memfdCreate", MemfdCreate},
      {"openat2", Openat2},
  };
  ExportAll(env, exports, kFunctions);
}

}  // namespace kapsel
