#include "errors.h"

#include <cerrno>
#include <cstring>

namespace kapsel {

const char* ErrnoName(int err) {
  // strerrorname_np exists from glibc 2.32; fall back to a number otherwise.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
#endif
  static thread_local char buf[16];
  snprintf(buf, sizeof buf, "E%d", err);
  return buf;
}

Napi::Error MakeErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path) {
  std::string msg = std::string(ErrnoName(err)) + ": " + strerror(err) + ", " + syscall;
  if (!path.empty()) msg += " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  return e;
}

void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path) {
  MakeErrnoError(env, err, syscall, path).ThrowAsJavaScriptException();
}

static void ThrowType(Napi::Env env, const char* name, const char* expected) {
  std::string msg = std::string("The \"") + name + "\" argument must be " + expected;
  Napi::TypeError e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  e.ThrowAsJavaScriptException();
}

bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (info.Length() <= i || !info[i].IsString()) {
    ThrowType(info.Env(), name, "of type string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  if (out->find('\0') != std::string::npos) {
    ThrowType(info.Env(), name, "a string without null bytes");
    return false;
  }
  return true;
}

bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t* out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    ThrowType(info.Env(), name, "of type number");
    return false;
  }
  *out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

bool ArgOptionalString(const Napi::CallbackInfo& info, size_t i, const char* name,
                       std::string* out, bool* present) {
  *present = false;
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return true;
  if (!ArgString(info, i, name, out)) return false;
  *present = true;
  return true;
}

}  // namespace kapsel
