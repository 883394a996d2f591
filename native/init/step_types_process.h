// The plan's process ops: sync points and hooks, kernel settings,
// credentials, limits, scheduling, seccomp, networking and the exec
// (step_types.h says how the structs work).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "wire_enums.h"

namespace kapsel_init {

using Strings = std::vector<std::string>;

struct SyncStep {
  static constexpr const char* kOp = "sync";
  std::string name;
  template <class V> void Visit(V& v) { v.Str("name", name); }
};

struct HookStep {
  static constexpr const char* kOp = "hook";
  HookKind kind = HookKind::kCreateContainer;
  std::string path;
  int64_t timeout = 0;
  Strings args, env;
  template <class V> void Visit(V& v) {
    v.Enum("kind", kind);
    v.Str("path", path);
    v.Int("timeout", timeout);
    v.Strs("args", args);
    v.Strs("env", env);
  }
};

struct SysctlStep {
  static constexpr const char* kOp = "sysctl";
  std::string key, value;
  template <class V> void Visit(V& v) {
    v.Str("key", key);
    v.Str("value", value);
  }
};

struct PersonalityStep {
  static constexpr const char* kOp = "personality";
  uint64_t persona = 0;
  template <class V> void Visit(V& v) { v.Uint("persona", persona); }
};

struct ConsoleStep {
  static constexpr const char* kOp = "console";
  int64_t socket_fd = -1, rows = 0, cols = 0;
  bool bind_console = true;  // false in an exec plan: /dev/console is the init's
  template <class V> void Visit(V& v) {
    v.Int("socketFd", socket_fd);
    v.Int("rows", rows);
    v.Int("cols", cols);
    v.Bool("bindConsole", bind_console);
  }
};

struct HostnameStep {
  static constexpr const char* kOp = "hostname";
  std::string name;
  template <class V> void Visit(V& v) { v.Str("name", name); }
};

struct DomainnameStep {
  static constexpr const char* kOp = "domainname";
  std::string name;
  template <class V> void Visit(V& v) { v.Str("name", name); }
};

struct RlimitStep {
  static constexpr const char* kOp = "rlimit";
  std::string type;
  int64_t resource = 0;
  uint64_t soft = 0, hard = 0;
  template <class V> void Visit(V& v) {
    v.Str("type", type);
    v.Int("resource", resource);
    v.Big("soft", soft);
    v.Big("hard", hard);
  }
};

struct BoundingStep {
  static constexpr const char* kOp = "bounding";
  uint64_t keep = 0;
  template <class V> void Visit(V& v) { v.Big("keep", keep); }
};

struct KeepCapsStep {
  static constexpr const char* kOp = "keep-caps";
  bool keep = false;
  template <class V> void Visit(V& v) { v.Bool("keep", keep); }
};

struct SetgroupsStep {
  static constexpr const char* kOp = "setgroups";
  std::vector<int64_t> gids;
  template <class V> void Visit(V& v) { v.Ints("gids", gids); }
};

struct SetresgidStep {
  static constexpr const char* kOp = "setresgid";
  int64_t gid = 0;
  template <class V> void Visit(V& v) { v.Int("gid", gid); }
};

struct SetresuidStep {
  static constexpr const char* kOp = "setresuid";
  int64_t uid = 0;
  template <class V> void Visit(V& v) { v.Int("uid", uid); }
};

struct CapsetStep {
  static constexpr const char* kOp = "capset";
  uint64_t effective = 0, permitted = 0, inheritable = 0;
  template <class V> void Visit(V& v) {
    v.Big("effective", effective);
    v.Big("permitted", permitted);
    v.Big("inheritable", inheritable);
  }
};

struct AmbientStep {
  static constexpr const char* kOp = "ambient";
  uint64_t raise = 0;
  template <class V> void Visit(V& v) { v.Big("raise", raise); }
};

struct NoNewPrivsStep {
  static constexpr const char* kOp = "no-new-privs";
  template <class V> void Visit(V&) {}
};

struct SeccompStep {
  static constexpr const char* kOp = "seccomp";
  std::string program;  // raw struct sock_filter array
  uint64_t flags = 0;
  int64_t listener_fd = -1;  // connected listener socket, or -1: no notify listener
  // The filter plainly allows the syscalls of the release before the wait
  // (idle_memory.cc; decided in lib/plan/seccomp.ts): the init may release
  // under it, right before the wait.
  bool allows_idle_release = false;
  template <class V> void Visit(V& v) {
    v.Bytes("program", program);
    v.Uint("flags", flags);
    v.Int("listenerFd", listener_fd);
    v.Bool("allowsIdleRelease", allows_idle_release);
  }
};

struct UmaskStep {
  static constexpr const char* kOp = "umask";
  int64_t mask = 0;
  template <class V> void Visit(V& v) { v.Int("mask", mask); }
};

struct ChdirStep {
  static constexpr const char* kOp = "chdir";
  std::string path;
  template <class V> void Visit(V& v) { v.Str("path", path); }
};

struct CheckExecStep {
  static constexpr const char* kOp = "check-exec";
  std::string file;
  Strings env;
  std::string search_path;
  template <class V> void Visit(V& v) {
    v.Str("file", file);
    v.Strs("env", env);
    v.Str("searchPath", search_path);
  }
};

struct WaitStartStep {
  static constexpr const char* kOp = "wait-start";
  int64_t fifo_fd = -1;
  template <class V> void Visit(V& v) { v.Int("fifoFd", fifo_fd); }
};

struct ExecStep {
  static constexpr const char* kOp = "exec";
  Strings args, env;
  std::string search_path;
  template <class V> void Visit(V& v) {
    v.Strs("args", args);
    v.Strs("env", env);
    v.Str("searchPath", search_path);
  }
};

// Writes `value` to our own /proc/thread-self/<attr> ("attr/exec",
// "attr/apparmor/exec"): the LSM label the next execve applies
// (lsm_label.cc). `what` names the config field in errors.
struct ExecLabelStep {
  static constexpr const char* kOp = "exec-label";
  std::string what, attr, value;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Str("attr", attr);
    v.Str("value", value);
  }
};

