// Mounts that land on an fd (fd_mounts.h), with the new mount API.
#include "fd_mounts.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "../common/syscalls.h"
#include "fail.h"

namespace kapsel_init {

namespace {

constexpr unsigned long kPropagation = MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE;

// MS_* flags of mount(2) as MOUNT_ATTR_* of fsmount(2), and the
// superblock flags as fsconfig(2) flag names. A flag outside both sets is
// refused rather than dropped.
unsigned MountAttributes(unsigned long flags, std::vector<const char*>* sb_flags, const ContainerPath& where) {
  unsigned attr = 0;
  struct { unsigned long ms; unsigned attr; } attrs[] = {
      {MS_RDONLY, MOUNT_ATTR_RDONLY},   {MS_NOSUID, MOUNT_ATTR_NOSUID},
      {MS_NODEV, MOUNT_ATTR_NODEV},     {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
      {MS_NOATIME, MOUNT_ATTR_NOATIME}, {MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
      {MS_RELATIME, MOUNT_ATTR_RELATIME}, {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
      {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
  };
  struct { unsigned long ms; const char* name; } sb[] = {
      {MS_RDONLY, "ro"}, {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"},
      {MS_LAZYTIME, "lazytime"}, {MS_MANDLOCK, "mand"},
  };
  unsigned long known = MS_SILENT | MS_REC;  // no meaning for a new mount
  for (const auto& a : attrs) {
    if (flags & a.ms) attr |= a.attr;
    known |= a.ms;
  }
  for (const auto& s : sb) {
    if (flags & s.ms) sb_flags->push_back(s.name);
    known |= s.ms;
  }
  if (flags & ~known) Fail("fsmount", EINVAL, where.HostPath(), "mount flags " + std::to_string(flags & ~known) + " have no fd-based form");
  return attr;
}

// mount(2)'s data split at its commas, except those inside double quotes,
// with the quotes dropped: the kernel parses LSM options so
// (context="system_u:object_r:container_file_t:s0:c1,c2", an MCS level
// holds commas), and fsconfig takes each value whole, unquoted.
std::vector<std::string> SplitMountData(const std::string& data) {
  std::vector<std::string> options;
  std::string option;
  bool quoted = false;
  for (char c : data) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      options.push_back(option);
      option.clear();
    } else {
      option += c;
    }
  }
  if (!data.empty()) options.push_back(option);
  return options;
}

}  // namespace

// Attaches the detached mount `tree` on top of what `fd` names. Both ends
// are fds, so the mount lands exactly on what was resolved beneath the root,
// with or without a /proc to go through.
void AttachOnFd(int tree, int fd, const ContainerPath& where, const std::string& what) {
  if (kapsel_common::MoveMount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    Fail("move_mount", errno, where.HostPath(), what);
  close(tree);
}

// A detached copy of the mount tree at `source` (a host path before
// pivot_root), the whole tree below it when `recursive`.
int CloneTree(int dirfd, const std::string& source, bool recursive, const ContainerPath& where) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (source.empty()) flags |= AT_EMPTY_PATH;
  int tree = kapsel_common::OpenTree(dirfd, source.c_str(), flags);
  if (tree < 0) Fail("open_tree", errno, where.HostPath(), source.empty() ? "" : "source " + source);
  return tree;
}

void BindOnFd(const std::string& source, bool recursive, int fd, const ContainerPath& where) {
  AttachOnFd(CloneTree(AT_FDCWD, source, recursive, where), fd, where, "source " + source);
}

namespace {

// mount(2) of a new filesystem onto the directory `fd` names, by making it
// the working directory and mounting on ".": "." resolves nothing (no
// component, no symlink, no mount crossed), so the mount lands where the
// fd does, as move_mount onto the fd would, in one call instead of fsopen,
// an fsconfig per option, fsmount and move_mount (17 against 36 µs for a
// tmpfs here). False, having done nothing, when it does not apply (the fd
// is no directory we may enter) or the kernel refuses the mount: the new
// API then runs, and its per-option calls name what was refused.
bool MountOnDirectoryFd(const std::string& source, const std::string& fstype, unsigned long flags,
                        const std::string& data, int fd, const ContainerPath& where) {
  // Quoted values (an LSM context with commas) are split by our own rules
  // for fsconfig; mount(2) would split only some of them so.
  if (data.find('"') != std::string::npos) return false;
  int saved = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (saved < 0) return false;
  if (fchdir(fd) < 0) {
    close(saved);
    return false;
  }
  int rc = mount(source.empty() ? nullptr : source.c_str(), ".", fstype.c_str(), flags, data.empty() ? nullptr : data.c_str());
  if (fchdir(saved) < 0) Fail("fchdir", errno, where.HostPath(), "back to the working directory after a mount");
  close(saved);
  return rc == 0;
}

}  // namespace

// A new filesystem on top of `fd`: mount(2) onto a directory; otherwise
// (or to name what the kernel refused) fsopen, fsconfig per option,
// fsmount. `data` is mount(2)'s comma-separated option string, split for
// fsconfig into the key=value and flag parameters the kernel would have
// split it into.
void NewMountOnFd(const std::string& source, const std::string& fstype, unsigned long flags,
                  const std::string& data, int fd, const ContainerPath& where) {
  std::vector<const char*> sb_flags;
  MountAttributes(flags, &sb_flags, where);  // a flag without an fd-based form is refused either way
  if (MountOnDirectoryFd(source, fstype, flags, data, fd, where)) return;
  AttachOnFd(NewDetachedMount(source, fstype, flags, data, where), fd, where, "type " + fstype);
}

int NewDetachedMount(const std::string& source, const std::string& fstype, unsigned long flags,
                     const std::string& data, const ContainerPath& where) {
  std::vector<const char*> sb_flags;
  unsigned attr = MountAttributes(flags, &sb_flags, where);
  int fs = kapsel_common::Fsopen(fstype.c_str(), FSOPEN_CLOEXEC);
  if (fs < 0) Fail("fsopen", errno, where.HostPath(), "type " + fstype);
  auto config = [&](unsigned cmd, const std::string& key, const char* value) {
    if (kapsel_common::Fsconfig(fs, cmd, cmd == FSCONFIG_CMD_CREATE ? nullptr : key.c_str(), value, 0) < 0)
      Fail("fsconfig", errno, where.HostPath(), fstype + " " + key + (value ? "=" + std::string(value) : ""));
  };
  if (!source.empty()) config(FSCONFIG_SET_STRING, "source", source.c_str());
  for (const std::string& option : SplitMountData(data)) {
    size_t eq = option.find('=');
    if (option.empty()) {
      // ",," is nothing, as for mount(2)
    } else if (eq == std::string::npos) {
      config(FSCONFIG_SET_FLAG, option, nullptr);
    } else {
      config(FSCONFIG_SET_STRING, option.substr(0, eq), option.c_str() + eq + 1);
    }
  }
  for (const char* name : sb_flags) config(FSCONFIG_SET_FLAG, name, nullptr);
  config(FSCONFIG_CMD_CREATE, "create", nullptr);
  int tree = kapsel_common::Fsmount(fs, FSMOUNT_CLOEXEC, attr);
  if (tree < 0) Fail("fsmount", errno, where.HostPath(), "type " + fstype);
  close(fs);
  return tree;
}

// mount(2)'s three meanings for a container path, each done through fds:
// a bind, a propagation change, a new filesystem.
void MountOnFd(const std::string& source, int fd, const std::string& fstype, unsigned long flags,
               const std::string& data, const ContainerPath& where) {
  if (flags & MS_BIND) {
    BindOnFd(source, (flags & MS_REC) != 0, fd, where);
  } else if (flags & kPropagation) {
    if (kapsel_common::MountSetattrFd(fd, (flags & MS_REC) != 0, 0, 0, flags & kPropagation) < 0)
      Fail("mount_setattr", errno, where.HostPath(), "propagation");
  } else {
    NewMountOnFd(source, fstype, flags, data, fd, where);
  }
}

void SetAttributes(int fd, uint64_t set, uint64_t clear, uint64_t propagation, bool recursive,
                   const ContainerPath& where) {
  if (kapsel_common::MountSetattrFd(fd, recursive, set, clear, propagation) < 0) Fail("mount_setattr", errno, where.HostPath());
}

}  // namespace kapsel_init
