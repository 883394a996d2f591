// poolHandover(socket, fds, targets, planFd, syncFd): hands a container's
// fd table to a pooled init helper waiting on the other end of `socket`
// (native/common/pool_protocol.h; lib/container/pool.ts). One message:
// every fd in SCM_RIGHTS, the helper's fd number for each in the payload.
#include <napi.h>

#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "../common/pool_protocol.h"
#include "errors.h"

namespace kapsel {

namespace {

using kapsel_common::PoolHandover;

// An array of whole numbers in [min, INT_MAX], checked as doubles (Int32Value
// would wrap 2^32 to 0 and pass another fd).
bool ReadIntArray(const Napi::CallbackInfo& info, size_t i, const char* name, int min, std::vector<int>* out) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsArray()) {
    Napi::TypeError::New(env, std::string("The \"") + name + "\" argument must be an array of numbers").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array a = info[i].As<Napi::Array>();
  if (a.Length() > kapsel_common::kPoolMaxFds) {
    Napi::RangeError::New(env, std::string("poolHandover: ") + name + " has more than " + std::to_string(kapsel_common::kPoolMaxFds) + " entries").ThrowAsJavaScriptException();
    return false;
  }
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.5;
    if (!(d >= min && d <= INT_MAX) || d != static_cast<double>(static_cast<int>(d))) {
      Napi::RangeError::New(env, std::string("poolHandover: ") + name + "[" + std::to_string(k) + "] must be an integer from " + std::to_string(min)).ThrowAsJavaScriptException();
      return false;
    }
    out->push_back(static_cast<int>(d));
  }
  return true;
}

bool ReadFdNumber(const Napi::CallbackInfo& info, size_t i, const char* name, int* out) {
  int64_t v;
  if (!ArgInt(info, i, name, &v)) return false;
  if (v < 0 || v > INT_MAX) {
    Napi::RangeError::New(info.Env(), std::string("poolHandover: ") + name + " must be an fd number").ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

Napi::Value PoolHandoverCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock, plan_fd, sync_fd;
  std::vector<int> fds, targets;
  if (!ReadFdNumber(info, 0, "socket", &sock) || !ReadIntArray(info, 1, "fds", 0, &fds) ||
      !ReadIntArray(info, 2, "targets", 0, &targets) || !ReadFdNumber(info, 3, "planFd", &plan_fd) ||
      !ReadFdNumber(info, 4, "syncFd", &sync_fd))
    return env.Undefined();
  if (fds.size() != targets.size() || fds.empty()) {
    Napi::RangeError::New(env, "poolHandover: fds and targets must be non-empty and of one length").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  PoolHandover h;
  memset(&h, 0, sizeof h);
  h.magic = kapsel_common::kPoolHandoverMagic;
  h.plan_fd = plan_fd;
  h.sync_fd = sync_fd;
  h.count = static_cast<uint32_t>(fds.size());
  for (size_t k = 0; k < targets.size(); k++) h.targets[k] = targets[k];
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()), 0);
  iovec iov = {&h, offsetof(PoolHandover, targets) + fds.size() * sizeof(int32_t)};
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    ThrowErrno(env, errno, "sendmsg");
    return env.Undefined();
  }
  // SOCK_SEQPACKET: one datagram, whole or not at all.
  return env.Undefined();
}

}  // namespace

void InitSpawnPool(Napi::Env env, Napi::Object exports) {
  exports.Set("poolHandover", Napi::Function::New(env, PoolHandoverCall, "poolHandover"));
}

}  // namespace kapsel
