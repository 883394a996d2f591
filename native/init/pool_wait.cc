#include "pool_wait.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "../common/pool_protocol.h"
#include "fail.h"

namespace kapsel_init {

namespace {

using kapsel_common::kPoolMaxFds;
using kapsel_common::PoolHandover;

// Highest fd number a hand-over may name: far above any plan's table (stdio,
// preserved fds, a few of our own), far below RLIMIT_NOFILE's usual 1024.
constexpr int kMaxTarget = 1023;

// The fds of the SCM_RIGHTS messages in `msg`, at most `max`; -1: more than that.
int TakeReceivedFds(msghdr* msg, int* out, int max) {
  int n = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (n >= max) {
        close(fd);
        return -1;
      }
      out[n++] = fd;
    }
  }
  return n;
}

// What the hand-over says must be a table we can lay out: every target in
// range, distinct, none the sync fd's, the plan fd among them.
const char* CheckTargets(const PoolHandover& h) {
  if (h.sync_fd < 0 || h.sync_fd > kMaxTarget) return "the pool hand-over's sync fd is out of range";
  bool seen[kMaxTarget + 1] = {};
  seen[h.sync_fd] = true;
  bool plan_seen = false;
  for (uint32_t i = 0; i < h.count; i++) {
    int t = h.targets[i];
    if (t < 0 || t > kMaxTarget) return "a pool hand-over target is out of range";
    if (seen[t]) return "two pool hand-over fds share a target";
    seen[t] = true;
    if (t == h.plan_fd) plan_seen = true;
  }
  return plan_seen ? nullptr : "the pool hand-over carries no plan fd";
}

}  // namespace

void WaitForHandover(int pool_fd, int* plan_fd, int* sync_fd) {
  SetFailureChannel(pool_fd, ChannelKind::kSeqpacket);
  PoolHandover h;
  memset(&h, 0, sizeof h);
  alignas(cmsghdr) static char control[CMSG_SPACE(sizeof(int) * kPoolMaxFds)];
  iovec iov = {&h, sizeof h};
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  // Every signal is still blocked (the spawner's mask): only SIGKILL, the
  // pool's close, ends this wait otherwise.
  do {
    n = recvmsg(pool_fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  // The runtime closed its end without a hand-over: the pool was closed,
  // or the runtime died. Nothing was done here; nothing to report.
  if (n == 0) _exit(0);
  if (n < 0) _exit(1);
  int received[kPoolMaxFds];
  int got = TakeReceivedFds(&msg, received, static_cast<int>(kPoolMaxFds));
  const size_t head = offsetof(PoolHandover, targets);
  const char* problem = nullptr;
  if ((msg.msg_flags & MSG_CTRUNC) != 0 || got < 0) problem = "the pool hand-over carries too many fds";
  else if (static_cast<size_t>(n) < head || h.magic != kapsel_common::kPoolHandoverMagic) problem = "the pool hand-over is malformed";
  else if (h.count > kPoolMaxFds || static_cast<size_t>(n) != head + h.count * sizeof(int32_t)) problem = "the pool hand-over's length is wrong";
  else if (static_cast<uint32_t>(got) != h.count) problem = "the pool hand-over's fd count is wrong";
  else problem = CheckTargets(h);
  if (problem != nullptr) FailPlan(problem);
  // As the spawner's child does (spawn_child.cc): every source above the
  // target range first, so that placing one never clobbers another.
  int top = h.sync_fd;
  for (uint32_t i = 0; i < h.count; i++)
    if (h.targets[i] > top) top = h.targets[i];
  const int base = top + 1;
  int moved[kPoolMaxFds];
  for (int i = 0; i < got; i++) {
    moved[i] = fcntl(received[i], F_DUPFD_CLOEXEC, base);
    if (moved[i] < 0) Fail("fcntl", errno, "", "F_DUPFD_CLOEXEC of a handed-over fd");
  }
  int own = fcntl(pool_fd, F_DUPFD_CLOEXEC, base);
  if (own < 0) Fail("fcntl", errno, "", "F_DUPFD_CLOEXEC of the pool fd");
  SetFailureChannel(own, ChannelKind::kSeqpacket);
  // Nothing below `base` but what the table names: the received originals
  // and the old pool fd go, and a gap of the table stays a gap.
  if (syscall(SYS_close_range, 0U, static_cast<unsigned>(top), 0U) < 0) Fail("close_range", errno, "");
  for (int i = 0; i < got; i++)
    if (dup3(moved[i], h.targets[i], 0) < 0) Fail("dup3", errno, "", "placing a handed-over fd");
  if (dup3(own, h.sync_fd, 0) < 0) Fail("dup3", errno, "", "placing the sync fd");
  SetFailureChannel(h.sync_fd, ChannelKind::kSeqpacket);
  if (syscall(SYS_close_range, static_cast<unsigned>(base), ~0U, 0U) < 0) Fail("close_range", errno, "");
  *plan_fd = h.plan_fd;
  *sync_fd = h.sync_fd;
}

}  // namespace kapsel_init
