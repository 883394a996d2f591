// kapsel-init: the container's first process until it execs the user's
// program. The runtime spawns it (from a sealed memfd) inside the new
// namespaces with:
//   kapsel-init --plan-fd N --sync-fd M
// It reads the launch plan, waits for "go" (protocol.h; uid/gid maps are
// written by then), and executes the steps in order. The last step execs
// the container's process; any failure is reported with its step (fail.h).
// The plan's header (step 0, HeaderStep) says what kind of plan it is and
// which procfs to open: an exec plan (lib/plan/exec-plan.ts) has no id
// maps to wait for, so the helper is non-dumpable from the moment it knows.
//
// Or, given --pool-fd N (pool mode, pool_wait.h), it was spawned ahead of
// time into fresh namespaces and first waits on fd N for the fds of the one
// container it serves, then goes on as if started with them.
//
// Either, given --join FD:TYPE ... --join-report FD (join mode, join.h),
// first enters existing namespaces and forks the process that goes on.
//
//   kapsel-init --wire-enums
// prints the wire enums' lists (wire_enums.h) for the same test.
//
//   kapsel-init --dry-run --plan-fd N
// decodes the plan with the same step readers and prints each step as one
// JSON line instead of running it (the cross-language test of the plan
// encoding, test/unit/plan-wire.test.ts). N may be a pipe.
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../common/syscalls.h"
#include "exec_procfs.h"
#include "fail.h"
#include "join.h"
#include "proc_guard.h"
#include "protocol.h"
#include "plan_reader.h"
#include "pool_wait.h"
#include "../common/pool_protocol.h"
#include "step_types.h"
#include "step_printer.h"
#include "steps.h"

using namespace kapsel_init;

namespace {

// The runtime blocked every signal around clone, and handlers of the
// runtime (Node ignores SIGPIPE) must not leak into the container: start
// from defaults. SIGPIPE stays ignored while we write to hooks and sockets;
// the exec step restores it.
// execve already reset every caught signal to its default: only ignored
// ones survive it, so only those (`ignored`, bit sig-1) need a call.
void ResetSignals(uint64_t ignored) {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (sig <= 64 && !(ignored & (1ULL << (sig - 1)))) continue;
    signal(sig, SIG_DFL);
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// The spawner may have carried our capabilities across exec as ambient
// ones (native/addon/spawn.cc): they must not reach the container's process.
void DropCarriedCapabilities() {
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  kapsel_common::CapSets caps;
  if (kapsel_common::Capget(0, &caps) < 0) return;
  caps.inheritable = 0;
  kapsel_common::Capset(caps);
}

// As the init of a new pid namespace we are immune to every signal whose
// handler is SIG_DFL (the kernel protects namespace inits), so `kill ID
// TERM` on a created container would do nothing. Until the exec, a
// terminating signal ends the init with the shell's 128+signal status.
void OnTerminatingSignal(int sig) { _exit(128 + sig); }

void ExitOnTerminatingSignals() {
  if (getpid() != 1) return;  // elsewhere the default action already works
  const int signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
                         SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO, SIGPWR, SIGSYS};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnTerminatingSignal;
  sigfillset(&sa.sa_mask);
  for (int sig : signals) sigaction(sig, &sa, nullptr);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) sigaction(sig, &sa, nullptr);
}

// The signals this process ignores (SigIgn of its own status, read through
// the verified procfs fd `proc_self_fd`); all of them when that cannot be
// read, so that the reset then covers every signal.
uint64_t IgnoredSignals(int proc_self_fd) {
  int fd = OpenProcFile(proc_self_fd, "status", O_RDONLY | O_CLOEXEC, "/proc/self/status");
  if (fd < 0) return ~0ULL;
  // SigIgn lies ~700 bytes in; a status that does not fit (a long Groups
  // line) resets everything. Small: this stack stays resident in the wait.
  char buf[2048];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += static_cast<size_t>(n);
  close(fd);
  buf[len] = '\0';
  const char* at = strstr(buf, "\nSigIgn:\t");
  if (at == nullptr) return ~0ULL;
  char* end = nullptr;
  uint64_t mask = strtoull(at + 9, &end, 16);
  return end == at + 9 ? ~0ULL : mask;
}

bool HasFlag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], name) == 0) return true;
  return false;
}

int ArgFd(int argc, char** argv, const char* name) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], name) == 0) return atoi(argv[i + 1]);
  return -1;
}

// The procfs this process sees at start (the host's, in a copy of the
// runtime's mount namespace): an fd verified to be procfs before any plan
// step can mount over /proc.
int OpenProcfs() {
  int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) Fail("open", errno, "/proc");
  struct statfs st;
  if (fstatfs(fd, &st) < 0) Fail("fstatfs", errno, "/proc");
  if (st.f_type != PROC_SUPER_MAGIC) Fail("fstatfs", EXDEV, "/proc", "not a procfs");
  return fd;
}

