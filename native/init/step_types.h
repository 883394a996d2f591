// The launch plan's vocabulary on the C++ side: one struct per op, whose
// Visit() names and orders its fields exactly once. The same Visit serves
// the decoder (StepArgs, plan_reader.h: bytes -> struct) and the dry-run
// printer (StepPrinter, step_printer.h: struct -> JSON line), so what
// `kapsel-init --dry-run` prints is what the executor would get. Field
// names are the TypeScript property names (lib/plan/steps.ts), the order is
// the one of lib/plan/encode.ts; test/unit/plan-wire.test.ts diffs the two.
//
// Field kinds: Str (UTF-8 text, never holds a NUL), Int (signed, a JSON
// number), Uint (unsigned, a JSON number: flags), Big (unsigned 64-bit, a
// TypeScript bigint: capability masks, rlimits), Bool, Strs, Ints, Bytes
// (raw bytes, any content: a BPF program).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kapsel_init {

using Strings = std::vector<std::string>;

struct RootStep {
  static constexpr const char* kOp = "root";
  std::string path;
  template <class V> void Visit(V& v) { v.Str("path", path); }
};

struct MountStep {
  static constexpr const char* kOp = "mount";
  std::string source, target, fstype;
  uint64_t flags = 0;
  std::string data;
  bool in_container = false;
  template <class V> void Visit(V& v) {
    v.Str("source", source);
    v.Str("target", target);
    v.Str("fstype", fstype);
    v.Uint("flags", flags);
    v.Str("data", data);
    v.Bool("inContainer", in_container);
  }
};

struct SetattrStep {
  static constexpr const char* kOp = "setattr";
  std::string target;
  uint64_t set = 0, clear = 0, propagation = 0;
  bool recursive = false;
  template <class V> void Visit(V& v) {
    v.Str("target", target);
    v.Uint("set", set);
    v.Uint("clear", clear);
    v.Uint("propagation", propagation);
    v.Bool("recursive", recursive);
  }
};

struct MkdirStep {
  static constexpr const char* kOp = "mkdir";
  std::string path;
  int64_t mode = 0;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Int("mode", mode);
  }
};

struct TouchStep {
  static constexpr const char* kOp = "touch";
  std::string path;
  template <class V> void Visit(V& v) { v.Str("path", path); }
};

struct MknodStep {
  static constexpr const char* kOp = "mknod";
  std::string path, type;
  int64_t mode = 0, major = 0, minor = 0, uid = 0, gid = 0;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Str("type", type);
    v.Int("mode", mode);
    v.Int("major", major);
    v.Int("minor", minor);
    v.Int("uid", uid);
    v.Int("gid", gid);
  }
};

struct SymlinkStep {
  static constexpr const char* kOp = "symlink";
  std::string target, path;
  bool replace = false;
  template <class V> void Visit(V& v) {
    v.Str("target", target);
    v.Str("path", path);
    v.Bool("replace", replace);
  }
};

// What covers a masked path is the plan's choice: a new filesystem over a
// directory, a bind of `file_source` over anything else.
struct MaskStep {
  static constexpr const char* kOp = "mask";
  std::string path;
  bool missing_ok = false;
  std::string dir_fstype;
  uint64_t dir_flags = 0;
  std::string dir_data, file_source;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Bool("missingOk", missing_ok);
    v.Str("dirFstype", dir_fstype);
    v.Uint("dirFlags", dir_flags);
    v.Str("dirData", dir_data);
    v.Str("fileSource", file_source);
  }
};

struct ReadonlyStep {
  static constexpr const char* kOp = "readonly";
  std::string path;
  bool missing_ok = false;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Bool("missingOk", missing_ok);
  }
};

struct PivotRootStep {
  static constexpr const char* kOp = "pivot-root";
  std::string rootfs;
  template <class V> void Visit(V& v) { v.Str("rootfs", rootfs); }
};

struct MoveRootStep {
  static constexpr const char* kOp = "move-root";
  std::string rootfs;
  template <class V> void Visit(V& v) { v.Str("rootfs", rootfs); }
};

struct SyncStep {
  static constexpr const char* kOp = "sync";
  std::string name;
  template <class V> void Visit(V& v) { v.Str("name", name); }
};

