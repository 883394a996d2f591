// Raw syscalls that glibc does not wrap (or wraps only in newer versions),
// shared by the addon (native/addon) and the init helper (native/init), so
// that both sides call the kernel the same way. Each returns what the
// kernel returns (-1 with errno set on failure). Header-only, no policy.
#pragma once
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

// Older kernel headers lack some numbers (the same on every architecture).
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

namespace kapsel_common {

// Capability sets as 64-bit masks (bit n = capability n). Version 3 of the
// ABI splits each mask into two 32-bit halves, one per data struct.
struct CapSets {
  uint64_t effective = 0, permitted = 0, inheritable = 0;
};

inline int Capget(int pid, CapSets* out) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, pid};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) < 0) return -1;
  auto join = [](uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); };
  out->effective = join(data[0].effective, data[1].effective);
  out->permitted = join(data[0].permitted, data[1].permitted);
  out->inheritable = join(data[0].inheritable, data[1].inheritable);
  return 0;
}

// Sets the calling thread's sets (the kernel refuses to set another's).
inline int Capset(const CapSets& caps) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<uint32_t>(caps.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(caps.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * i));
  }
  return static_cast<int>(syscall(SYS_capset, &hdr, data));
}

inline int PidfdOpen(pid_t pid, unsigned flags) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, flags));
}

inline int PidfdSendSignal(int pidfd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0u));
}

inline int PivotRoot(const char* new_root, const char* put_old) {
  return static_cast<int>(syscall(SYS_pivot_root, new_root, put_old));
}

inline int Openat2(int dirfd, const char* path, const open_how& how) {
  return static_cast<int>(syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

// mount_setattr(2) on the mount an fd is on (AT_EMPTY_PATH).
inline int MountSetattrFd(int fd, bool recursive, uint64_t set, uint64_t clear, uint64_t propagation) {
  mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = set;
  attr.attr_clr = clear;
  attr.propagation = propagation;
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  return static_cast<int>(syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr));
}

// The new mount API: every step names its objects by fd, none by path.
inline int OpenTree(int dirfd, const char* path, unsigned flags) {
  return static_cast<int>(syscall(SYS_open_tree, dirfd, path, flags));
}

inline int MoveMount(int from_fd, const char* from_path, int to_fd, const char* to_path, unsigned flags) {
  return static_cast<int>(syscall(SYS_move_mount, from_fd, from_path, to_fd, to_path, flags));
}

inline int Fsopen(const char* fstype, unsigned flags) {
  return static_cast<int>(syscall(SYS_fsopen, fstype, flags));
}

inline int Fsconfig(int fs_fd, unsigned cmd, const char* key, const void* value, int aux) {
  return static_cast<int>(syscall(SYS_fsconfig, fs_fd, cmd, key, value, aux));
}

inline int Fsmount(int fs_fd, unsigned flags, unsigned attr_flags) {
  return static_cast<int>(syscall(SYS_fsmount, fs_fd, flags, attr_flags));
}

// Writes `text` to `file` (e.g. "self/oom_score_adj") of the procfs
// `proc_fd`, whole, in one write. Raw syscalls only: the spawner's
// CLONE_VM child calls it. Returns 0, or with errno set -1 when the open
// failed and -2 when the write did.
inline int WriteProcFile(int proc_fd, const char* file, const char* text, size_t len) {
  int fd = static_cast<int>(syscall(SYS_openat, proc_fd, file, O_WRONLY | O_CLOEXEC));
  if (fd < 0) return -1;
  long n = syscall(SYS_write, fd, text, len);
  int saved = errno;
  syscall(SYS_close, fd);
  if (n < 0) {
    errno = saved;
    return -2;
  }
  if (static_cast<size_t>(n) != len) {
    errno = EIO;
    return -2;
  }
  return 0;
}

// The offsets of a new time namespace (lines "<clock> <secs> <nanosecs>"),
// written while no process is in it (the kernel refuses them afterwards).
inline int WriteTimeOffsets(int proc_fd, const char* text, size_t len) {
  return WriteProcFile(proc_fd, "self/timens_offsets", text, len);
}

}  // namespace kapsel_common
