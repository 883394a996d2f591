// The child spawn() clones (spawn.cc): it shares the runtime's memory
// (CLONE_VM | CLONE_VFORK, or a fork-semantics copy into a cgroup,
// cgroup_clone.h) and does nothing but raw syscalls on data prepared
// before the clone: the oom score, a new time namespace, capabilities
// carried across exec, its fds, execveat of the sealed helper copy.
#pragma once
#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace kapsel {

// Everything the child needs, prepared before clone. The child writes its
// failure (if any) into `failed_errno` / `failed_syscall`: shared memory,
// read by the parent once clone returns (CLONE_VFORK).
struct ChildPlan {
  int exec_fd = -1;
  char** argv = nullptr;
  char** envp = nullptr;
  const int* fds = nullptr;
  int nfds = 0;
  bool carry_caps = false;
  volatile int failed_errno = 0;
  const char* volatile failed_syscall = nullptr;
  // Which fd (fcntl) failed, so the error names it rather than the helper
  // binary; -1 when the failure is about none.
  volatile int failed_index = -1;
  // A new time namespace, and the text written to its timens_offsets
  // (lines "<clock> <secs> <nanosecs>"; empty: no offsets) through
  // `proc_fd`, the host's procfs verified before the clone.
  bool new_time_ns = false;
  const char* time_offsets = nullptr;
  size_t time_offsets_len = 0;
  int proc_fd = -1;
  // process.oomScoreAdj as text (empty: none), for self/oom_score_adj of proc_fd.
  const char* oom_score_adj = nullptr;
  size_t oom_score_adj_len = 0;
  const char* volatile failed_path = nullptr;
};

constexpr size_t kStackSize = 256 * 1024;

// The ChildPlan lives in MAP_SHARED memory: a child cloned into a cgroup
// on an architecture where cgroup_clone.cc uses fork semantics has a copy
// of our memory, not ours, and must still report its failure and the
// final pid back.
class SharedPlan {
 public:
  ~SharedPlan() {
    if (mem_ != MAP_FAILED) {
      plan_->~ChildPlan();
      munmap(mem_, sizeof(ChildPlan));
    }
  }
  ChildPlan* Allocate() {
    mem_ = mmap(nullptr, sizeof(ChildPlan), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem_ == MAP_FAILED) return nullptr;
    plan_ = new (mem_) ChildPlan();
    return plan_;
  }
 private:
  void* mem_ = MAP_FAILED;
  ChildPlan* plan_ = nullptr;
};

class Stack {
 public:
  ~Stack() { if (base_ != MAP_FAILED) munmap(base_, kStackSize); }
  bool Allocate() {
    base_ = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    return base_ != MAP_FAILED;
  }
  char* Bottom() { return static_cast<char*>(base_); }
  char* Top() { return Bottom() + kStackSize; }
 private:
  void* base_ = MAP_FAILED;
};

// Runs in the child: arrange fds 0..n-1, exec. Never returns on success;
// a failure is written into the ChildPlan `arg` and the child exits 127.
int ExecChild(void* arg);

}  // namespace kapsel