struct HookStep {
  static constexpr const char* kOp = "hook";
  std::string kind, path;
  int64_t timeout = 0;
  Strings args, env;
  template <class V> void Visit(V& v) {
    v.Str("kind", kind);
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

// A device in a user namespace, where mknod is refused: the host node at
// `source` (found by the runtime) is opened without following symlinks,
// checked to be the `type` major:minor device the config asks for (fstat
// type and rdev), and that fd is bound, nosuid and noexec, onto `path`.
struct BindDeviceStep {
  static constexpr const char* kOp = "bind-device";
  std::string path, type;
  int64_t major = 0, minor = 0;
  std::string source;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Str("type", type);
    v.Int("major", major);
    v.Int("minor", minor);
    v.Str("source", source);
  }
};

// A tmpfs with runc's and crun's "tmpcopyup": the directory's contents in
// the image are copied into the new tmpfs (still detached, so nothing in
// the container sees it half-filled), which then covers the directory.
struct TmpfsCopyupStep {
  static constexpr const char* kOp = "tmpfs-copyup";
  std::string target;
  uint64_t flags = 0;
  std::string data;
  template <class V> void Visit(V& v) {
    v.Str("target", target);
    v.Uint("flags", flags);
    v.Str("data", data);
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

// A host socket bound onto container path `target` (the runtime's
// NOTIFY_SOCKET, lib/plan/notify-socket.ts): `source` opened O_PATH|O_NOFOLLOW,
// bound from that fd only when it is a socket with the st_dev and st_ino
// the runtime found; `what` names it in errors (steps.cc).
struct BindSocketStep {
  static constexpr const char* kOp = "bind-socket";
  std::string what, source;
  uint64_t dev = 0, ino = 0;
  std::string target;
  template <class V> void Visit(V& v) {
    v.Str("what", what);
    v.Str("source", source);
    v.Big("dev", dev);
    v.Big("ino", ino);
    v.Str("target", target);
  }
};

// Attaches a detached mount the runtime made and passed as inherited fd
// `fd` (an id-mapped bind: native/addon/idmap.cc) onto container path
// `target`; `source` names it in errors (idmap_mount.cc).
struct AttachTreeStep {
  static constexpr const char* kOp = "attach-tree";
  int64_t fd = -1;
  std::string source, target;
  template <class V> void Visit(V& v) {
    v.Int("fd", fd);
    v.Str("source", source);
    v.Str("target", target);
  }
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

// chroot into a host directory, no mount made: a container in the runtime's
// mount namespace (lib/plan/mount-namespace.ts), or an exec into one.
struct ChrootStep {
  static constexpr const char* kOp = "chroot";
  std::string rootfs;
  template <class V> void Visit(V& v) { v.Str("rootfs", rootfs); }
};

// Fails when the init's namespace of kind `ns` ("mnt", "net", "ipc", "uts":
// its /proc/self/ns name) is one of the host's (parallel lists: nsfs st_dev
// and st_ino), before a joined one gets a mount, a sysctl or a name.
struct CheckNsStep {
  static constexpr const char* kOp = "check-ns";
  std::string ns;
  std::vector<int64_t> forbidden_devs, forbidden_inodes;
  template <class V> void Visit(V& v) {
    v.Str("ns", ns);
    v.Ints("forbiddenDevs", forbidden_devs);
    v.Ints("forbiddenInodes", forbidden_inodes);
  }
};

// Every op, for dispatch by name: With(op, f) calls f(S{}) for the struct
// whose kOp is `op` and returns whether there was one.
template <class... S>
struct StepList {
  template <class F>
  static bool With(const std::string& op, F&& f) {
    return ((op == S::kOp ? (f(S{}), true) : false) || ...);
  }
};

using AllSteps =
    StepList<RootStep, MountStep, SetattrStep, MkdirStep, TouchStep, MknodStep, SymlinkStep, MaskStep,
             ReadonlyStep, PivotRootStep, MoveRootStep, SyncStep, HookStep, SysctlStep, PersonalityStep,
             ConsoleStep, HostnameStep, DomainnameStep, RlimitStep, BoundingStep,
             KeepCapsStep, SetgroupsStep, SetresgidStep, SetresuidStep, CapsetStep, AmbientStep,
             NoNewPrivsStep, SeccompStep, UmaskStep, ChdirStep, CheckExecStep, WaitStartStep, ExecStep, ExecLabelStep,
             BindDeviceStep, BindSocketStep, TmpfsCopyupStep, UnshareStep, AffinityStep, SchedulerStep, IoprioStep,
             MempolicyStep, CheckTimensStep, AttachTreeStep, LoopbackUpStep, NetdevStep,
             ChrootStep, CheckNsStep>;

}  // namespace kapsel_init
