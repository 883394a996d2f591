// Seccomp for the runtime process: compiling a rule set into a classic BPF
// program with libseccomp, probing what the kernel supports, and the ioctls a
// notify agent needs. Policy (which rules, which errno, the ENOSYS prefix)
// lives in lib/seccomp; this file only turns numbers into a program.
//
// libseccomp is loaded at run time with dlopen("libseccomp.so.2") and called
// through the project's own declarations of the few functions below, so that
// building kapsel needs no libseccomp-dev (only libseccomp2 at run time), and
// a process that never uses seccomp never loads it. The declarations follow
// seccomp.h of libseccomp 2.5 (the ABI of the .so.2 soname is stable).
//
// Only the program is taken from libseccomp: the filter flags (LOG,
// SPEC_ALLOW, ...) are arguments of seccomp(2), which the init helper passes
// itself, so libseccomp's CTL_LOG/CTL_SSB/CTL_TSYNC attributes (which only
// act in seccomp_load, never called here) are not set.
#include <napi.h>

#include <dlfcn.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

// ---- the project's declarations of libseccomp's ABI -------------------------

using scmp_filter_ctx = void*;
using scmp_datum_t = uint64_t;

// enum scmp_compare: SCMP_CMP_NE = 1 ... SCMP_CMP_MASKED_EQ = 7.
constexpr int kCmpMin = 1;
constexpr int kCmpMax = 7;

struct scmp_arg_cmp {
  unsigned int arg;
  int op;  // enum scmp_compare
  scmp_datum_t datum_a;
  scmp_datum_t datum_b;
};

struct scmp_version {
  unsigned int major;
  unsigned int minor;
  unsigned int micro;
};

// enum scmp_filter_attr values used here.
constexpr int kAttrCtlOptimize = 8;  // SCMP_FLTATR_CTL_OPTIMIZE (2 = binary tree)

struct Libseccomp {
  void* handle = nullptr;
  bool ok = false;
  std::string error;
  scmp_filter_ctx (*init)(uint32_t def_action) = nullptr;
  void (*release)(scmp_filter_ctx ctx) = nullptr;
  int (*arch_add)(scmp_filter_ctx ctx, uint32_t arch_token) = nullptr;
  uint32_t (*arch_native)() = nullptr;
  uint32_t (*arch_resolve_name)(const char* name) = nullptr;
  int (*syscall_resolve_name)(const char* name) = nullptr;
  int (*syscall_resolve_name_arch)(uint32_t arch_token, const char* name) = nullptr;
  int (*rule_add_array)(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                        const scmp_arg_cmp* arg_array) = nullptr;
  int (*attr_set)(scmp_filter_ctx ctx, int attr, uint32_t value) = nullptr;
  int (*export_bpf)(scmp_filter_ctx ctx, int fd) = nullptr;
  const scmp_version* (*version)() = nullptr;
  unsigned int (*api_get)() = nullptr;
};

template <typename T>
bool Bind(Libseccomp* lib, T* slot, const char* symbol) {
  *slot = reinterpret_cast<T>(dlsym(lib->handle, symbol));
  if (*slot == nullptr) lib->error = std::string("libseccomp.so.2 lacks ") + symbol;
  return *slot != nullptr;
}

