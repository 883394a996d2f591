// Thin wrappers, one syscall each, for everything in NativeAddon except spawn
// and pidfdWait. Policy (what to mount, which caps to keep) lives in lib/.
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

namespace kapsel {
namespace {

using Info = Napi::CallbackInfo;

// ---- argument helpers beyond those of errors.h ----------------------------

// Same shape as the TypeErrors of errors.cc (whose helper is file-local).
void ThrowArgError(Napi::Env env, const char* name, const char* expected, bool range = false) {
  std::string msg = std::string("The \"") + name + "\" argument must be " + expected;
  Napi::Error e = range ? Napi::Error(Napi::RangeError::New(env, msg))
                        : Napi::Error(Napi::TypeError::New(env, msg));
  e.Set("code", Napi::String::New(env, range ? "ERR_OUT_OF_RANGE" : "ERR_INVALID_ARG_TYPE"));
  e.ThrowAsJavaScriptException();
}

bool ArgBool(const Info& info, size_t i, const char* name, bool* out) {
  if (info.Length() <= i || !info[i].IsBoolean()) {
    ThrowArgError(info.Env(), name, "of type boolean");
    return false;
  }
  *out = info[i].As<Napi::Boolean>().Value();
  return true;
}

// Masks and rlimits are full 64-bit unsigned values, hence BigInt.
bool ToU64(Napi::Env env, Napi::Value v, const char* name, uint64_t* out) {
  if (!v.IsBigInt()) {
    ThrowArgError(env, name, "of type bigint");
    return false;
  }
  bool lossless = false;
  *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) {
    ThrowArgError(env, name, "a bigint between 0n and 2n ** 64n - 1n", true);
    return false;
  }
  return true;
}

bool ArgObject(const Info& info, size_t i, const char* name, Napi::Object* out) {
  if (info.Length() <= i || !info[i].IsObject() || info[i].IsArray()) {
    ThrowArgError(info.Env(), name, "of type object");
    return false;
  }
  *out = info[i].As<Napi::Object>();
  return true;
}

bool ArgRlimit(const Info& info, size_t i, struct rlimit* out) {
  Napi::Object o;
  uint64_t soft, hard;
  if (!ArgObject(info, i, "limit", &o) ||
      !ToU64(info.Env(), o.Get("soft"), "limit.soft", &soft) ||
      !ToU64(info.Env(), o.Get("hard"), "limit.hard", &hard))
    return false;
  out->rlim_cur = soft;
  out->rlim_max = hard;
  return true;
}

Napi::Value RlimitValue(Napi::Env env, const struct rlimit& rl) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("soft", Napi::BigInt::New(env, static_cast<uint64_t>(rl.rlim_cur)));
  o.Set("hard", Napi::BigInt::New(env, static_cast<uint64_t>(rl.rlim_max)));
  return o;
}

// Reads N integer arguments in one go; false (exception pending) on error.
template <size_t N>
bool ArgInts(const Info& info, const char* const (&names)[N], int64_t (&out)[N]) {
  for (size_t i = 0; i < N; i++)
    if (!ArgInt(info, i, names[i], &out[i])) return false;
  return true;
}

// Result of a call returning 0/-1: undefined, or the errno exception.
Napi::Value Done(Napi::Env env, long rc, const char* syscall, const std::string& path = {}) {
  if (rc < 0) ThrowErrno(env, errno, syscall, path);
  return env.Undefined();
}

// Result of a call returning a non-negative int (fd, flag) or -1.
Napi::Value IntResult(Napi::Env env, long rc, const char* syscall) {
  if (rc < 0) {
    ThrowErrno(env, errno, syscall);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(rc));
}

Napi::Value BoolResult(Napi::Env env, long rc, const char* syscall) {
  if (rc < 0) {
    ThrowErrno(env, errno, syscall);
    return env.Undefined();
  }
  return Napi::Boolean::New(env, rc != 0);
}

// ---- namespaces ------------------------------------------------------------

// In multi-threaded Node, flags implying CLONE_THREAD (CLONE_NEWUSER) fail
// with EINVAL, but CLONE_NEWNS (implying CLONE_FS) succeeds: the kernel copies
// this thread's fs_struct. Only the JS thread moves; libuv's thread pool,
// which runs async fs calls, stays in the old mount namespace.
Napi::Value Unshare(const Info& info) {
  int64_t flags;
  if (!ArgInt(info, 0, "flags", &flags)) return info.Env().Undefined();
  return Done(info.Env(), unshare(static_cast<int>(flags)), "unshare");
}

Napi::Value Setns(const Info& info) {
  int64_t a[2];
  if (!ArgInts(info, {"fd", "nstype"}, a)) return info.Env().Undefined();
  return Done(info.Env(), setns(static_cast<int>(a[0]), static_cast<int>(a[1])), "setns");
}

