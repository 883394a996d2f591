// The test addon's thin syscall wrappers (test_module.cc): the syscalls
// the init helper makes in C++, one by one, for tests that probe the
// kernel's answers (test/native/syscalls.test.ts). The runtime never calls
// them; the library addon does not export them.
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
  Napi::Array arr;
  if (!ReadArray(env, Nth(info, 0), "gids", &arr)) return env.Undefined();
  std::vector<gid_t> gids(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    uint32_t gid;
    if (!ReadUint32(env, arr.Get(i), "gids[" + std::to_string(i) + "]", &gid)) return env.Undefined();
    gids[i] = static_cast<gid_t>(gid);
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
      !ReadU64(env, caps.Get("effective"), "caps.effective", &eff) ||
      !ReadU64(env, caps.Get("permitted"), "caps.permitted", &prm) ||
      !ReadU64(env, caps.Get("inheritable"), "caps.inheritable", &inh))
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

}  // namespace

using syscall_args::Export;
using syscall_args::ExportAll;

void InitSyscallsTest(Napi::Env env, Napi::Object exports) {
  static const Export kFunctions[] = {
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
  };
  ExportAll(env, exports, kFunctions);
}

}  // namespace kapsel
