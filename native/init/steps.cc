#include "steps.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include "console.h"
#include "fail.h"
#include "hooks.h"
#include "parent_channel.h"
#include "root_paths.h"

namespace kapsel_init {

namespace {

const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// ---- capabilities -----------------------------------------------------------

void Capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  data[0].effective = static_cast<uint32_t>(effective);
  data[1].effective = static_cast<uint32_t>(effective >> 32);
  data[0].permitted = static_cast<uint32_t>(permitted);
  data[1].permitted = static_cast<uint32_t>(permitted >> 32);
  data[0].inheritable = static_cast<uint32_t>(inheritable);
  data[1].inheritable = static_cast<uint32_t>(inheritable >> 32);
  if (syscall(SYS_capset, &header, data) < 0) Fail("capset", errno, "");
}

// ---- exec -------------------------------------------------------------------

std::string EnvValue(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& kv : env)
    if (kv.compare(0, key.size() + 1, key + "=") == 0) return kv.substr(key.size() + 1);
  return "";
}

// Go-style lower-case error text ("no such file or directory"): engines
// match these phrases (cli-contract.md), and runc prints them so.
std::string ErrorText(int err) {
  std::string text = strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool IsExecutableFile(const std::string& path, int* err) {
  struct stat st;
  if (stat(path.c_str(), &st) < 0) { *err = errno; return false; }
  if (!S_ISREG(st.st_mode)) { *err = EACCES; return false; }
  if (faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) < 0) { *err = errno; return false; }
  return true;
}

// The lookup of execvp, with the container's PATH; fails with the wording
// engines match on ("executable file not found in $PATH", cli-contract.md).
std::string FindExecutable(const std::string& name, const std::vector<std::string>& env) {
  int err = ENOENT;
  if (name.find('/') != std::string::npos) {
    if (!IsExecutableFile(name, &err))
      Fail("exec", err, name, "exec: \"" + name + "\": " + ErrorText(err));
    return name;
  }
  std::string path = EnvValue(env, "PATH");
  if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = j > i ? path.substr(i, j - i) : ".";
    std::string candidate = dir + "/" + name;
    int e = 0;
    if (IsExecutableFile(candidate, &e)) return candidate;
    i = j + 1;
  }
  Fail("exec", ENOENT, name, "exec: \"" + name + "\": executable file not found in $PATH");
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(&s[0]);
  out.push_back(nullptr);
  return out;
}

// ---- the ops ----------------------------------------------------------------

using Op = std::function<void(InitContext&, StepArgs&)>;

void OpRoot(InitContext& ctx, StepArgs& a) { ctx.root = a.Str(); }

// mount(2) onto an fd: the target was opened beneath the container root,
// so what gets mounted over is exactly what was resolved.
// Without a /proc (a container whose config mounts none, after pivot_root)
// there is no magic link to go through: the resolved path has to do.
std::string MountTarget(int fd, const ContainerPath& where) {
  return access("/proc/self/fd", F_OK) == 0 ? FdPath(fd) : where.HostPath();
}

void MountOnFd(const std::string& source, int fd, const std::string& fstype, unsigned long flags,
               const std::string& data, const ContainerPath& where) {
  if (mount(OrNull(source), MountTarget(fd, where).c_str(), OrNull(fstype), flags, OrNull(data)) < 0)
    Fail("mount", errno, where.HostPath(), source.empty() ? "" : "source " + source);
}

// An O_PATH fd of a container path that must exist.
int OpenExisting(const ContainerPath& path) {
  int fd = path.Open();
  if (fd < 0) Fail("openat2", errno, path.HostPath());
  return fd;
}

// An O_PATH fd, or -1 when the path does not exist (masked and read-only
// paths may name what an image lacks, as in runc).
int OpenIfPresent(const ContainerPath& path) {
  int fd = path.Open();
  if (fd < 0 && errno != ENOENT) Fail("openat2", errno, path.HostPath());
  return fd;
}

void SetAttributes(int fd, uint64_t set, uint64_t clear, uint64_t propagation, bool recursive,
                   const ContainerPath& where) {
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = set;
  attr.attr_clr = clear;
  attr.propagation = propagation;
  unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) < 0)
    Fail("mount_setattr", errno, where.HostPath());
}

void OpMount(InitContext& ctx, StepArgs& a) {
  std::string source = a.Str(), target = a.Str(), fstype = a.Str();
  unsigned long flags = a.U64();
  std::string data = a.Str();
  bool in_container = a.Bool();
  if (!in_container) {  // the runtime's own paths (/, the rootfs): not below the root
    if (mount(OrNull(source), target.c_str(), OrNull(fstype), flags, OrNull(data)) < 0)
      Fail("mount", errno, target, source.empty() ? "" : "source " + source);
    return;
  }
  ContainerPath path(ctx.root, target);
  int fd = OpenExisting(path);
  MountOnFd(source, fd, fstype, flags, data, path);
  close(fd);
}