// The highest capability this kernel knows, asked of the kernel itself
// (PR_CAPBSET_READ fails with EINVAL beyond it), not read from
// /proc/sys/kernel/cap_last_cap: the helper of an exec plan would read the
// container's "/proc", where a planted file saying 0 would keep every other
// capability in the bounding set.
// Valid capabilities are 0..last and every one answers, so a binary search
// finds the last in 6 calls instead of one call per capability.
int LastCap() {
  int known = 0, unknown = 64;  // PR_CAPBSET_READ(known) answers, (unknown) fails
  while (unknown - known > 1) {
    int mid = known + (unknown - known) / 2;
    if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0) known = mid;
    else unknown = mid;
  }
  return known;
}

// The procfs the header names. "host": the one this process sees (a
// create's copy of the runtime's mount namespace, or an exec into a
// container without a mount namespace of its own, whose plan chroots).
// "private": the helper of an exec plan is inside the container's mount
// namespace, whose "/proc" is never trusted (exec_procfs.h). Where there is
// none (a user namespace with no procfs in the container), the helper goes
// on without: only a step that needs one (oom_score_adj, an LSM label)
// fails, saying so (proc_guard.h).
int OpenPlanProcfs(ProcfsSource source) {
  return source == ProcfsSource::kPrivate ? OpenPrivateProcfs() : OpenProcfs();
}

// Decodes the header (step 0) into `ctx`; a plan without one is malformed.
void ReadHeader(const std::vector<Step>& steps, InitContext* ctx) {
  if (steps.empty() || steps[0].fields[0] != HeaderStep::kOp) FailPlan("the plan does not start with its header");
  StepArgs args(steps[0]);
  HeaderStep header;
  header.Visit(args);
  args.Done();
  ctx->kind = header.kind;
  ctx->proc_binds = std::move(header.proc_binds);
  ctx->procfs = header.procfs;
}

}  // namespace

