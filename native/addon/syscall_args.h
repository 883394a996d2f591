// Argument and result helpers of the thin syscall wrappers (syscalls.cc,
// and syscalls_test.cc of the test addon), beyond those of args.h and errors.h.
#pragma once
#include <napi.h>

#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "args.h"
#include "errors.h"

namespace kapsel {
namespace syscall_args {

using Info = Napi::CallbackInfo;

// ---- argument helpers beyond those of args.h -------------------------------

inline bool ArgRlimit(const Info& info, size_t i, struct rlimit* out) {
  Napi::Object o;
  uint64_t soft, hard;
  if (!ArgObject(info, i, "limit", &o) || !ReadU64(info.Env(), o.Get("soft"), "limit.soft", &soft) ||
      !ReadU64(info.Env(), o.Get("hard"), "limit.hard", &hard))
    return false;
  out->rlim_cur = soft;
  out->rlim_max = hard;
  return true;
}

inline Napi::Value RlimitValue(Napi::Env env, const struct rlimit& rl) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("soft", Napi::BigInt::New(env, static_cast<uint64_t>(rl.rlim_cur)));
  o.Set("hard", Napi::BigInt::New(env, static_cast<uint64_t>(rl.rlim_max)));
  return o;
}

// Reads N integer arguments in one go; false (exception pending) on error.
template <size_t N>
inline bool ArgInts(const Info& info, const char* const (&names)[N], int64_t (&out)[N]) {
  for (size_t i = 0; i < N; i++)
    if (!ArgInt(info, i, names[i], &out[i])) return false;
  return true;
}

// Result of a call returning 0/-1: undefined, or the errno exception.
inline Napi::Value Done(Napi::Env env, long rc, const char* syscall, const std::string& path = {}) {
  if (rc < 0) ThrowErrno(env, errno, syscall, path);
  return env.Undefined();
}

// Result of a call returning a non-negative int (fd, flag) or -1.
inline Napi::Value IntResult(Napi::Env env, long rc, const char* syscall) {
  if (rc < 0) {
    ThrowErrno(env, errno, syscall);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(rc));
}

inline Napi::Value BoolResult(Napi::Env env, long rc, const char* syscall) {
  if (rc < 0) {
    ThrowErrno(env, errno, syscall);
    return env.Undefined();
  }
  return Napi::Boolean::New(env, rc != 0);
}

// A table of exported functions.
struct Export {
  const char* name;
  Napi::Value (*fn)(const Info&);
};

template <size_t N>
void ExportAll(Napi::Env env, Napi::Object exports, const Export (&functions)[N]) {
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}

}  // namespace syscall_args
}  // namespace kapsel
