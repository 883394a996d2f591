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
#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

using kapsel_common::PoolHandover;

// An array of fd numbers (args.h: each an integer from 0 to INT_MAX, checked
// as a double before any cast, so 2^32 cannot wrap round to another fd).
bool ReadFdArray(Napi::Env env, Napi::Value v, const std::string& name, std::vector<int>* out) {
  Napi::Array a;
  if (!ReadArray(env, v, name, &a, kapsel_common::kPoolMaxFds)) return false;
  for (uint32_t k = 0; k < a.Length(); k++) {
    int fd;
    if (!ReadFd(env, a.Get(k), name + "[" + std::to_string(k) + "]", &fd)) return false;
    out->push_back(fd);
  }
  return true;
}

Napi::Value PoolHandoverCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock, plan_fd, sync_fd;
  std::vector<int> fds, targets;
  if (!ArgFd(info, 0, "socket", &sock) || !ReadFdArray(env, Nth(info, 1), "fds", &fds) ||
      !ReadFdArray(env, Nth(info, 2), "targets", &targets) || !ArgFd(info, 3, "planFd", &plan_fd) ||
      !ArgFd(info, 4, "syncFd", &sync_fd))
    return env.Undefined();
  if (fds.size() != targets.size() || fds.empty()) {
    ThrowArgValue(env, "targets", "a non-empty array as long as fds", Nth(info, 2));
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