struct UnshareStep {
  static constexpr const char* kOp = "unshare";
  int64_t flags = 0;  // CLONE_NEW* flags
  template <class V> void Visit(V& v) { v.Int("flags", flags); }
};

// ---- scheduling attributes (scheduling.cc) ----------------------------------
// `what` names the config field a step comes from, for the failure message.

struct AffinityStep {
  static constexpr const char* kOp = "affinity";
  std::string what;
  std::vector<int64_t> cpus;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Ints("cpus", cpus);
  }
};

struct SchedulerStep {
  static constexpr const char* kOp = "scheduler";
  std::string what;
  uint64_t policy = 0, flags = 0;
  int64_t nice = 0, priority = 0;
  uint64_t runtime = 0, deadline = 0, period = 0;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Uint("policy", policy);
    v.Uint("flags", flags);
    v.Int("nice", nice);
    v.Int("priority", priority);
    v.Big("runtime", runtime);
    v.Big("deadline", deadline);
    v.Big("period", period);
  }
};

struct IoprioStep {
  static constexpr const char* kOp = "ioprio";
  std::string what;
  uint64_t io_class = 0;
  int64_t level = 0;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Uint("ioClass", io_class);
    v.Int("level", level);
  }
};

struct MempolicyStep {
  static constexpr const char* kOp = "mempolicy";
  std::string what;
  uint64_t mode = 0, flags = 0;
  std::vector<int64_t> nodes;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Uint("mode", mode);
    v.Uint("flags", flags);
    v.Ints("nodes", nodes);
  }
};

// The init is in the new time namespace the spawner made (time_namespace.cc).
struct CheckTimensStep {
  static constexpr const char* kOp = "check-timens";
  template <class V> void Visit(V&) {}
};

// A new network namespace's lo up (native/init/network.cc).
struct LoopbackUpStep {
  static constexpr const char* kOp = "loopback-up";
  template <class V> void Visit(V&) {}
};

// A link the runtime moved into our network namespace as `from` (before
// "go"): renamed `to`, given `addresses` (native/common/netlink.h's text
// form) and brought up, from inside (native/init/network.cc); `what` names
// the config field in errors.
struct NetdevStep {
  static constexpr const char* kOp = "netdev";
  std::string what, from, to;
  Strings addresses;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Str("from", from);
    v.Str("to", to);
    v.Strs("addresses", addresses);
  }
};

}  // namespace kapsel_init
