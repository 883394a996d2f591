// Argument readers of every addon entry point, in one place (issue 20,
// item 7): a library must never crash its host process on bad input, so
// no entry point reads an argument with a bare As<T>() (a wrong type is
// undefined behaviour in node-addon-api: a crash, or garbage) or with a
// plain Int32Value()/Int64Value() (2 ** 32 wraps to 0, 1.5 truncates to
// 1, NaN becomes 0: each of them another, valid fd, or a flag nobody
// asked for). Each reader checks the type and the range and, when either
// is wrong, throws the error Node's own functions throw for it:
//   TypeError  code ERR_INVALID_ARG_TYPE   wrong type
//   TypeError  code ERR_INVALID_ARG_VALUE  right type, value not allowed
//   RangeError code ERR_OUT_OF_RANGE       a number out of its range,
//                                          or not an integer
// and returns false; the caller returns at once (exception pending).
// Values inside objects and arrays are read with the Read* forms and a
// name that is their path ("options.fds[3]").
#pragma once
#include <napi.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kapsel {

// What a wrong value was, for the message (as Node's "Received ...").
inline std::string Received(Napi::Value v) {
  if (v.IsUndefined()) return "Received undefined";
  if (v.IsNull()) return "Received null";
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "Received NaN";
    if (std::isinf(d)) return d > 0 ? "Received Infinity" : "Received -Infinity";
    char buf[40];
    snprintf(buf, sizeof buf, "Received %.17g", d);
    return buf;
  }
  if (v.IsString()) return "Received type string";
  if (v.IsBoolean()) return "Received type boolean";
  if (v.IsBigInt()) return "Received type bigint";
  if (v.IsSymbol()) return "Received type symbol";
  if (v.IsFunction()) return "Received function";
  if (v.IsArray()) return "Received an array";
  return "Received an instance of Object";
}

inline void ThrowArg(Napi::Env env, const char* code, bool range, const std::string& name,
                     const std::string& expected, Napi::Value received) {
  std::string msg = "The \"" + name + "\" argument must be " + expected + ". " + Received(received);
  Napi::Error e = range ? Napi::Error(Napi::RangeError::New(env, msg)) : Napi::Error(Napi::TypeError::New(env, msg));
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
}

inline void ThrowArgType(Napi::Env env, const std::string& name, const std::string& expected, Napi::Value v) {
  ThrowArg(env, "ERR_INVALID_ARG_TYPE", false, name, expected, v);
}
inline void ThrowArgValue(Napi::Env env, const std::string& name, const std::string& expected, Napi::Value v) {
  ThrowArg(env, "ERR_INVALID_ARG_VALUE", false, name, expected, v);
}
inline void ThrowArgRange(Napi::Env env, const std::string& name, const std::string& expected, Napi::Value v) {
  ThrowArg(env, "ERR_OUT_OF_RANGE", true, name, expected, v);
}

// The largest integer a double holds exactly (Number.MAX_SAFE_INTEGER).
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// ---- values (an argument, or a field of one) ------------------------------

