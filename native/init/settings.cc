// The ops that hand control to the runtime or set the kernel up for the
// process (settings.h).
#include "settings.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "console.h"
#include "fail.h"
#include "hooks.h"
#include "idle_memory.h"
#include "proc_guard.h"
#include "protocol.h"
#include "seccomp.h"
#include "../common/fd_message.h"

namespace kapsel_init {

// A namespace made by the init itself once the runtime set it up (the
// cgroup namespace: rooted at the cgroups the runtime placed it in).
void Run(InitContext&, const UnshareStep& s) {
  if (unshare(static_cast<int>(s.flags)) < 0) Fail("unshare", errno, "", "flags " + std::to_string(s.flags));
}

// Hands control to the runtime process (to run hooks in the runtime
// namespace) and waits for its answer.
void Run(InitContext& ctx, const SyncStep& s) {
  if (!SendRecord(ctx.sync_fd, EncodeSync(s.name))) Fail("send", errno, "", "sync " + s.name);
  // Gone: the runtime tears us down; abort: it reports the failure itself.
  if (ReceiveReply(ctx.sync_fd) != Reply::kOk) _exit(1);
}

void Run(InitContext& ctx, const HookStep& s) {
  bool starting = s.kind == HookKind::kStartContainer;
  if (!(starting ? ctx.has_created_state : ctx.has_creating_state))
    FailFor(FailReason::kPlan, "plan", EPROTO, s.path, std::string("the runtime sent no state for ") + WireName(s.kind) + " hooks");
  const std::string& state = starting ? ctx.created_state : ctx.creating_state;
  HookFailedMessage failure;
  if (!RunHook(s.path, s.args, s.env, static_cast<int>(s.timeout), state, &failure)) {
    failure.kind = s.kind;
    failure.path = s.path;
    FailHook(failure);
  }
}

// Through the procfs fd opened at start: /proc/sys shows the sysctls of
// the writer's own namespaces (net, ipc, uts) whichever procfs it is
// reached through, and no container mount can stand in for it.
// A key in the slash form ("net/ipv4/conf/eth0.100/forwarding") is a path
// already, dots and all, as runc reads it; the dotted form maps dots to
// slashes. Either way the write resolves beneath /proc/sys with no symlink
// and no "..": a key cannot reach another file.
void Run(InitContext& ctx, const SysctlStep& s) {
  std::string relative = s.key;
  if (relative.find('/') == std::string::npos) std::replace(relative.begin(), relative.end(), '.', '/');
  int sys = OpenProcFile(ctx.proc_fd, "sys", O_PATH | O_DIRECTORY, "/proc/sys");
  if (sys < 0) Fail("open", errno, "/proc/sys", "sysctl " + s.key);
  WriteProcFile(sys, relative, s.value, "/proc/sys/" + relative, "sysctl " + s.key);
  close(sys);
}

void Run(InitContext&, const PersonalityStep& s) {
  if (personality(static_cast<unsigned long>(s.persona)) < 0) Fail("personality", errno, "");
}

void Run(InitContext&, const ConsoleStep& s) {
  SetUpConsole(static_cast<int>(s.socket_fd), static_cast<int>(s.rows), static_cast<int>(s.cols), s.bind_console);
}

void Run(InitContext&, const HostnameStep& s) {
  if (sethostname(s.name.data(), s.name.size()) < 0) Fail("sethostname", errno, "");
}

void Run(InitContext&, const DomainnameStep& s) {
  if (setdomainname(s.name.data(), s.name.size()) < 0) Fail("setdomainname", errno, "");
}

// Installs a finished BPF program (compiled by the runtime) with seccomp(2).
// With a notify listener, the new listener fd goes to the listener socket
// (connected by the runtime) with the message the runtime composed; from
// here on every syscall of ours passes the filter, so this is all we do.
void Run(InitContext& ctx, const SeccompStep& s) {
  const bool notify = s.listener_fd >= 0;
  int listener = -1;
  // Before the wait for start (the filter goes in before the credentials
  // change when there is no no_new_privs), a filter that may forbid or
  // trap the release's syscalls: memory is given back now, while they are
  // still ours to call, and what runs until the wait faults a part of the
  // program back in. A filter that plainly allows them leaves the release
  // to the wait, after those steps.
  if (ctx.waits_for_start() && !ctx.started && !s.allows_idle_release) ReleaseIdleMemory();
  int err = InstallSeccompFilter(s.program, static_cast<unsigned>(s.flags), notify ? &listener : nullptr);
  if (err == 0 && !s.allows_idle_release) ctx.may_release_idle_memory = false;
  if (err == EINVAL) FailFor(FailReason::kSeccompRefused, "seccomp", err, "");
  if (err != 0) Fail("seccomp", err, "");
  if (!notify) return;
  std::string& payload = ctx.seccomp_listener_message;
  kapsel_common::FdMessage msg(&payload[0], payload.size());
  msg.Attach(listener);
  ssize_t n;
  do {
    n = sendmsg(static_cast<int>(s.listener_fd), &msg.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(payload.size())) Fail("sendmsg", n < 0 ? errno : EMSGSIZE, "", "seccomp listener socket");
  close(listener);
  close(static_cast<int>(s.listener_fd));
}

}  // namespace kapsel_init
