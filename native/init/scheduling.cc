#include "scheduling.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fail.h"

namespace kapsel_init {

namespace {

// struct sched_attr of sched_setattr(2), size SCHED_ATTR_SIZE_VER1 (with
// the utilization clamps). Declared here: glibc has no wrapper or header.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56, "SCHED_ATTR_SIZE_VER1");

// The clamps' full range: the spec gives no clamp values, so the
// SCHED_FLAG_UTIL_CLAMP_* flags leave the task unclamped.
constexpr uint32_t kSchedCapacityScale = 1024;

constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassShift = 13;

// The bits of `ids` as an array of unsigned longs (the layout of
// cpu_set_t and of set_mempolicy's nodemask).
std::vector<unsigned long> Bitmask(const std::vector<int64_t>& ids) {
  constexpr int64_t kBits = 8 * sizeof(unsigned long);
  int64_t highest = 0;
  for (int64_t id : ids) highest = id > highest ? id : highest;
  std::vector<unsigned long> mask(static_cast<size_t>(highest / kBits + 1), 0);
  for (int64_t id : ids) mask[static_cast<size_t>(id / kBits)] |= 1UL << (id % kBits);
  return mask;
}

}  // namespace

void Run(InitContext&, const AffinityStep& s) {
  if (s.cpus.empty()) FailPlan(s.what + ": no CPU");
  std::vector<unsigned long> mask = Bitmask(s.cpus);
  if (syscall(SYS_sched_setaffinity, 0, mask.size() * sizeof(unsigned long), mask.data()) < 0)
    Fail("sched_setaffinity", errno, "", s.what);
}

void Run(InitContext&, const SchedulerStep& s) {
  SchedAttr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.sched_policy = static_cast<uint32_t>(s.policy);
  attr.sched_flags = s.flags;
  attr.sched_nice = static_cast<int32_t>(s.nice);
  attr.sched_priority = static_cast<uint32_t>(s.priority);
  attr.sched_runtime = s.runtime;
  attr.sched_deadline = s.deadline;
  attr.sched_period = s.period;
  attr.sched_util_min = 0;
  attr.sched_util_max = kSchedCapacityScale;
  if (syscall(SYS_sched_setattr, 0, &attr, 0) == 0) return;
  int err = errno;
  // The plan sets the policy while the init still holds CAP_SYS_NICE
  // (before the credentials change, lib/plan/scheduling.ts), so an EPERM
  // for a real-time policy has another cause, the same for runc and crun:
  // with real-time group scheduling (cgroup v1 cpu.rt_runtime_us) the
  // kernel refuses SCHED_FIFO and SCHED_RR in a cpu cgroup without a
  // real-time budget, which a new cgroup is unless the config gives it one;
  // or the init is in a user namespace, whose CAP_SYS_NICE does not count.
  bool realtime = s.policy == SCHED_FIFO || s.policy == SCHED_RR;
  if (err == EPERM && realtime) {
    FailFor(FailReason::kRealtimeRefused, "sched_setattr", err, "", s.what);
  }
  Fail("sched_setattr", err, "", s.what);
}

void Run(InitContext&, const IoprioStep& s) {
  int value = static_cast<int>((s.io_class << kIoprioClassShift) | static_cast<uint64_t>(s.level));
  if (syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, value) < 0) Fail("ioprio_set", errno, "", s.what);
}

void Run(InitContext&, const MempolicyStep& s) {
  int mode = static_cast<int>(s.mode | s.flags);
  if (s.nodes.empty()) {
    if (syscall(SYS_set_mempolicy, mode, nullptr, 0) < 0) Fail("set_mempolicy", errno, "", s.what);
    return;
  }
  std::vector<unsigned long> mask = Bitmask(s.nodes);
  // maxnode counts bits, and the kernel reads one fewer than it is given.
  unsigned long maxnode = mask.size() * 8 * sizeof(unsigned long) + 1;
  if (syscall(SYS_set_mempolicy, mode, mask.data(), maxnode) < 0) Fail("set_mempolicy", errno, "", s.what);
}

}  // namespace kapsel_init