// An integer number in [min, max]: NaN, +-Infinity and fractions are out of range.
inline bool ReadInt(Napi::Env env, Napi::Value v, const std::string& name, int64_t min, int64_t max, int64_t* out) {
  if (!v.IsNumber()) {
    ThrowArgType(env, name, "of type number", v);
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  // Compared as doubles before any conversion: a cast of NaN or 1e300 to an integer is undefined.
  if (!std::isfinite(d) || std::trunc(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    ThrowArgRange(env, name, "an integer >= " + std::to_string(min) + " and <= " + std::to_string(max), v);
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

inline bool ReadInt32(Napi::Env env, Napi::Value v, const std::string& name, int* out, int min = INT_MIN,
                      int max = INT_MAX) {
  int64_t n;
  if (!ReadInt(env, v, name, min, max, &n)) return false;
  *out = static_cast<int>(n);
  return true;
}

// Flags and masks the kernel takes as unsigned 32-bit values.
inline bool ReadUint32(Napi::Env env, Napi::Value v, const std::string& name, uint32_t* out) {
  int64_t n;
  if (!ReadInt(env, v, name, 0, UINT32_MAX, &n)) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

// A file descriptor: an integer from 0 to INT_MAX. Negative ones are
// refused here rather than passed on, because some calls give a negative
// fd a meaning (AT_FDCWD is -100: the runtime's own working directory).
// Whether it is open is the kernel's to say (EBADF).
inline bool ReadFd(Napi::Env env, Napi::Value v, const std::string& name, int* out) {
  return ReadInt32(env, v, name, out, 0, INT_MAX);
}

inline bool ReadString(Napi::Env env, Napi::Value v, const std::string& name, std::string* out) {
  if (!v.IsString()) {
    ThrowArgType(env, name, "of type string", v);
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  // A C string ends at the first NUL: "a\0b" would silently be "a".
  if (out->find('\0') != std::string::npos) {
    ThrowArgValue(env, name, "a string without null bytes", v);
    return false;
  }
  return true;
}

inline bool ReadBool(Napi::Env env, Napi::Value v, const std::string& name, bool* out) {
  if (!v.IsBoolean()) {
    ThrowArgType(env, name, "of type boolean", v);
    return false;
  }
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

// Masks, ids and rlimits that are full 64-bit unsigned values, hence BigInt.
inline bool ReadU64(Napi::Env env, Napi::Value v, const std::string& name, uint64_t* out) {
  if (!v.IsBigInt()) {
    ThrowArgType(env, name, "of type bigint", v);
    return false;
  }
  bool lossless = false;
  *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) {
    ThrowArgRange(env, name, "a bigint >= 0n and <= 2n ** 64n - 1n", v);
    return false;
  }
  return true;
}

inline bool ReadObject(Napi::Env env, Napi::Value v, const std::string& name, Napi::Object* out) {
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) {
    ThrowArgType(env, name, "of type object", v);
    return false;
  }
  *out = v.As<Napi::Object>();
  return true;
}

// An array of at most `max` elements (a huge one would be read element by element).
inline bool ReadArray(Napi::Env env, Napi::Value v, const std::string& name, Napi::Array* out, uint32_t max = 65536) {
  if (!v.IsArray()) {
    ThrowArgType(env, name, "an array", v);
    return false;
  }
  *out = v.As<Napi::Array>();
  if (out->Length() > max) {
    ThrowArgRange(env, name, "an array of at most " + std::to_string(max) + " elements", v);
    return false;
  }
  return true;
}

inline bool ReadBuffer(Napi::Env env, Napi::Value v, const std::string& name, Napi::Buffer<uint8_t>* out) {
  if (!v.IsBuffer()) {
    ThrowArgType(env, name, "an instance of Buffer", v);
    return false;
  }
  *out = v.As<Napi::Buffer<uint8_t>>();
  return true;
}

// ---- positional arguments -------------------------------------------------

// Argument i, or undefined when fewer were passed.
inline Napi::Value Nth(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

// Any safe integer: for the test addon's thin wrappers, which pass it on as the kernel's type.
inline bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t* out) {
  return ReadInt(info.Env(), Nth(info, i), name, -kMaxSafeInteger, kMaxSafeInteger, out);
}
inline bool ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name, int* out, int min = INT_MIN,
                     int max = INT_MAX) {
  return ReadInt32(info.Env(), Nth(info, i), name, out, min, max);
}
inline bool ArgUint32(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t* out) {
  return ReadUint32(info.Env(), Nth(info, i), name, out);
}
inline bool ArgFd(const Napi::CallbackInfo& info, size_t i, const char* name, int* out) {
  return ReadFd(info.Env(), Nth(info, i), name, out);
}
inline bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  return ReadString(info.Env(), Nth(info, i), name, out);
}
inline bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool* out) {
  return ReadBool(info.Env(), Nth(info, i), name, out);
}
inline bool ArgObject(const Napi::CallbackInfo& info, size_t i, const char* name, Napi::Object* out) {
  return ReadObject(info.Env(), Nth(info, i), name, out);
}

// Absent (undefined or null) leaves *present false.
inline bool ArgOptionalString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out,
                              bool* present) {
  *present = false;
  Napi::Value v = Nth(info, i);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!ReadString(info.Env(), v, name, out)) return false;
  *present = true;
  return true;
}

// Absent (undefined) keeps *out (the default).
inline bool ArgOptionalBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool* out) {
  Napi::Value v = Nth(info, i);
  return v.IsUndefined() || ReadBool(info.Env(), v, name, out);
}

}  // namespace kapsel
