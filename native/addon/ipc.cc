// Kernel objects the runtime needs that node:fs and node:net cannot make:
// the exec fifo (mkfifo) and raw socket pairs (SOCK_SEQPACKET keeps the
// message boundaries between the runtime and the init helper).
#include <napi.h>

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  int mode;
  if (!ArgString(info, 0, "path", &path) || !ArgInt32(info, 1, "mode", &mode, 0, 07777)) return env.Undefined();
  if (mkfifo(path.c_str(), static_cast<mode_t>(mode)) < 0) ThrowErrno(env, errno, "mkfifo", path);
  // mkfifo honours the umask; the mode asked for is the mode wanted.
  else if (chmod(path.c_str(), static_cast<mode_t>(mode)) < 0) ThrowErrno(env, errno, "chmod", path);
  return env.Undefined();
}

Napi::Value SocketPair(const Napi::CallbackInfo& info, int type) {
  Napi::Env env = info.Env();
  int fds[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0) {
    ThrowErrno(env, errno, "socketpair");
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, fds[0]));
  out.Set(1u, Napi::Number::New(env, fds[1]));
  return out;
}

// Runtime <-> init helper: message boundaries are the protocol's framing.
Napi::Value SeqpacketPair(const Napi::CallbackInfo& info) { return SocketPair(info, SOCK_SEQPACKET); }

// A console socket kapsel run keeps for itself (the pty master arrives on it).
Napi::Value StreamPair(const Napi::CallbackInfo& info) { return SocketPair(info, SOCK_STREAM); }

}  // namespace

void InitIpc(Napi::Env env, Napi::Object exports) {
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("seqpacketPair", Napi::Function::New(env, SeqpacketPair, "seqpacketPair"));
  exports.Set("streamPair", Napi::Function::New(env, StreamPair, "streamPair"));
}

}  // namespace kapsel
