// spawn(): starts the init helper directly inside new namespaces, or in
// the runtime's own namespaces to join existing ones itself.
//
// Node is multi-threaded, so it can never unshare/setns its own mount or user
// namespace, and after a plain fork() only async-signal-safe calls are
// allowed. So the child is created with clone(CLONE_VM | CLONE_VFORK): it
// shares our memory (no page-table copy, the calling thread sleeps until the
// child execs) and does nothing but raw syscalls on data prepared here before
// the clone: dup3, close_range, execveat (and, for new namespaces, the clone
// flags themselves). It execs the executable from a sealed memfd copy, so
// nothing in the container can ever reach the host binary through
// /proc/PID/exe (CVE-2019-5736).
//
// That child never joins an existing namespace: a task that shares the
// runtime's memory must never be a member of a container's pid or user
// namespace (native/common/join_protocol.h says why, and how the helper
// does it instead). When namespaces are joined (by path, or all of a
// process's at once by its pidfd), the child execs the helper in our own
// namespaces with the join fds and a report pipe; the helper joins them,
// creates the new namespaces with a fork-semantics clone (CLONE_PARENT: the
// container init is still a child of this process, its exit status ours to
// reap through a pidfd) and reports the pid, which we read here. New
// namespaces are empty until the helper runs: creating them is safe.
//
// A new time namespace is not a clone flag here (CLONE_NEWTIME is 0x80, in
// clone()'s exit-signal byte, and a namespace entered at clone has its
// offsets fixed at zero). The child unshares it instead — that only
// changes the namespace of its future children and execs — writes the
// offsets to its timens_offsets while no process is in the namespace yet,
// and the exec then enters it (Linux 6.0+ moves an exec'ing process into
// its time_for_children; the init checks it did, step "check-timens"). In
// join mode the helper unshares it before its fork, which enters it.
#include <napi.h>

#include <climits>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <new>
#include <climits>
#include <string>
#include <vector>

#include "../common/join_protocol.h"
#include "../common/syscalls.h"
#include "cgroup_clone.h"
#include "args.h"
#include "errors.h"
#include "sealed_copy.h"
#include "spawn_child.h"

namespace kapsel {

namespace {


// What a failure in the child (or the joining helper) was about, for the
// error: the namespace a setns could not join, the fd of ours that could
// not be passed, the helper for its exec; nothing for the rest
// (capabilities, clone).
std::string FailureSubject(const std::string& syscall, int index, const std::vector<std::string>& join_names,
                           const std::vector<int>& fds, const std::string& file) {
  if (syscall == "setns" && index >= 0 && static_cast<size_t>(index) < join_names.size()) return join_names[index];
  if (syscall == "fcntl" && index >= 0 && static_cast<size_t>(index) < fds.size())
    return "fd " + std::to_string(fds[index]) + " (passed as the child's fd " + std::to_string(index) + ")";
  if (syscall == "execveat") return file;
  return std::string();
}


// NULL-terminated char* array whose strings live in `storage`.
std::vector<char*> CStrings(std::vector<std::string>& storage) {
  std::vector<char*> out;
  for (auto& s : storage) out.push_back(&s[0]);
  out.push_back(nullptr);
  return out;
}

bool ReadStringArray(Napi::Env env, Napi::Object opts, const char* key, std::vector<std::string>* out) {
  const std::string name = std::string("options.") + key;
  Napi::Array a;
  if (!ReadArray(env, opts.Get(key), name, &a)) return false;
  for (uint32_t i = 0; i < a.Length(); i++) {
    std::string item;
    if (!ReadString(env, a.Get(i), name + "[" + std::to_string(i) + "]", &item)) return false;
    out->push_back(std::move(item));
  }
  return true;
}

// One spawn: its options, read on the JS thread (ParseSpawn), the clone,
// which may run on any thread (RunSpawn: no N-API there), and its outcome.
struct SpawnJob {
  std::string file;
  std::vector<std::string> argv_s, env_s;
  std::vector<int> fds;
  int clone_flags = 0;
  int cgroup_fd = -1;
  bool clone_fork_semantics = false;  // tests only: see ParseSpawn
  bool new_time_ns = false;
  std::string time_offsets;
  std::string oom_score_adj;  // empty: not set
  std::vector<int> opened_fds;
  std::vector<std::string> join_names;  // what a failed setns names: the path, or the pidfd
  // Join mode: the read end of the helper's report pipe (the write end is
  // among `fds` and `opened_fds`); -1 when nothing is joined.
  int report_fd = -1;
  int proc_fd = -1;
  int exec_fd = -1;
  // The outcome: pid and pidfd, or the failed syscall with its errno and subject.
  pid_t pid = -1;
  int pidfd = -1;
  int err = 0;
  std::string err_syscall, err_path;