// mount_setattr(2): changes attributes of an existing mount (recursively for
// rbind) without a remount, so flags that the kernel locks in a user
// namespace (nosuid, nodev, ...) never have to be restated.
void OpSetattr(InitContext& ctx, StepArgs& a) {
  ContainerPath path(ctx.root, a.Str());
  uint64_t set = a.U64(), clear = a.U64(), propagation = a.U64();
  bool recursive = a.Bool();
  int fd = OpenExisting(path);
  SetAttributes(fd, set, clear, propagation, recursive, path);
  close(fd);
}

void OpMkdir(InitContext& ctx, StepArgs& a) {
  ContainerPath path(ctx.root, a.Str());
  close(path.MkdirAll(static_cast<mode_t>(a.Int())));
}

void OpTouch(InitContext& ctx, StepArgs& a) {
  ContainerPath path(ctx.root, a.Str());
  std::string name;
  int dir = path.Parent(&name);
  int fd = openat(dir, name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno != EISDIR) Fail("open", errno, path.HostPath());
  if (fd >= 0) close(fd);
  close(dir);
}

void OpMknod(InitContext& ctx, StepArgs& a) {
  ContainerPath path(ctx.root, a.Str());
  std::string type = a.Str();
  mode_t mode = static_cast<mode_t>(a.Int());
  unsigned major_n = static_cast<unsigned>(a.Int()), minor_n = static_cast<unsigned>(a.Int());
  uid_t uid = static_cast<uid_t>(a.Int());
  gid_t gid = static_cast<gid_t>(a.Int());
  mode |= type == "b" ? S_IFBLK : type == "p" ? S_IFIFO : S_IFCHR;
  std::string name;
  int dir = path.Parent(&name);
  unlinkat(dir, name.c_str(), 0);
  if (mknodat(dir, name.c_str(), mode, makedev(major_n, minor_n)) < 0) Fail("mknod", errno, path.HostPath());
  if (fchownat(dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) Fail("chown", errno, path.HostPath());
  close(dir);
}

void OpSymlink(InitContext& ctx, StepArgs& a) {
  std::string target = a.Str();
  ContainerPath path(ctx.root, a.Str());
  std::string name;
  int dir = path.Parent(&name);
  if (symlinkat(target.c_str(), dir, name.c_str()) < 0 && errno != EEXIST) Fail("symlink", errno, path.HostPath());
  close(dir);
}

// maskedPaths: a directory gets an empty read-only tmpfs, anything else
// /dev/null bound over it. Missing paths are not an error (as in runc).
void OpMask(InitContext& ctx, StepArgs& a) {
  ContainerPath path(ctx.root, a.Str());
  int fd = OpenIfPresent(path);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) < 0) Fail("stat", errno, path.HostPath());
  if (S_ISDIR(st.st_mode)) MountOnFd("tmpfs", fd, "tmpfs", MS_RDONLY, "", path);
  else MountOnFd("/dev/null", fd, "", MS_BIND, "", path);
  close(fd);
}

// readonlyPaths: bind the path onto itself, then make that mount read-only.
void OpReadonly(InitContext& ctx, StepArgs& a) {
  ContainerPath path(ctx.root, a.Str());
  int fd = OpenIfPresent(path);
  if (fd < 0) return;
  MountOnFd(MountTarget(fd, path), fd, "", MS_BIND | MS_REC, "", path);
  close(fd);
  // The old fd still names the mount underneath: open the new one.
  fd = OpenExisting(path);
  SetAttributes(fd, MOUNT_ATTR_RDONLY, 0, 0, true, path);
  close(fd);
}

// pivot_root(".", ".") stacks the old root on top of the new one; detaching
// it (after making it a slave so the detach does not propagate to the host)
// leaves only the container's root.
void OpPivotRoot(InitContext& ctx, StepArgs& a) {
  std::string rootfs = a.Str();
  int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (old_root < 0) Fail("open", errno, "/");
  if (chdir(rootfs.c_str()) < 0) Fail("chdir", errno, rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0) Fail("pivot_root", errno, rootfs);
  if (fchdir(old_root) < 0) Fail("fchdir", errno, "/");
  close(old_root);
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) Fail("mount", errno, "old root");
  if (umount2(".", MNT_DETACH) < 0) Fail("umount2", errno, "old root");
  if (chdir("/") < 0) Fail("chdir", errno, "/");
  ctx.root.clear();
}

