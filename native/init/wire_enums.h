// The small enums of the plan and of the init's messages. Each travels as
// its index (a decimal field) and mirrors a list of lib/plan/steps.ts or
// lib/plan/protocol.ts in the same order; the names are that list's words,
// used only to print a decoded plan (kapsel-init --dry-run), so that
// test/unit/plan-wire.test.ts sees a list that differs on the two sides.
// The init compares enum values, never strings.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kapsel_init {

// WireEnum<E>::kNames: the TypeScript words of E's values, in value order.
template <class E>
struct WireEnum;

#define KAPSEL_WIRE_ENUM(E, ...)                                                  \
  template <>                                                                     \
  struct WireEnum<E> {                                                            \
    static constexpr const char* kNames[] = {__VA_ARGS__};                        \
    static constexpr size_t kCount = sizeof(kNames) / sizeof(kNames[0]);          \
  }

// steps.ts PLAN_KINDS: a create plan waits for start, an exec plan does not.
enum class PlanKind : uint8_t { kCreate, kExec };
KAPSEL_WIRE_ENUM(PlanKind, "create", "exec");

// steps.ts PROCFS_SOURCES: the procfs the init opens at start (main.cc).
enum class ProcfsSource : uint8_t { kHost, kPrivate };
KAPSEL_WIRE_ENUM(ProcfsSource, "host", "private");

// steps.ts DEVICE_TYPES (linux.devices' "c", "b", "p").
enum class DeviceType : uint8_t { kChar, kBlock, kFifo };
KAPSEL_WIRE_ENUM(DeviceType, "c", "b", "p");

// steps.ts MOUNT_FILESYSTEMS: which guard a new filesystem gets.
enum class MountFilesystem : uint8_t { kOther, kProc, kSysfs };
KAPSEL_WIRE_ENUM(MountFilesystem, "other", "proc", "sysfs");

// steps.ts HOOKS_IN_CONTAINER.
enum class HookKind : uint8_t { kCreateContainer, kStartContainer };
KAPSEL_WIRE_ENUM(HookKind, "createContainer", "startContainer");

// steps.ts CHECKED_NAMESPACES: /proc/self/ns names.
enum class CheckedNamespace : uint8_t { kMnt, kNet, kIpc, kUts };
KAPSEL_WIRE_ENUM(CheckedNamespace, "mnt", "net", "ipc", "uts");

// protocol.ts HOOK_FAILURE_REASONS: why a hook run by the init failed.
enum class HookFailure : uint8_t { kExit, kSignal, kTimeout };
KAPSEL_WIRE_ENUM(HookFailure, "exit", "signal", "timeout");

// protocol.ts FAILURE_REASONS: what an "error" message reports. The init
// sends the code with the syscall, errno, path and a detail; the runtime
// words it (lib/container/init-failure.ts), so OCI field names and the CLI
// wording engines match on live in TypeScript. kSyscall's detail is free
// technical text ("PR_CAPBSET_DROP 13"); kPlan's says what is malformed.
enum class FailReason : uint8_t {
  kSyscall,
  kPlan,
  kExecNotFound,         // path: the name looked up along the search path
  kExecFailed,           // path: the file; detail: args[0]
  kSetgroupsDenied,      // additional groups where setgroups is denied
  kHostNamespace,        // detail: the namespace (check-ns)
  kProcMount,            // path: the container path below /proc
  kProcfsOnSymlink,      // path: the container path; detail: "proc" or "sysfs"
  kNoProcfs,             // an exec helper without a procfs needs one
  kTmpcopyupNotDirectory,
  kCwdOutsideRoot,
  kSeccompRefused,       // the kernel refused the filter or its flags (EINVAL)
  kNoPivotHostRoot,      // --no-pivot with the host's root as rootfs
  kNoPivotUnsearchable,  // --no-pivot: a fully visible procfs/sysfs out of reach
  kNoPivotHide,          // --no-pivot: detaching the host's procfs/sysfs failed
  kNoPivotPrivate,       // --no-pivot: making the mounts private failed
  kNoDevpts,             // a terminal without the container's devpts
  kRealtimeRefused,      // EPERM for a real-time policy; detail: the config field
  kTimeNamespaceNotEntered,  // a kernel before 6.0 kept the init out of it
};
KAPSEL_WIRE_ENUM(FailReason, "syscall", "plan", "exec-not-found", "exec-failed", "setgroups-denied", "host-namespace",
                 "proc-mount", "procfs-on-symlink", "no-procfs", "tmpcopyup-not-directory", "cwd-outside-root",
                 "seccomp-refused", "no-pivot-host-root", "no-pivot-unsearchable", "no-pivot-hide", "no-pivot-private",
                 "no-devpts", "realtime-refused", "time-namespace-not-entered");

// Every list above as one JSON object ({"PlanKind":["create","exec"],...}),
// for kapsel-init --wire-enums: test/unit/plan-wire.test.ts compares it with
// the TypeScript lists, the reply codes included.
std::string WireEnumsJson();

// The word of `value` (for printing).
template <class E>
const char* WireName(E value) {
  size_t i = static_cast<size_t>(value);
  return i < WireEnum<E>::kCount ? WireEnum<E>::kNames[i] : "?";
}

}  // namespace kapsel_init