  ~SpawnJob() {
    CloseOpened();
    if (report_fd >= 0) close(report_fd);
  }
  void CloseOpened() {
    for (int fd : opened_fds) close(fd);
    opened_fds.clear();
  }
  void Fail(int e, const std::string& syscall, const std::string& path = std::string()) {
    err = e;
    err_syscall = syscall;
    err_path = path;
  }
};

bool MakeSealedCopy(Napi::Env env, SpawnJob* job) {
  // The copies live in a process-wide map: made here, on the JS thread.
  int err = 0;
  job->exec_fd = SealedCopy(job->file, &err);
  if (job->exec_fd < 0) {
    ThrowErrno(env, err, "memfd_create", job->file);
    return false;
  }
  return true;
}

// Join mode (join_protocol.h): the child only execs the helper, here in
// our own namespaces; the join fds and the write end of a report pipe go
// to it as fds after the caller's, what to join and create as flags. The
// helper finds its own procfs for the time offsets (it starts in our mount
// namespace).
bool PrepareJoinMode(Napi::Env env, SpawnJob* job, const std::vector<int>& join_fds,
                     const std::vector<int>& join_types) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    ThrowErrno(env, errno, "pipe2");
    return false;
  }
  job->report_fd = report[0];
  job->opened_fds.push_back(report[1]);
  for (size_t i = 0; i < join_fds.size(); i++) {
    job->argv_s.push_back(kapsel_common::kJoinFlag);
    job->argv_s.push_back(std::to_string(job->fds.size()) + ":" + std::to_string(join_types[i]));
    job->fds.push_back(join_fds[i]);
  }
  job->argv_s.push_back(kapsel_common::kJoinReportFlag);
  job->argv_s.push_back(std::to_string(job->fds.size()));
  job->fds.push_back(report[1]);
  if (job->clone_flags != 0) {
    job->argv_s.push_back(kapsel_common::kForkFlagsFlag);
    job->argv_s.push_back(std::to_string(job->clone_flags));
  }
  if (job->new_time_ns) {
    job->argv_s.push_back(kapsel_common::kTimeOffsetsFlag);
    job->argv_s.push_back(job->time_offsets);
  }
  // The child creates no namespace: the helper's fork does.
  job->clone_flags = 0;
  job->new_time_ns = false;
  job->time_offsets.clear();
  return MakeSealedCopy(env, job);
}

