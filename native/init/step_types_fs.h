// The plan's filesystem ops: the root, mounts, nodes, links, masks and the
// checks before them (step_types.h says how the structs work; mounts.cc
// runs most of them).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "wire_enums.h"

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
  MountFilesystem filesystem = MountFilesystem::kOther;
  bool inherit_mode = false;  // mode= of the directory it covers (plan/mount-fields.ts)
  template <class V> void Visit(V& v) {
    v.Str("source", source);
    v.Str("target", target);
    v.Str("fstype", fstype);
    v.Uint("flags", flags);
    v.Str("data", data);
    v.Bool("inContainer", in_container);
    v.Enum("filesystem", filesystem);
    v.Bool("inheritMode", inherit_mode);
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
  std::string path;
  DeviceType type = DeviceType::kChar;
  int64_t mode = 0, major = 0, minor = 0, uid = 0, gid = 0;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Enum("type", type);
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

// chroot into a host directory, no mount made: a container in the runtime's
// mount namespace (lib/plan/mount-namespace.ts), or an exec into one.
struct ChrootStep {
  static constexpr const char* kOp = "chroot";
  std::string rootfs;
  template <class V> void Visit(V& v) { v.Str("rootfs", rootfs); }
};

// A device in a user namespace, where mknod is refused: the host node at
// `source` (found by the runtime) is opened without following symlinks,
// checked to be the `type` major:minor device the config asks for (fstat
// type and rdev), and that fd is bound, nosuid and noexec, onto `path`.
struct BindDeviceStep {
  static constexpr const char* kOp = "bind-device";
  std::string path;
  DeviceType type = DeviceType::kChar;
  int64_t major = 0, minor = 0;
  std::string source;
  template <class V> void Visit(V& v) {
    v.Str("path", path);
    v.Enum("type", type);
    v.Int("major", major);
    v.Int("minor", minor);
    v.Str("source", source);
  }
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

// A tmpfs with runc's and crun's "tmpcopyup": the directory's contents in
// the image are copied into the new tmpfs (still detached, so nothing in
// the container sees it half-filled), which then covers the directory.
struct TmpfsCopyupStep {
  static constexpr const char* kOp = "tmpfs-copyup";
  std::string target;
  uint64_t flags = 0;
  std::string data;
  bool inherit_mode = false;
  template <class V> void Visit(V& v) {
    v.Str("target", target);
    v.Uint("flags", flags);
    v.Str("data", data);
    v.Bool("inheritMode", inherit_mode);
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

// Fails when the init's namespace of kind `ns` (its /proc/self/ns name) is one of the host's (parallel lists: nsfs st_dev
// and st_ino), before a joined one gets a mount, a sysctl or a name.
struct CheckNsStep {
  static constexpr const char* kOp = "check-ns";
  CheckedNamespace ns = CheckedNamespace::kMnt;
  std::vector<int64_t> forbidden_devs, forbidden_inodes;
  template <class V> void Visit(V& v) {
    v.Enum("ns", ns);
    v.Ints("forbiddenDevs", forbidden_devs);
    v.Ints("forbiddenInodes", forbidden_inodes);
  }
};

}  // namespace kapsel_init
