// Node-style system errors for the addon: every wrapper that fails throws an
// Error whose `code` is the errno name ("EPERM"), with numeric `errno`
// (negative, as Node's own SystemError), `syscall` and, where a path was
// involved, `path`. The TypeScript layer wraps these into SyscallError.
#pragma once
#include <napi.h>
#include <string>

namespace kapsel {

// Name of an errno value ("ENOENT"), or "E<number>" for unknown ones.
const char* ErrnoName(int err);

// Builds the error object (does not throw).
Napi::Error MakeErrnoError(Napi::Env env, int err, const char* syscall,
                           const std::string& path = std::string());

// Throws it as a JS exception; callers return env.Undefined() afterwards.
void ThrowErrno(Napi::Env env, int err, const char* syscall,
                const std::string& path = std::string());

}  // namespace kapsel