// Opens the library and binds every symbol; `ok` false with the reason in
// `error` when either fails.
Libseccomp Open() {
  Libseccomp lib;
  lib.handle = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
  if (lib.handle == nullptr) {
    const char* why = dlerror();
    lib.error = std::string("libseccomp.so.2 could not be loaded (") + (why ? why : "unknown error") +
                "); seccomp needs the libseccomp2 package";
    return lib;
  }
  lib.ok = Bind(&lib, &lib.init, "seccomp_init") && Bind(&lib, &lib.release, "seccomp_release") &&
           Bind(&lib, &lib.arch_add, "seccomp_arch_add") && Bind(&lib, &lib.arch_native, "seccomp_arch_native") &&
           Bind(&lib, &lib.arch_resolve_name, "seccomp_arch_resolve_name") &&
           Bind(&lib, &lib.syscall_resolve_name, "seccomp_syscall_resolve_name") &&
           Bind(&lib, &lib.syscall_resolve_name_arch, "seccomp_syscall_resolve_name_arch") &&
           Bind(&lib, &lib.rule_add_array, "seccomp_rule_add_array") &&
           Bind(&lib, &lib.attr_set, "seccomp_attr_set") && Bind(&lib, &lib.export_bpf, "seccomp_export_bpf") &&
           Bind(&lib, &lib.version, "seccomp_version") && Bind(&lib, &lib.api_get, "seccomp_api_get");
  return lib;
}

// Loaded once, on the first seccomp call (a static local: initialised once
// even with worker threads); the handle stays open for the process's life.
const Libseccomp& LoadLibseccomp() {
  static const Libseccomp lib = Open();
  return lib;
}

// The library, or nullptr with an Error thrown whose code is
// ERR_SECCOMP_LIBRARY and whose message names libseccomp.so.2.
const Libseccomp* Library(Napi::Env env) {
  const Libseccomp& lib = LoadLibseccomp();
  if (lib.ok) return &lib;
  Napi::Error e = Napi::Error::New(env, lib.error);
  e.Set("code", Napi::String::New(env, "ERR_SECCOMP_LIBRARY"));
  e.ThrowAsJavaScriptException();
  return nullptr;
}

// ---- argument helpers --------------------------------------------------------

// A field of the filter spec as an unsigned 32-bit number; `path` names it ("filter.rules[3].action").
bool GetU32(Napi::Env env, Napi::Object obj, const char* key, const std::string& path, uint32_t* out) {
  return ReadUint32(env, obj.Get(key), path + "." + key, out);
}

// An errno Error that also names the rule (index into filter.rules) it came
// from, so that lib/seccomp can point at the config entry.
void ThrowRuleError(Napi::Env env, int err, const char* call, int64_t rule) {
  Napi::Error e = MakeErrnoError(env, err, call);
  if (rule >= 0) e.Set("ruleIndex", Napi::Number::New(env, static_cast<double>(rule)));
  e.ThrowAsJavaScriptException();
}

// Reads everything written to a memfd since its start.
bool ReadAll(int fd, std::vector<uint8_t>* out) {
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0 || lseek(fd, 0, SEEK_SET) < 0) return false;
  out->resize(static_cast<size_t>(size));
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// ---- library facts -------------------------------------------------------------

// seccompLibraryVersion() -> { major, minor, micro, apiLevel }
Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libseccomp* lib = Library(env);
  if (lib == nullptr) return env.Undefined();
  const scmp_version* v = lib->version();
  Napi::Object out = Napi::Object::New(env);
  out.Set("major", v->major);
  out.Set("minor", v->minor);
  out.Set("micro", v->micro);
  out.Set("apiLevel", lib->api_get());
  return out;
}

// seccompArchNative() -> the AUDIT_ARCH_* token of this process's arch.
Napi::Value ArchNative(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libseccomp* lib = Library(env);
  if (lib == nullptr) return env.Undefined();
  return Napi::Number::New(env, lib->arch_native());
}

// seccompArchResolve(name) -> AUDIT_ARCH_* token, or 0 when libseccomp does
// not know the architecture ("x86_64", "aarch64", ... libseccomp's names).
Napi::Value ArchResolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ArgString(info, 0, "name", &name)) return env.Undefined();
  const Libseccomp* lib = Library(env);
  if (lib == nullptr) return env.Undefined();
  return Napi::Number::New(env, lib->arch_resolve_name(name.c_str()));
}