// Reads and checks the options (throwing a TypeError or an errno error
// and returning false), opens the namespaces joined by path and the procfs
// for time offsets, and makes (once) the sealed copy of the executable.
bool ParseSpawn(const Napi::CallbackInfo& info, SpawnJob* job) {
  Napi::Env env = info.Env();
  Napi::Object opts;
  if (!ArgObject(info, 0, "options", &opts) || !ReadString(env, opts.Get("file"), "options.file", &job->file) ||
      !ReadStringArray(env, opts, "argv", &job->argv_s) || !ReadStringArray(env, opts, "env", &job->env_s))
    return false;
  Napi::Array fds_a;
  if (!ReadArray(env, opts.Get("fds"), "options.fds", &fds_a, 1000)) return false;
  for (uint32_t i = 0; i < fds_a.Length(); i++) {
    // -1: the child gets no fd at i (a gap the caller left in the preserved fds).
    int fd;
    if (!ReadInt32(env, fds_a.Get(i), "options.fds[" + std::to_string(i) + "]", &fd, -1)) return false;
    job->fds.push_back(fd);
  }
  // The optional fields: absent (undefined) means the default.
  Napi::Value v;
  int clone_flags = 0;
  if (!(v = opts.Get("cloneFlags")).IsUndefined() && !ReadInt32(env, v, "options.cloneFlags", &clone_flags)) return false;
  // A cgroup2 directory fd: the child is born in that cgroup (clone3).
  job->cgroup_fd = -1;
  if (!(v = opts.Get("cgroupFd")).IsUndefined() && !ReadFd(env, v, "options.cgroupFd", &job->cgroup_fd)) return false;
  // Only tests set it: on x86_64 the fork-semantics fallback of
  // cgroup_clone.cc is otherwise never run here (see lib/native/addon.ts).
  job->clone_fork_semantics = false;
  if (!(v = opts.Get("cloneForkSemantics")).IsUndefined() &&
      !ReadBool(env, v, "options.cloneForkSemantics", &job->clone_fork_semantics))
    return false;
  job->new_time_ns = (clone_flags & CLONE_NEWTIME) != 0;
  job->clone_flags = clone_flags & ~CLONE_NEWTIME;
  job->time_offsets.clear();
  if (!(v = opts.Get("timeOffsets")).IsUndefined() && !ReadString(env, v, "options.timeOffsets", &job->time_offsets))
    return false;
  if (!job->time_offsets.empty() && !job->new_time_ns) {
    ThrowArgValue(env, "options.timeOffsets", "set only with CLONE_NEWTIME in options.cloneFlags", v);
    return false;
  }

  // A namespace to join is named by a path (opened now, in the parent, so
  // that a bad path is an ordinary error with the path in it) or by a pidfd
  // of a process whose namespaces of `type` (CLONE_NEW* flags, several at
  // once) are joined with one setns (Linux 5.8+). The caller keeps its pidfd.
  std::vector<int> join_fds, join_types;
  Napi::Value join_v = opts.Get("join");
  if (!join_v.IsUndefined()) {
    Napi::Array ja;
    if (!ReadArray(env, join_v, "options.join", &ja, 64)) return false;
    for (uint32_t i = 0; i < ja.Length(); i++) {
      const std::string at = "options.join[" + std::to_string(i) + "]";
      Napi::Object j;
      int type;
      if (!ReadObject(env, ja.Get(i), at, &j) || !ReadInt32(env, j.Get("type"), at + ".type", &type, 0)) return false;
      bool by_pidfd = !j.Get("pidfd").IsUndefined();
      int fd;
      if (by_pidfd) {
        if (!ReadFd(env, j.Get("pidfd"), at + ".pidfd", &fd)) return false;
        job->join_names.push_back("pidfd " + std::to_string(fd));
      } else {
        std::string path;
        if (!ReadString(env, j.Get("path"), at + ".path", &path)) return false;
        job->join_names.push_back(path);
        fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          ThrowErrno(env, errno, "open", path);
          return false;
        }
        job->opened_fds.push_back(fd);
      }
      join_fds.push_back(fd);
      join_types.push_back(type);
    }
  }
  Napi::Value oom_v = opts.Get("oomScoreAdj");
  if (!oom_v.IsUndefined()) {
    int adj;
    if (!ReadInt32(env, oom_v, "options.oomScoreAdj", &adj, -1000, 1000)) return false;
    job->oom_score_adj = std::to_string(adj);
  }

  // The procfs the child writes its oom_score_adj and time offsets
  // through: opened and verified here, so no mount over /proc can stand in
  // for it.
  if (!job->time_offsets.empty() || !job->oom_score_adj.empty()) {
    int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct statfs st;
    if (proc_fd < 0 || fstatfs(proc_fd, &st) < 0 || st.f_type != PROC_SUPER_MAGIC) {
      int e = proc_fd < 0 ? errno : EXDEV;
      if (proc_fd >= 0) close(proc_fd);
      ThrowErrno(env, e, "open", "/proc");
      return false;
    }
    job->proc_fd = proc_fd;
    job->opened_fds.push_back(proc_fd);
  }

  if (!join_fds.empty()) return PrepareJoinMode(env, job, join_fds, join_types);

  return MakeSealedCopy(env, job);
}

