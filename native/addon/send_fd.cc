// sendFd(socket, fd, data): sends `data` with `fd` attached (SCM_RIGHTS) over
// a connected unix stream socket. The runtime hands the seccomp listener fd
// to a notify agent this way, with the container process state as the
// payload (config-linux.md "The Container Process State": the fd travels
// with the first sendmsg only; the rest of the payload, if the socket takes
// it in pieces, follows in plain writes).
#include <napi.h>

#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "../common/fd_message.h"
#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock, fd;
  std::string data;
  if (!ArgFd(info, 0, "socket", &sock) || !ArgFd(info, 1, "fd", &fd)) return env.Undefined();
  // The payload is bytes (JSON, the container state): a NUL in it is no C-string hazard.
  if (!Nth(info, 2).IsString()) {
    ThrowArgType(env, "data", "of type string", Nth(info, 2));
    return env.Undefined();
  }
  data = info[2].As<Napi::String>().Utf8Value();
  // sendmsg needs at least one byte of payload to carry control data.
  if (data.empty()) data = " ";
  kapsel_common::FdMessage message(&data[0], data.size());
  message.Attach(fd);
  ssize_t n;
  do {
    n = sendmsg(sock, &message.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  size_t sent = n < 0 ? 0 : static_cast<size_t>(n);
  while (n >= 0 && sent < data.size()) {
    n = send(sock, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      n = 0;
      continue;
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  if (n < 0) ThrowErrno(env, errno, "sendmsg");
  return env.Undefined();
}

}  // namespace

void InitSendFd(Napi::Env env, Napi::Object exports) {
  exports.Set("sendFd", Napi::Function::New(env, SendFd, "sendFd"));
}

}  // namespace kapsel
