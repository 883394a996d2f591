#include "hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../common/syscalls.h"
#include "fail.h"

namespace kapsel_init {

namespace {

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(&s[0]);
  out.push_back(nullptr);
  return out;
}

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

// A memfd with the state JSON, read from its start.
static int StateFile(const std::string& state_json, const std::string& hook_path) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, "kapsel-hook-state", MFD_CLOEXEC));
  if (fd < 0) Fail("memfd_create", errno, hook_path, "the hook's state on stdin");
  size_t done = 0;
  while (done < state_json.size()) {
    ssize_t n = write(fd, state_json.data() + done, state_json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail("write", errno, hook_path, "the hook's state on stdin");
    done += static_cast<size_t>(n);
  }
  if (lseek(fd, 0, SEEK_SET) < 0) Fail("lseek", errno, hook_path, "the hook's state on stdin");
  return fd;
}

bool RunHook(const std::string& path, const std::vector<std::string>& args,
             const std::vector<std::string>& env, int timeout_seconds,
             const std::string& state_json, HookFailedMessage* failure) {
  // stdin is a memfd holding the state, not a pipe: a state of any size
  // (large annotations) arrives whole, and a hook that does not read its
  // stdin cannot block us.
  int in = StateFile(state_json, path);
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) Fail("pipe", errno, path);
  std::vector<std::string> argv_s = args.empty() ? std::vector<std::string>{path} : args;
  std::vector<std::string> env_s = env;
  std::vector<char*> argv = CStrings(argv_s), envp = CStrings(env_s);
  pid_t pid = fork();
  if (pid < 0) Fail("fork", errno, path);
  if (pid == 0) {
    dup2(in, 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    signal(SIGPIPE, SIG_DFL);
    umask(022);  // the helper runs with umask 0 for exact modes; hooks get the usual one
    execve(path.c_str(), argv.data(), envp.data());
    // The helper is single-threaded: allocating after fork is safe here.
    std::string line = "exec " + path + ": " + ErrnoText(errno);
    ssize_t ignored = write(2, line.data(), line.size());
    (void)ignored;
    _exit(127);
  }
  close(in);
  close(out[1]);

  int pidfd = kapsel_common::PidfdOpen(pid, 0);
  std::string output;
  bool timed_out = false;
  int64_t deadline = timeout_seconds > 0 ? NowMs() + timeout_seconds * 1000LL : -1;
  bool out_open = true;
  for (;;) {
    struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {out[0], POLLIN, 0}};
    int wait_ms = -1;
    if (deadline >= 0) {
      int64_t left = deadline - NowMs();
      if (left <= 0) {
        kill(pid, SIGKILL);
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left);
    }
    int n = poll(fds, out_open ? 2 : 1, wait_ms);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && out_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[4096];
      ssize_t r = read(out[0], buf, sizeof buf);
      if (r <= 0) out_open = false;
      else if (output.size() < 4096) output.append(buf, static_cast<size_t>(r));
    }
    if (n > 0 && (fds[0].revents & POLLIN)) break;
  }
  close(out[0]);
  if (pidfd >= 0) close(pidfd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  failure->output = output;
  failure->timeout_seconds = timeout_seconds;
  if (timed_out) {
    failure->reason = HookFailure::kTimeout;
  } else if (WIFEXITED(status)) {
    failure->reason = HookFailure::kExit;
    failure->exit_status = WEXITSTATUS(status);
  } else {
    failure->reason = HookFailure::kSignal;
    failure->signal = WTERMSIG(status);
  }
  return false;
}

}  // namespace kapsel_init