// Prints the decoded plan; a malformed step fails with its index on stderr.
int DryRun(int plan_fd) {
  std::vector<Step> steps;
  std::string error;
  if (!ReadPlan(plan_fd, &steps, &error)) FailPlan(error);
  for (size_t i = 0; i < steps.size(); i++) {
    SetCurrentStep(static_cast<int>(i), steps[i].fields[0]);
    std::string line = DescribeStep(steps[i]) + "\n";
    if (write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (HasFlag(argc, argv, "--wire-enums")) {
    std::string json = WireEnumsJson() + "\n";
    return write(1, json.data(), json.size()) == static_cast<ssize_t>(json.size()) ? 0 : 1;
  }
  if (HasFlag(argc, argv, "--dry-run")) {
    int plan_fd = ArgFd(argc, argv, "--plan-fd");
    return DryRun(plan_fd < 0 ? 0 : plan_fd);
  }
  int plan_fd = ArgFd(argc, argv, "--plan-fd");
  int sync_fd = ArgFd(argc, argv, "--sync-fd");
  const int pool_fd = ArgFd(argc, argv, kapsel_common::kPoolFdFlag);
  if (pool_fd >= 0) {
    // A pooled helper may wait long, in namespaces no one else is in yet,
    // and never needs to be dumpable: the pool serves no config with a user
    // namespace, so no unprivileged runtime ever opens our /proc files to
    // write id maps. Non-dumpable from the first instruction, as a cold
    // helper is after "go": nothing may ptrace us or open our /proc files
    // while we wait or, later, hold the runtime's fds.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) _exit(1);
    WaitForHandover(pool_fd, &plan_fd, &sync_fd);
  }
  if (plan_fd < 0 || sync_fd < 0) {
    const char usage[] =
        "kapsel-init: started by the kapsel runtime only (--plan-fd N --sync-fd M)\n"
        "             kapsel-init --dry-run [--plan-fd N] prints a plan (default fd 0)\n";
    ssize_t ignored = write(2, usage, sizeof usage - 1);
    (void)ignored;
    return 2;
  }
  if (sync_fd < plan_fd) FailPlan("the sync fd lies below the plan fd");
  SetFailureChannel(sync_fd, ChannelKind::kSeqpacket);
  // The plan first: its header says whether this is an exec plan, and
  // reading our own memfd joins nothing and shows us to no one.
  std::vector<Step> steps;
  std::string error;
  if (!ReadPlan(plan_fd, &steps, &error)) FailPlan(error);
  close(plan_fd);
  InitContext ctx;
  ReadHeader(steps, &ctx);
  const bool exec_plan = ctx.kind == PlanKind::kExec;
  const bool join_mode = IsJoinMode(argc, argv);
  // A pooled helper sits in fresh namespaces made for a new container: an
  // exec plan (which enters a running one) has no business there.
  if (pool_fd >= 0 && (exec_plan || join_mode)) FailPlan("a pooled helper runs create plans only");
  // Entering a running container (an exec plan), or namespaces that others
  // are in already (join mode): nothing there may ptrace us or open our
  // /proc files while we hold the runtime's fds (see the create case
  // below). Our first act, before any namespace is joined.
  if ((exec_plan || join_mode) && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) _exit(1);
  // Returns in the forked child only, a member of the joined namespaces.
  if (join_mode && !JoinNamespacesAndFork(argc, argv) && !exec_plan) {
    // A create that joined no pid and no user namespace (a network
    // namespace by path, say) is where a create that joins nothing is: no
    // other process can see us or pass ptrace's credential checks on us
    // yet. Dumpable again until "go", as that create's init is, so that an
    // unprivileged runtime can write the maps of a new user namespace
    // (the kernel gives a non-dumpable process's /proc files to root).
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) _exit(1);
  }
  // The procfs fds first (each opened O_CLOEXEC): a create reads which
  // signals it ignores from its own status there. An exec plan or a join
  // (inside the container's namespaces) trusts no procfs for that and
  // resets every signal.
  ctx.proc_fd = OpenPlanProcfs(ctx.procfs);
  if (ctx.proc_fd >= 0) {
    ctx.proc_self_fd = OpenOwnProcDir(ctx.proc_fd, "self");
    if (ctx.proc_self_fd < 0) Fail("open", errno, "/proc/self");
  }
  const bool own_status = !exec_plan && !join_mode && ctx.procfs == ProcfsSource::kHost && ctx.proc_self_fd >= 0;
  ResetSignals(own_status ? IgnoredSignals(ctx.proc_self_fd) : ~0ULL);
  ExitOnTerminatingSignals();
  // The runtime lays out our own fds (plan, sync, exec fifo, console
  // and seccomp listener sockets) above stdio and the preserved fds, starting at the plan fd
  // (lib/plan/steps.ts helperFdLayout). They had to survive the exec into
  // us; from here on none may reach a hook or the container's process
  // (issue 8, hole 8): every one of them is close-on-exec before anything
  // else runs, and every fd we open ourselves is opened with O_CLOEXEC.
  if (syscall(SYS_close_range, static_cast<unsigned>(plan_fd), ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    Fail("close_range", errno, "", "CLOSE_RANGE_CLOEXEC from fd " + std::to_string(plan_fd));
  // A session (and process group) of our own, as runc and crun give the
  // container: a signal to the caller's process group (^C in the shell
  // that ran create) must not reach the container, and a terminal step
  // needs a session leader without a controlling terminal. Never a group
  // leader here (we are a fresh clone), so setsid cannot fail with EPERM.
  if (setsid() < 0) Fail("setsid", errno, "");

  ctx.sync_fd = sync_fd;
  ctx.last_cap = LastCap();
  if (ctx.proc_fd >= 0) {
    if (ctx.waits_for_start()) {
      ctx.proc_self_fd_dir = OpenProcFile(ctx.proc_self_fd, "fd", O_PATH | O_DIRECTORY, "/proc/self/fd");
      if (ctx.proc_self_fd_dir < 0) Fail("open", errno, "/proc/self/fd", "the exec fifo is reopened through it");
    }
  }
  GoMessage go;
  if (!ReceiveGo(sync_fd, &go)) _exit(1);  // the runtime gave up on us (or sent something else)
  ctx.has_creating_state = go.has_creating_state;
  ctx.creating_state = go.creating_state;
  ctx.has_created_state = go.has_created_state;
  ctx.created_state = go.created_state;
  ctx.seccomp_listener_message = go.seccomp_listener_message;
  // Set-up processes stay non-dumpable until the final execve (which makes
  // the container's process dumpable again): nothing in the container may
  // ptrace us or open our /proc files while we hold the runtime's fds. Not
  // earlier: the runtime writes our uid/gid maps before "go", and a
  // rootless runtime may only open /proc/PID/uid_map of a dumpable process.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_DUMPABLE");
  // Modes given in the plan are exact; the container's umask is a step.
  umask(0);
  DropCarriedCapabilities();

  for (size_t i = 0; i < steps.size(); i++) {
    SetCurrentStep(static_cast<int>(i), steps[i].fields[0]);
    ExecuteStep(ctx, steps[i]);
    // Done with: not kept through the wait for start (idle_memory.h).
    steps[i] = Step();
  }
  FailPlan("the plan ended without an exec step");
}