// ---- mounts ----------------------------------------------------------------

Napi::Value Mount(const Info& info) {
  std::string source, target, fstype, data;
  bool hasSource, hasFstype, hasData;
  int64_t flags;
  if (!ArgOptionalString(info, 0, "source", &source, &hasSource) ||
      !ArgString(info, 1, "target", &target) ||
      !ArgOptionalString(info, 2, "fstype", &fstype, &hasFstype) ||
      !ArgInt(info, 3, "flags", &flags) ||
      !ArgOptionalString(info, 4, "data", &data, &hasData))
    return info.Env().Undefined();
  // null must reach the kernel as NULL: for bind/remount/propagation changes
  // an empty string is not the same thing (e.g. "" as fstype is looked up).
  int rc = mount(hasSource ? source.c_str() : nullptr, target.c_str(),
                 hasFstype ? fstype.c_str() : nullptr, static_cast<unsigned long>(flags),
                 hasData ? data.c_str() : nullptr);
  return Done(info.Env(), rc, "mount", target);
}

Napi::Value Umount2(const Info& info) {
  std::string target;
  int64_t flags;
  if (!ArgString(info, 0, "target", &target) || !ArgInt(info, 1, "flags", &flags))
    return info.Env().Undefined();
  return Done(info.Env(), umount2(target.c_str(), static_cast<int>(flags)), "umount2", target);
}

Napi::Value PivotRoot(const Info& info) {
  std::string newRoot, putOld;
  if (!ArgString(info, 0, "newRoot", &newRoot) || !ArgString(info, 1, "putOld", &putOld))
    return info.Env().Undefined();
  // glibc has no pivot_root wrapper.
  long rc = kapsel_common::PivotRoot(newRoot.c_str(), putOld.c_str());
  return Done(info.Env(), rc, "pivot_root", newRoot);
}

// ---- uts -------------------------------------------------------------------

Napi::Value Sethostname(const Info& info) {
  std::string name;
  if (!ArgString(info, 0, "name", &name)) return info.Env().Undefined();
  return Done(info.Env(), sethostname(name.data(), name.size()), "sethostname");
}

Napi::Value Setdomainname(const Info& info) {
  std::string name;
  if (!ArgString(info, 0, "name", &name)) return info.Env().Undefined();
  return Done(info.Env(), setdomainname(name.data(), name.size()), "setdomainname");
}

// ---- credentials (glibc wrappers: they apply to all threads) ----------------

Napi::Value Setresuid(const Info& info) {
  int64_t a[3];
  if (!ArgInts(info, {"ruid", "euid", "suid"}, a)) return info.Env().Undefined();
  // -1 (keep unchanged) converts to (uid_t)-1 as the kernel expects.
  int rc = setresuid(static_cast<uid_t>(a[0]), static_cast<uid_t>(a[1]), static_cast<uid_t>(a[2]));
  return Done(info.Env(), rc, "setresuid");
}

Napi::Value Setresgid(const Info& info) {
  int64_t a[3];
  if (!ArgInts(info, {"rgid", "egid", "sgid"}, a)) return info.Env().Undefined();
  int rc = setresgid(static_cast<gid_t>(a[0]), static_cast<gid_t>(a[1]), static_cast<gid_t>(a[2]));
  return Done(info.Env(), rc, "setresgid");
}

Napi::Value Setgroups(const Info& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    ThrowArgError(env, "gids", "of type number[]");
    return env.Undefined();
  }
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<gid_t> gids(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) {
      ThrowArgError(env, "gids", "of type number[]");
      return env.Undefined();
    }
    gids[i] = static_cast<gid_t>(v.As<Napi::Number>().Int64Value());
  }
  return Done(env, setgroups(gids.size(), gids.data()), "setgroups");
}

// ---- capabilities ----------------------------------------------------------