// --no-pivot: move the rootfs over / and chroot into it (for ramfs roots,
// where pivot_root is impossible).
void OpMoveRoot(InitContext& ctx, StepArgs& a) {
  std::string rootfs = a.Str();
  if (chdir(rootfs.c_str()) < 0) Fail("chdir", errno, rootfs);
  if (mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) Fail("mount", errno, rootfs);
  if (chroot(".") < 0) Fail("chroot", errno, rootfs);
  if (chdir("/") < 0) Fail("chdir", errno, "/");
  ctx.root.clear();
}

// Hands control to the runtime process (to run hooks in the runtime
// namespace) and waits for its answer.
void OpSync(InitContext& ctx, StepArgs& a) {
  std::string name = a.Str();
  if (!SendMessage(ctx.sync_fd, {"sync", name})) Fail("send", errno, "", "sync " + name);
  std::vector<std::string> reply;
  if (!ReceiveMessage(ctx.sync_fd, &reply)) _exit(1);  // runtime gone: it tears us down
  if (reply.empty() || reply[0] != "ok") _exit(1);     // runtime reported the failure itself
}

void OpHook(InitContext& ctx, StepArgs& a) {
  std::string kind = a.Str(), path = a.Str();
  int timeout = static_cast<int>(a.Int());
  std::vector<std::string> args = a.List(), env = a.List();
  const std::string& state = kind == "startContainer" ? ctx.created_state : ctx.creating_state;
  std::string why = RunHook(path, args, env, timeout, state);
  if (!why.empty()) Fail("hook", 0, path, kind + " hook " + path + " failed: " + why);
}

void OpSysctl(InitContext&, StepArgs& a) {
  std::string key = a.Str(), value = a.Str();
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) Fail("open", errno, path, "sysctl " + key);
  if (write(fd, value.data(), value.size()) < 0) Fail("write", errno, path, "sysctl " + key);
  close(fd);
}

void OpPersonality(InitContext&, StepArgs& a) {
  unsigned long persona = a.U64();
  if (personality(persona) < 0) Fail("personality", errno, "");
}

void OpConsole(InitContext&, StepArgs& a) {
  int socket_fd = static_cast<int>(a.Int());
  int rows = static_cast<int>(a.Int()), cols = static_cast<int>(a.Int());
  SetUpConsole(socket_fd, rows, cols);
}

void OpHostname(InitContext&, StepArgs& a) {
  const std::string& name = a.Str();
  if (sethostname(name.data(), name.size()) < 0) Fail("sethostname", errno, "");
}

void OpDomainname(InitContext&, StepArgs& a) {
  const std::string& name = a.Str();
  if (setdomainname(name.data(), name.size()) < 0) Fail("setdomainname", errno, "");
}

void OpRlimit(InitContext&, StepArgs& a) {
  int resource = static_cast<int>(a.Int());
  struct rlimit64 lim;
  lim.rlim_cur = a.U64();
  lim.rlim_max = a.U64();
  if (prlimit64(0, static_cast<__rlimit_resource>(resource), &lim, nullptr) < 0)
    Fail("prlimit", errno, "", "resource " + std::to_string(resource));
}

void OpOomScoreAdj(InitContext&, StepArgs& a) {
  std::string value = a.Str();
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) Fail("open", errno, "/proc/self/oom_score_adj");
  if (write(fd, value.data(), value.size()) < 0) Fail("write", errno, "/proc/self/oom_score_adj");
  close(fd);
}

void OpBounding(InitContext& ctx, StepArgs& a) {
  uint64_t keep = a.U64();
  for (int cap = 0; cap <= ctx.last_cap; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      Fail("prctl", errno, "", "PR_CAPBSET_DROP " + std::to_string(cap));
  }
}

