// The hand-over of a container to a pooled init helper (lib/container/pool.ts).
// A pooled helper was spawned ahead of time (`kapsel-init --pool-fd N`),
// in fresh namespaces, holding no fd but its end of a SOCK_SEQPACKET pair
// (fd N). At create the runtime sends it one message: this header as the
// payload and, as SCM_RIGHTS, the fds of the container's fd table (every
// slot but the sync socket, which is the helper's own pool fd), in the
// order of `targets`. The helper puts each at its target number, its pool
// fd at `sync_fd`, and goes on exactly as a cold helper started with
// `--plan-fd plan_fd --sync-fd sync_fd`. Header-only: the addon and the
// init helper both use it.
#pragma once
#include <cstdint>

namespace kapsel_common {

constexpr const char* kPoolFdFlag = "--pool-fd";
constexpr uint32_t kPoolHandoverMagic = 0x3148504b;  // "KPH1", little endian
// SCM_MAX_FD: what one message can carry. A table with more fds is not
// served by a pool (the runtime creates that container cold).
constexpr uint32_t kPoolMaxFds = 253;

struct PoolHandover {
  uint32_t magic;
  int32_t plan_fd;
  int32_t sync_fd;
  uint32_t count;  // fds attached, and entries of `targets` used
  int32_t targets[kPoolMaxFds];
};

}  // namespace kapsel_common