// glibc has no wrapper (libcap does); common/syscalls.h calls the kernel.
Napi::Value Capget(const Info& info) {
  Napi::Env env = info.Env();
  int64_t pid;
  if (!ArgInt(info, 0, "pid", &pid)) return env.Undefined();
  kapsel_common::CapSets caps;
  if (kapsel_common::Capget(static_cast<int>(pid), &caps) < 0) {
    ThrowErrno(env, errno, "capget");
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("effective", Napi::BigInt::New(env, caps.effective));
  o.Set("permitted", Napi::BigInt::New(env, caps.permitted));
  o.Set("inheritable", Napi::BigInt::New(env, caps.inheritable));
  return o;
}

Napi::Value Capset(const Info& info) {
  Napi::Env env = info.Env();
  Napi::Object caps;
  uint64_t eff, prm, inh;
  if (!ArgObject(info, 0, "caps", &caps) ||
      !ToU64(env, caps.Get("effective"), "caps.effective", &eff) ||
      !ToU64(env, caps.Get("permitted"), "caps.permitted", &prm) ||
      !ToU64(env, caps.Get("inheritable"), "caps.inheritable", &inh))
    return env.Undefined();
  kapsel_common::CapSets sets;
  sets.effective = eff;
  sets.permitted = prm;
  sets.inheritable = inh;
  return Done(env, kapsel_common::Capset(sets), "capset");
}

// A capability number is only range-checked by the kernel (EINVAL).
bool ArgCap(const Info& info, unsigned long* cap) {
  int64_t v;
  if (!ArgInt(info, 0, "cap", &v)) return false;
  *cap = static_cast<unsigned long>(v);
  return true;
}

Napi::Value CapBoundingRead(const Info& info) {
  unsigned long cap;
  if (!ArgCap(info, &cap)) return info.Env().Undefined();
  return BoolResult(info.Env(), prctl(PR_CAPBSET_READ, cap, 0, 0, 0), "prctl");
}

Napi::Value CapBoundingDrop(const Info& info) {
  unsigned long cap;
  if (!ArgCap(info, &cap)) return info.Env().Undefined();
  return Done(info.Env(), prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "prctl");
}

Napi::Value CapAmbient(const Info& info, int op) {
  unsigned long cap;
  if (!ArgCap(info, &cap)) return info.Env().Undefined();
  long rc = prctl(PR_CAP_AMBIENT, op, cap, 0, 0);
  if (op == PR_CAP_AMBIENT_IS_SET) return BoolResult(info.Env(), rc, "prctl");
  return Done(info.Env(), rc, "prctl");
}

Napi::Value CapAmbientRaise(const Info& info) { return CapAmbient(info, PR_CAP_AMBIENT_RAISE); }
Napi::Value CapAmbientLower(const Info& info) { return CapAmbient(info, PR_CAP_AMBIENT_LOWER); }
Napi::Value CapAmbientIsSet(const Info& info) { return CapAmbient(info, PR_CAP_AMBIENT_IS_SET); }

Napi::Value CapAmbientClearAll(const Info& info) {
  return Done(info.Env(), prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl");
}

// ---- other prctl flags -----------------------------------------------------

Napi::Value SetNoNewPrivs(const Info& info) {
  return Done(info.Env(), prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl");
}

Napi::Value GetNoNewPrivs(const Info& info) {
  return BoolResult(info.Env(), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), "prctl");
}

Napi::Value SetPdeathsig(const Info& info) {
  int64_t sig;
  if (!ArgInt(info, 0, "signal", &sig)) return info.Env().Undefined();
  return Done(info.Env(), prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(sig), 0, 0, 0), "prctl");
}

Napi::Value GetPdeathsig(const Info& info) {
  int sig = 0;  // returned through a pointer, unlike the other getters
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0) {
    ThrowErrno(info.Env(), errno, "prctl");
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), sig);
}

Napi::Value SetKeepCaps(const Info& info) {
  bool keep;
  if (!ArgBool(info, 0, "keep", &keep)) return info.Env().Undefined();
  return Done(info.Env(), prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0), "prctl");
}

Napi::Value GetKeepCaps(const Info& info) {
  return BoolResult(info.Env(), prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), "prctl");
}

// ---- resource limits (per process, so threads do not matter) ---------------

Napi::Value Getrlimit(const Info& info) {
  int64_t resource;
  if (!ArgInt(info, 0, "resource", &resource)) return info.Env().Undefined();
  struct rlimit rl;
  if (getrlimit(static_cast<int>(resource), &rl) < 0) {
    ThrowErrno(info.Env(), errno, "getrlimit");
    return info.Env().Undefined();
  }
  return RlimitValue(info.Env(), rl);
}

Napi::Value Setrlimit(const Info& info) {
  int64_t resource;
  struct rlimit rl;
  if (!ArgInt(info, 0, "resource", &resource) || !ArgRlimit(info, 1, &rl))
    return info.Env().Undefined();
  return Done(info.Env(), setrlimit(static_cast<int>(resource), &rl), "setrlimit");
}

Napi::Value Prlimit(const Info& info) {
  Napi::Env env = info.Env();
  int64_t a[2];
  if (!ArgInts(info, {"pid", "resource"}, a)) return env.Undefined();
  bool set = info.Length() > 2 && !info[2].IsUndefined();
  struct rlimit next, old;
  if (set && !ArgRlimit(info, 2, &next)) return env.Undefined();
  // glibc declares prlimit's resource as an enum even in C++ (getrlimit: int).
  if (prlimit(static_cast<pid_t>(a[0]), static_cast<__rlimit_resource>(a[1]),
              set ? &next : nullptr, &old) < 0) {
    ThrowErrno(env, errno, "prlimit");
    return env.Undefined();
  }
  return RlimitValue(env, old);
}

// ---- processes -------------------------------------------------------------