// The clone itself, on data ParseSpawn prepared; touches no JS value, so it
// may run on a thread of libuv's pool. The outcome goes into the job.
// Join mode: the helper's word on what it forked, read once the child has
// exec'd it (the write end we held is closed by then, so a helper that
// dies before it writes is a short read, not a hang).
bool ReadJoinReport(int fd, kapsel_common::JoinReport* report) {
  char* out = reinterpret_cast<char*>(report);
  size_t got = 0;
  while (got < sizeof *report) {
    ssize_t n = read(fd, out + got, sizeof *report - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void RunSpawn(SpawnJob* job) {
  Stack stack;
  if (!stack.Allocate()) {
    job->Fail(errno, "mmap");
    job->CloseOpened();
    return;
  }
  std::vector<char*> argv = CStrings(job->argv_s);
  std::vector<char*> envp = CStrings(job->env_s);
  SharedPlan shared;
  ChildPlan* shared_plan = shared.Allocate();
  if (!shared_plan) {
    job->Fail(errno, "mmap");
    job->CloseOpened();
    return;
  }
  const std::vector<int>& fds = job->fds;
  const bool join_mode = job->report_fd >= 0;
  int clone_flags = job->clone_flags;
  int cgroup_fd = job->cgroup_fd;
  ChildPlan& plan = *shared_plan;
  plan.exec_fd = job->exec_fd;
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.fds = fds.data();
  plan.nfds = static_cast<int>(fds.size());
  plan.carry_caps = (clone_flags & CLONE_NEWUSER) != 0;
  plan.new_time_ns = job->new_time_ns;
  plan.time_offsets = job->time_offsets.data();
  plan.time_offsets_len = job->time_offsets.size();
  plan.proc_fd = job->proc_fd;
  plan.oom_score_adj = job->oom_score_adj.data();
  plan.oom_score_adj_len = job->oom_score_adj.size();

  // No signal handler of Node may run in the child while it shares our
  // memory: block everything around the clone. The child inherits the mask
  // across exec; the init helper resets dispositions and unblocks.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid;
  if (cgroup_fd >= 0) {
    // In join mode the helper's fork inherits the cgroup it is born in.
    pid = CloneIntoCgroup(ExecChild, &plan, clone_flags, cgroup_fd, stack.Bottom(), kStackSize, job->clone_fork_semantics);
  } else {
    pid = clone(ExecChild, stack.Top(), clone_flags | CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  }
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  job->CloseOpened();
  if (pid < 0) {
    job->Fail(clone_errno, cgroup_fd >= 0 ? "clone3" : "clone");
    return;
  }
  if (plan.failed_errno != 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    const char* failed = plan.failed_syscall ? plan.failed_syscall : "clone";
    job->Fail(plan.failed_errno, failed,
              plan.failed_path ? plan.failed_path : FailureSubject(failed, plan.failed_index, job->join_names, fds, job->file));
    return;
  }
  pid_t final_pid = pid;
  if (join_mode) {
    // The helper reports, then exits: reap it either way.
    kapsel_common::JoinReport report;
    bool reported = ReadJoinReport(job->report_fd, &report);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!reported) {
      job->Fail(EPROTO, "clone", "the init helper exited before it joined the namespaces");
      return;
    }
    if (report.err != 0) {
      const char* failed = kapsel_common::JoinStepSyscall(report.step);
      const std::string subject = report.step == kapsel_common::JoinStep::kOpen || report.step == kapsel_common::JoinStep::kWrite
                                      ? std::string("/proc/self/timens_offsets")
                                      : FailureSubject(failed, report.join_index, job->join_names, fds, job->file);
      job->Fail(report.err, failed, subject);
      return;
    }
    final_pid = report.pid;
  }
  // The process is our child and unreaped, so its pid cannot be reused yet.
  int pidfd = kapsel_common::PidfdOpen(final_pid, 0);
  if (pidfd < 0) {
    int e = errno;
    kill(final_pid, SIGKILL);
    int status;
    while (waitpid(final_pid, &status, 0) < 0 && errno == EINTR) {}
    job->Fail(e, "pidfd_open");
    return;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  job->pid = final_pid;
  job->pidfd = pidfd;
}

Napi::Object SpawnResult(Napi::Env env, const SpawnJob& job) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, job.pid));
  result.Set("pidfd", Napi::Number::New(env, job.pidfd));
  return result;
}

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SpawnJob job;
  if (!ParseSpawn(info, &job)) return env.Undefined();
  RunSpawn(&job);
  if (job.err != 0) {
    ThrowErrno(env, job.err, job.err_syscall.c_str(), job.err_path);
    return env.Undefined();
  }
  return SpawnResult(env, job);
}

// spawnAsync: the clone on a thread of libuv's pool. It holds that thread
// only as long as the clone, the namespaces' creation and the helper's
// exec take (CLONE_VFORK), about a millisecond, never a wait on the child;
// the JS thread meanwhile goes on with other containers.
class SpawnWorker : public Napi::AsyncWorker {
 public:
  SpawnWorker(Napi::Env env, std::unique_ptr<SpawnJob> job)
      : Napi::AsyncWorker(env, "kapsel:spawn"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { RunSpawn(job_.get()); }
  void OnOK() override {
    Napi::Env env = Env();
    if (job_->err != 0) {
      deferred_.Reject(MakeErrnoError(env, job_->err, job_->err_syscall.c_str(), job_->err_path).Value());
    } else {
      deferred_.Resolve(SpawnResult(env, *job_));
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<SpawnJob> job_;
};

Napi::Value SpawnAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<SpawnJob>();
  if (!ParseSpawn(info, job.get())) return env.Undefined();
  SpawnWorker* worker = new SpawnWorker(env, std::move(job));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void InitSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnAsync", Napi::Function::New(env, SpawnAsync, "spawnAsync"));
}

// Test addon only (test_module.cc): the synchronous spawn, on the JS
// thread, for tests that run the helper by hand.
void InitSpawnTest(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
}

}  // namespace kapsel