// seccompSyscallResolve(name, arch) -> the syscall number of `name` on arch
// `arch` (an AUDIT_ARCH token), or with arch 0 libseccomp's number for rules
// (negative "pseudo" numbers for syscalls that exist only on other arches);
// -1 when the name is unknown.
Napi::Value SyscallResolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  uint32_t arch;
  if (!ArgString(info, 0, "name", &name) || !ArgUint32(info, 1, "arch", &arch)) return env.Undefined();
  const Libseccomp* lib = Library(env);
  if (lib == nullptr) return env.Undefined();
  int nr = arch == 0 ? lib->syscall_resolve_name(name.c_str())
                     : lib->syscall_resolve_name_arch(arch, name.c_str());
  return Napi::Number::New(env, nr);
}

// ---- compiling ---------------------------------------------------------------

struct ScopedFilter {
  const Libseccomp* lib;
  scmp_filter_ctx ctx;
  ~ScopedFilter() {
    if (ctx != nullptr) lib->release(ctx);
  }
};

// seccompCompile({ defaultAction, arches, rules: [{ syscall, action, args:
// [{ index, op, value, valueTwo }] }], optimize }) -> Buffer of struct
// sock_filter. Numbers are final: actions are SECCOMP_RET_* values with their
// data, syscalls come from seccompSyscallResolve(name, 0), ops are
// enum scmp_compare. The arches are added to the native one.
Napi::Value Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object filter;
  if (!ArgObject(info, 0, "filter", &filter)) return env.Undefined();
  const Libseccomp* lib = Library(env);
  if (lib == nullptr) return env.Undefined();

  uint32_t default_action;
  if (!GetU32(env, filter, "defaultAction", "filter", &default_action)) return env.Undefined();
  ScopedFilter f{lib, lib->init(default_action)};
  if (f.ctx == nullptr) {
    ThrowRuleError(env, EINVAL, "seccomp_init", -1);
    return env.Undefined();
  }

  Napi::Array arch_list;
  if (!ReadArray(env, filter.Get("arches"), "filter.arches", &arch_list, 64)) return env.Undefined();
  for (uint32_t i = 0; i < arch_list.Length(); i++) {
    uint32_t token;
    if (!ReadUint32(env, arch_list.Get(i), "filter.arches[" + std::to_string(i) + "]", &token)) return env.Undefined();
    int rc = lib->arch_add(f.ctx, token);
    // -EEXIST: already there (the native arch, or listed twice).
    if (rc < 0 && rc != -EEXIST) {
      ThrowRuleError(env, -rc, "seccomp_arch_add", -1);
      return env.Undefined();
    }
  }

  // A large allow-list is matched faster as a binary tree than as a linear
  // chain (libseccomp >= 2.5; older ones refuse the attribute, which is fine).
  bool optimize = false;
  Napi::Value optimize_value = filter.Get("optimize");
  if (!optimize_value.IsUndefined() && !ReadBool(env, optimize_value, "filter.optimize", &optimize)) return env.Undefined();
  if (optimize) lib->attr_set(f.ctx, kAttrCtlOptimize, 2);

  Napi::Array rules;
  if (!ReadArray(env, filter.Get("rules"), "filter.rules", &rules)) return env.Undefined();
  for (uint32_t r = 0; r < rules.Length(); r++) {
    const std::string at = "filter.rules[" + std::to_string(r) + "]";
    Napi::Object rule;
    if (!ReadObject(env, rules.Get(r), at, &rule)) return env.Undefined();
    uint32_t action;
    int syscall_nr;
    // libseccomp's pseudo numbers (syscalls of other arches only) are negative.
    if (!GetU32(env, rule, "action", at, &action) || !ReadInt32(env, rule.Get("syscall"), at + ".syscall", &syscall_nr))
      return env.Undefined();
    std::vector<scmp_arg_cmp> cmps;
    Napi::Value args = rule.Get("args");
    if (!args.IsUndefined()) {
      Napi::Array arg_list;
      if (!ReadArray(env, args, at + ".args", &arg_list, 6)) return env.Undefined();
      for (uint32_t a = 0; a < arg_list.Length(); a++) {
        const std::string arg_at = at + ".args[" + std::to_string(a) + "]";
        Napi::Object arg;
        uint32_t index, op;
        uint64_t value, value_two;
        if (!ReadObject(env, arg_list.Get(a), arg_at, &arg) || !GetU32(env, arg, "index", arg_at, &index) ||
            !GetU32(env, arg, "op", arg_at, &op) || !ReadU64(env, arg.Get("value"), arg_at + ".value", &value) ||
            !ReadU64(env, arg.Get("valueTwo"), arg_at + ".valueTwo", &value_two))
          return env.Undefined();
        if (index > 5 || op < kCmpMin || op > kCmpMax) {
          ThrowRuleError(env, EINVAL, "seccomp_rule_add", r);
          return env.Undefined();
        }
        cmps.push_back({index, static_cast<int>(op), value, value_two});
      }
    }
    int rc = lib->rule_add_array(f.ctx, action, syscall_nr, static_cast<unsigned>(cmps.size()),
                                 cmps.empty() ? nullptr : cmps.data());
    if (rc < 0) {
      ThrowRuleError(env, -rc, "seccomp_rule_add", r);
      return env.Undefined();
    }
  }

  int fd = static_cast<int>(syscall(SYS_memfd_create, "kapsel-seccomp", MFD_CLOEXEC));
  if (fd < 0) {
    ThrowErrno(env, errno, "memfd_create");
    return env.Undefined();
  }
  int rc = lib->export_bpf(f.ctx, fd);
  std::vector<uint8_t> program;
  bool read_ok = rc == 0 && ReadAll(fd, &program);
  int read_errno = errno;
  close(fd);
  if (rc < 0) {
    ThrowRuleError(env, -rc, "seccomp_export_bpf", -1);
    return env.Undefined();
  }
  if (!read_ok) {
    ThrowErrno(env, read_errno ? read_errno : EIO, "read");
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::Copy(env, program.data(), program.size());
}