void OpKeepCaps(InitContext&, StepArgs& a) {
  if (prctl(PR_SET_KEEPCAPS, a.Bool() ? 1 : 0, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_KEEPCAPS");
}

void OpSetgroups(InitContext&, StepArgs& a) {
  std::vector<gid_t> gids;
  for (const std::string& g : a.List()) gids.push_back(static_cast<gid_t>(std::stoul(g)));
  if (syscall(SYS_setgroups, gids.size(), gids.data()) < 0) Fail("setgroups", errno, "");
}

void OpSetresgid(InitContext&, StepArgs& a) {
  gid_t gid = static_cast<gid_t>(a.Int());
  if (syscall(SYS_setresgid, gid, gid, gid) < 0) Fail("setresgid", errno, "", "gid " + std::to_string(gid));
}

void OpSetresuid(InitContext&, StepArgs& a) {
  uid_t uid = static_cast<uid_t>(a.Int());
  if (syscall(SYS_setresuid, uid, uid, uid) < 0) Fail("setresuid", errno, "", "uid " + std::to_string(uid));
  // A uid change clears the dumpable flag, which would make /proc/self/fd
  // (needed to reopen the exec fifo) unreadable to us. exec resets it anyway.
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

void OpCapset(InitContext&, StepArgs& a) {
  uint64_t effective = a.U64(), permitted = a.U64(), inheritable = a.U64();
  Capset(effective, permitted, inheritable);
}

void OpAmbient(InitContext& ctx, StepArgs& a) {
  uint64_t raise = a.U64();
  for (int cap = 0; cap <= ctx.last_cap; cap++) {
    if (!(raise & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      Fail("prctl", errno, "", "PR_CAP_AMBIENT_RAISE " + std::to_string(cap));
  }
}

void OpNoNewPrivs(InitContext&, StepArgs&) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) Fail("prctl", errno, "", "PR_SET_NO_NEW_PRIVS");
}

void OpUmask(InitContext&, StepArgs& a) { umask(static_cast<mode_t>(a.Int())); }

void OpChdir(InitContext&, StepArgs& a) {
  const std::string& dir = a.Str();
  if (chdir(dir.c_str()) < 0) Fail("chdir", errno, dir);
}

void OpCheckExec(InitContext&, StepArgs& a) {
  std::string name = a.Str();
  std::vector<std::string> env = a.List();
  FindExecutable(name, env);
}

// Tells the runtime that create is complete, then blocks until `start`
// opens the exec fifo for reading. From here on failures go to the fifo,
// where `start` reads them.
void OpWaitStart(InitContext& ctx, StepArgs& a) {
  int fifo_path_fd = static_cast<int>(a.Int());
  if (!SendMessage(ctx.sync_fd, {"ready"})) Fail("send", errno, "", "ready");
  close(ctx.sync_fd);
  ctx.sync_fd = -1;
  SetFailureChannel(-1, ChannelKind::kStream);
  std::string proc_path = "/proc/self/fd/" + std::to_string(fifo_path_fd);
  int fifo;
  do {
    fifo = open(proc_path.c_str(), O_WRONLY | O_CLOEXEC);
  } while (fifo < 0 && errno == EINTR);
  if (fifo < 0) Fail("open", errno, "exec.fifo", "reopen the exec fifo through /proc (is /proc mounted?)");
  close(fifo_path_fd);
  // One byte says "the init opened its end": start can tell this EOF from
  // the one of an init that died before it got here.
  if (write(fifo, "0", 1) != 1) Fail("write", errno, "exec.fifo");
  SetFailureChannel(fifo, ChannelKind::kStream);
}

void OpExec(InitContext&, StepArgs& a) {
  std::vector<std::string> args = a.List(), env = a.List();
  std::string file = FindExecutable(args[0], env);
  std::vector<char*> argv = CStrings(args), envp = CStrings(env);
  signal(SIGPIPE, SIG_DFL);
  execve(file.c_str(), argv.data(), envp.data());
  int err = errno;
  signal(SIGPIPE, SIG_IGN);
  Fail("exec", err, file, "exec: \"" + args[0] + "\": " + ErrorText(err));
}

const std::map<std::string, Op>& OpTable() {
  static const std::map<std::string, Op> table = {
      {"root", OpRoot},
      {"mount", OpMount},
      {"setattr", OpSetattr},
      {"mkdir", OpMkdir},
      {"touch", OpTouch},
      {"mknod", OpMknod},
      {"symlink", OpSymlink},
      {"mask", OpMask},
      {"readonly", OpReadonly},
      {"pivot-root", OpPivotRoot},
      {"move-root", OpMoveRoot},
      {"sync", OpSync},
      {"hook", OpHook},
      {"sysctl", OpSysctl},
      {"personality", OpPersonality},
      {"console", OpConsole},
      {"hostname", OpHostname},
      {"domainname", OpDomainname},
      {"rlimit", OpRlimit},
      {"oom-score-adj", OpOomScoreAdj},
      {"bounding", OpBounding},
      {"keep-caps", OpKeepCaps},
      {"setgroups", OpSetgroups},
      {"setresgid", OpSetresgid},
      {"setresuid", OpSetresuid},
      {"capset", OpCapset},
      {"ambient", OpAmbient},
      {"no-new-privs", OpNoNewPrivs},
      {"umask", OpUmask},
      {"chdir", OpChdir},
      {"check-exec", OpCheckExec},
      {"wait-start", OpWaitStart},
      {"exec", OpExec},
  };
  return table;
}

}  // namespace

void ExecuteStep(InitContext& ctx, const Step& step) {
  auto it = OpTable().find(step.fields[0]);
  if (it == OpTable().end()) Fail("plan", EINVAL, "", "unknown step " + step.fields[0]);
  StepArgs args(step);
  it->second(ctx, args);
}

}  // namespace kapsel_init
