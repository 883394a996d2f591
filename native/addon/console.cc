// Terminal plumbing the runtime needs and node:net cannot do: unix sockets
// as raw fds (the console socket of engines is a path to connect to), and
// passing a pty master between processes with SCM_RIGHTS.
#include <napi.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../common/fd_message.h"
#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

bool FillAddress(Napi::Env env, const std::string& path, sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof addr->sun_path) {
    ThrowErrno(env, ENAMETOOLONG, "connect", path);
    return false;
  }
  memcpy(addr->sun_path, path.c_str(), path.size());
  return true;
}

// A unix SOCK_STREAM socket (close-on-exec) connected to `path`, or
// listening on it; -1 with the JS exception set on failure.
int UnixSocket(Napi::Env env, const std::string& path, bool listening) {
  sockaddr_un addr;
  if (!FillAddress(env, path, &addr)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ThrowErrno(env, errno, "socket", path);
    return -1;
  }
  const sockaddr* address = reinterpret_cast<const sockaddr*>(&addr);
  int rc;
  const char* syscall_name = listening ? "bind" : "connect";
  if (listening) {
    rc = bind(fd, address, sizeof addr);
    if (rc == 0) {
      syscall_name = "listen";
      rc = listen(fd, 8);
    }
  } else {
    do {
      rc = connect(fd, address, sizeof addr);
    } while (rc < 0 && errno == EINTR);
  }
  if (rc < 0) {
    int e = errno;
    close(fd);
    ThrowErrno(env, e, syscall_name, path);
    return -1;
  }
  return fd;
}

Napi::Value UnixSocketFunction(const Napi::CallbackInfo& info, bool listening) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgString(info, 0, "path", &path)) return env.Undefined();
  int fd = UnixSocket(env, path, listening);
  return fd < 0 ? env.Undefined() : Napi::Number::New(env, fd);
}

// The engine's console socket is a path to connect to.
Napi::Value UnixConnect(const Napi::CallbackInfo& info) { return UnixSocketFunction(info, false); }

// Tests play the engine with a listening one.
Napi::Value UnixListen(const Napi::CallbackInfo& info) { return UnixSocketFunction(info, true); }

// accept4 without waiting: EAGAIN when nobody connected.
Napi::Value UnixAccept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, "fd", &fd)) return env.Undefined();
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  int e = errno;
  fcntl(fd, F_SETFL, flags);
  if (conn < 0) {
    ThrowErrno(env, e, "accept4");
    return env.Undefined();
  }
  return Napi::Number::New(env, conn);
}

// Receives one fd sent with SCM_RIGHTS, without waiting (EAGAIN when none
// is queued). Returns { fd, data } with the message's payload as a string.
Napi::Value ReceiveFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock;
  if (!ArgFd(info, 0, "fd", &sock)) return env.Undefined();
  char payload[4096];
  kapsel_common::FdMessage message(payload, sizeof payload);
  ssize_t n;
  do {
    n = recvmsg(sock, &message.msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    ThrowErrno(env, errno, "recvmsg");
    return env.Undefined();
  }
  int fd = message.Attached();
  if (fd < 0) {
    ThrowErrno(env, EBADMSG, "recvmsg");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("data", Napi::String::New(env, payload, static_cast<size_t>(n)));
  return out;
}

Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, rows, cols;
  // struct winsize holds unsigned shorts: a bigger size would wrap to a small one.
  if (!ArgFd(info, 0, "fd", &fd) || !ArgInt32(info, 1, "rows", &rows, 0, USHRT_MAX) ||
      !ArgInt32(info, 2, "cols", &cols, 0, USHRT_MAX))
    return env.Undefined();
  winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) ThrowErrno(env, errno, "ioctl");
  return env.Undefined();
}

}  // namespace

void InitConsole(Napi::Env env, Napi::Object exports) {
  exports.Set("unixConnect", Napi::Function::New(env, UnixConnect, "unixConnect"));
  exports.Set("receiveFd", Napi::Function::New(env, ReceiveFd, "receiveFd"));
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize, "setWindowSize"));
}

// Test addon only (test_module.cc): the other end of a console or
// listener socket, which the runtime never plays.
void InitConsoleTest(Napi::Env env, Napi::Object exports) {
  exports.Set("unixListen", Napi::Function::New(env, UnixListen, "unixListen"));
  exports.Set("unixAccept", Napi::Function::New(env, UnixAccept, "unixAccept"));
}

}  // namespace kapsel