// ---- kernel facts ------------------------------------------------------------

// seccompKernelActionAvailable(action) -> SECCOMP_GET_ACTION_AVAIL says yes.
Napi::Value KernelActionAvailable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t value;
  if (!ArgUint32(info, 0, "action", &value)) return env.Undefined();
  bool ok = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &value) == 0;
  return Napi::Boolean::New(env, ok);
}

// seccompKernelFlagSupported(flag) -> the kernel knows this
// SECCOMP_FILTER_FLAG_*. Probed the way libseccomp does: SET_MODE_FILTER with
// a NULL program fails with EFAULT when the flags passed the kernel's check
// (which comes first) and with EINVAL when they did not; nothing is loaded.
Napi::Value KernelFlagSupported(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t flag;
  if (!ArgUint32(info, 0, "flags", &flag)) return env.Undefined();
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr);
  return Napi::Boolean::New(env, rc < 0 && errno == EFAULT);
}

// ---- notify agents -------------------------------------------------------------

// seccompNotifReceive(listenerFd) -> the next notification, without waiting
// (EAGAIN when none is pending; the listener fd polls readable when one is):
// { id, pid, flags, nr, arch, instructionPointer, args[6] }, 64-bit values as
// bigint.
Napi::Value NotifReceive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, "listenerFd", &fd)) return env.Undefined();
  pollfd p = {fd, POLLIN, 0};
  int ready = poll(&p, 1, 0);
  if (ready < 0) {
    ThrowErrno(env, errno, "poll");
    return env.Undefined();
  }
  if (ready == 0) {
    ThrowErrno(env, EAGAIN, "ioctl");
    return env.Undefined();
  }
  seccomp_notif notif;
  // The kernel refuses a receive buffer that is not zeroed.
  memset(&notif, 0, sizeof notif);
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &notif) < 0) {
    ThrowErrno(env, errno, "ioctl");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::BigInt::New(env, static_cast<uint64_t>(notif.id)));
  out.Set("pid", Napi::Number::New(env, notif.pid));
  out.Set("flags", Napi::Number::New(env, notif.flags));
  out.Set("nr", Napi::Number::New(env, notif.data.nr));
  out.Set("arch", Napi::Number::New(env, notif.data.arch));
  out.Set("instructionPointer", Napi::BigInt::New(env, static_cast<uint64_t>(notif.data.instruction_pointer)));
  Napi::Array args = Napi::Array::New(env, 6);
  for (uint32_t i = 0; i < 6; i++) args.Set(i, Napi::BigInt::New(env, static_cast<uint64_t>(notif.data.args[i])));
  out.Set("args", args);
  return out;
}