Napi::Value PidfdOpen(const Info& info) {
  int64_t a[2];
  if (!ArgInts(info, {"pid", "flags"}, a)) return info.Env().Undefined();
  // The kernel always sets O_CLOEXEC on pidfds.
  long fd = kapsel_common::PidfdOpen(static_cast<pid_t>(a[0]), static_cast<unsigned>(a[1]));
  return IntResult(info.Env(), fd, "pidfd_open");
}

Napi::Value PidfdSendSignal(const Info& info) {
  int64_t a[2];
  if (!ArgInts(info, {"pidfd", "signal"}, a)) return info.Env().Undefined();
  long rc = kapsel_common::PidfdSendSignal(static_cast<int>(a[0]), static_cast<int>(a[1]));
  return Done(info.Env(), rc, "pidfd_send_signal");
}

// ---- files -----------------------------------------------------------------

Napi::Value Flock(const Info& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  std::string op;
  bool nonBlocking;
  if (!ArgInt(info, 0, "fd", &fd) || !ArgString(info, 1, "operation", &op) ||
      !ArgBool(info, 2, "nonBlocking", &nonBlocking))
    return env.Undefined();
  int how;
  if (op == "exclusive") how = LOCK_EX;
  else if (op == "shared") how = LOCK_SH;
  else if (op == "unlock") how = LOCK_UN;
  else {
    ThrowArgError(env, "operation", "one of 'exclusive', 'shared', 'unlock'");
    return env.Undefined();
  }
  if (nonBlocking) how |= LOCK_NB;
  int rc;
  // A blocking lock can be interrupted by a signal Node handles; just retry.
  do rc = flock(static_cast<int>(fd), how);
  while (rc < 0 && errno == EINTR);
  return Done(env, rc, "flock");
}

// openat2(2): how TypeScript reads a file of the container image (RESOLVE_IN_ROOT
// from a rootfs fd), so an absolute symlink in the image cannot name a host file.
Napi::Value Openat2(const Info& info) {
  int64_t a[4];
  std::string path;
  if (!ArgInt(info, 0, "dirfd", &a[0]) || !ArgString(info, 1, "path", &path) ||
      !ArgInt(info, 2, "flags", &a[1]) || !ArgInt(info, 3, "mode", &a[2]) ||
      !ArgInt(info, 4, "resolve", &a[3]))
    return info.Env().Undefined();
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(a[1]) | O_CLOEXEC;
  how.mode = static_cast<uint64_t>(a[2]);
  how.resolve = static_cast<uint64_t>(a[3]);
  long fd;
  do fd = syscall(SYS_openat2, static_cast<int>(a[0]), path.c_str(), &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ThrowErrno(info.Env(), errno, "openat2", path);
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

Napi::Value MemfdCreate(const Info& info) {
  std::string name;
  int64_t flags;
  if (!ArgString(info, 0, "name", &name) || !ArgInt(info, 1, "flags", &flags))
    return info.Env().Undefined();
  return IntResult(info.Env(), memfd_create(name.c_str(), static_cast<unsigned>(flags)),
                   "memfd_create");
}

}  // namespace

void InitSyscalls(Napi::Env env, Napi::Object exports) {
  static const struct {
    const char* name;
    Napi::Value (*fn)(const Info&);
  } kFunctions[] = {
      {"unshare", Unshare},
      {"setns", Setns},
      {"mount", Mount},
      {"umount2", Umount2},
      {"pivotRoot", PivotRoot},
      {"sethostname", Sethostname},
      {"setdomainname", Setdomainname},
      {"setresuid", Setresuid},
      {"setresgid", Setresgid},
      {"setgroups", Setgroups},
      {"capget", Capget},
      {"capset", Capset},
      {"capBoundingRead", CapBoundingRead},
      {"capBoundingDrop", CapBoundingDrop},
      {"capAmbientRaise", CapAmbientRaise},
      {"capAmbientLower", CapAmbientLower},
      {"capAmbientIsSet", CapAmbientIsSet},
      {"capAmbientClearAll", CapAmbientClearAll},
      {"setNoNewPrivs", SetNoNewPrivs},
      {"getNoNewPrivs", GetNoNewPrivs},
      {"setPdeathsig", SetPdeathsig},
      {"getPdeathsig", GetPdeathsig},
      {"setKeepCaps", SetKeepCaps},
      {"getKeepCaps", GetKeepCaps},
      {"getrlimit", Getrlimit},
      {"setrlimit", Setrlimit},
      {"prlimit", Prlimit},
      {"pidfdOpen", PidfdOpen},
      {"pidfdSendSignal", PidfdSendSignal},
      {"flock", Flock},
      {"memfdCreate", MemfdCreate},
      {"openat2", Openat2},
  };
  for (const auto& f : kFunctions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}

}  // namespace kapsel