// seccompNotifRespond(listenerFd, id, val, error, flags): the syscall of
// notification `id` returns `val`, or fails with errno `error` when it is
// not 0; flags: SECCOMP_USER_NOTIF_FLAG_CONTINUE (1) lets it run.
Napi::Value NotifRespond(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, error;
  uint32_t flags;
  uint64_t id, val;
  if (!ArgFd(info, 0, "listenerFd", &fd) || !ReadU64(env, Nth(info, 1), "id", &id) ||
      !ReadU64(env, Nth(info, 2), "val", &val) || !ArgInt32(info, 3, "error", &error, -4095, 4095) ||
      !ArgUint32(info, 4, "flags", &flags))
    return env.Undefined();
  seccomp_notif_resp resp;
  memset(&resp, 0, sizeof resp);
  resp.id = id;
  resp.val = static_cast<int64_t>(val);
  // The kernel wants the negative errno, as a syscall returns it.
  resp.error = error == 0 ? 0 : -static_cast<int32_t>(error < 0 ? -error : error);
  resp.flags = flags;
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) ThrowErrno(env, errno, "ioctl");
  return env.Undefined();
}

// seccompNotifIdValid(listenerFd, id) -> the target is still blocked in the
// notified syscall (agents check this after reading its memory, TOCTOU).
Napi::Value NotifIdValid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t id;
  if (!ArgFd(info, 0, "listenerFd", &fd) || !ReadU64(env, Nth(info, 1), "id", &id)) return env.Undefined();
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0) return Napi::Boolean::New(env, true);
  if (errno == ENOENT) return Napi::Boolean::New(env, false);
  ThrowErrno(env, errno, "ioctl");
  return env.Undefined();
}

}  // namespace

void InitSeccomp(Napi::Env env, Napi::Object exports) {
  exports.Set("seccompLibraryVersion", Napi::Function::New(env, LibraryVersion, "seccompLibraryVersion"));
  exports.Set("seccompArchNative", Napi::Function::New(env, ArchNative, "seccompArchNative"));
  exports.Set("seccompArchResolve", Napi::Function::New(env, ArchResolve, "seccompArchResolve"));
  exports.Set("seccompSyscallResolve", Napi::Function::New(env, SyscallResolve, "seccompSyscallResolve"));
  exports.Set("seccompCompile", Napi::Function::New(env, Compile, "seccompCompile"));
  exports.Set("seccompKernelActionAvailable",
              Napi::Function::New(env, KernelActionAvailable, "seccompKernelActionAvailable"));
  exports.Set("seccompKernelFlagSupported", Napi::Function::New(env, KernelFlagSupported, "seccompKernelFlagSupported"));
}

// Test addon only (test_module.cc): a seccomp agent's side of the notify
// listener, which the runtime only passes on.
void InitSeccompTest(Napi::Env env, Napi::Object exports) {
  exports.Set("seccompNotifReceive", Napi::Function::New(env, NotifReceive, "seccompNotifReceive"));
  exports.Set("seccompNotifRespond", Napi::Function::New(env, NotifRespond, "seccompNotifRespond"));
  exports.Set("seccompNotifIdValid", Napi::Function::New(env, NotifIdValid, "seccompNotifIdValid"));
}

}  // namespace kapsel
