// Messages between the runtime process and the init helper; the TypeScript
// mirror is lib/plan/protocol.ts (the message union, encode and decode).
// Every message is one record in the plan's framing (plan_reader.h): field
// 0 is the type, the other fields follow in the order listed here. Over the
// SOCK_SEQPACKET socketpair a record is one datagram; on the exec fifo (a
// stream, after create) it follows the "0" byte and is self-delimiting.
//
//   runtime -> init
//     go           creatingState: list of 0 or 1 string (createContainer
//                  hooks' state JSON), createdState: same (startContainer)
//                  Absent states: a plan without hooks (exec) needs none.
//     ok           the runtime did its part of a sync point
//     abort        the runtime failed its part (it reports the error itself)
//     memfd        (no fields) the message is too large for one datagram:
//                  its record is the content of the attached memfd (at most
//                  kMaxMessageBytes; large annotations make large states)
//   init -> runtime
//     sync         name: the sync point reached (lib/plan/steps.ts SyncPoint)
//     ready        the plan reached wait-start: create is complete
//     error        step, op, reason (FailReason), syscall, errno, path,
//                  detail (fail.h); the runtime words it
//     hook-failed  step, kind (HookKind), path, reason (HookFailure),
//                  exitStatus, signal, timeoutSeconds, output; the runtime
//                  words it (HookFailedError)
//   Enums travel as their index (wire_enums.h).
//
// Any message may carry one fd with SCM_RIGHTS (common/fd_message.h), for a
// message type that says so (the seccomp notify listener, later): the
// sender's SendRecord takes it, the record itself is unchanged.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "wire_enums.h"

namespace kapsel_init {

namespace message {
constexpr const char kGo[] = "go";
constexpr const char kOk[] = "ok";
constexpr const char kAbort[] = "abort";
constexpr const char kSync[] = "sync";
constexpr const char kReady[] = "ready";
constexpr const char kError[] = "error";
constexpr const char kHookFailed[] = "hook-failed";
constexpr const char kMemfd[] = "memfd";
}  // namespace message

// The largest runtime -> init message (lib/container/init-channel.ts has the same).
constexpr uint64_t kMaxMessageBytes = 64ull << 20;

struct GoMessage {
  bool has_creating_state = false;
  std::string creating_state;
  bool has_created_state = false;
  std::string created_state;
  // Sent with the notify listener fd by the seccomp step (lib/plan/protocol.ts).
  bool has_seccomp_listener_message = false;
  std::string seccomp_listener_message;
};

struct HookFailedMessage {
  int step = -1;
  HookKind kind = HookKind::kCreateContainer;
  std::string path;
  HookFailure reason = HookFailure::kExit;
  int exit_status = -1;
  int signal = 0;
  int timeout_seconds = 0;
  std::string output;
};

// The encoded records (for the socket or the fifo).
std::string EncodeSync(const std::string& name);
std::string EncodeReady();
std::string EncodeError(int step, const std::string& op, FailReason reason, const std::string& syscall, int err,
                        const std::string& path, const std::string& detail);
std::string EncodeHookFailed(const HookFailedMessage& m);

// One record as one datagram, with `attach_fd` in SCM_RIGHTS when >= 0.
bool SendRecord(int fd, const std::string& record, int attach_fd = -1);

enum class Reply { kOk, kAbort, kGone };

// Waits for "go"; false when the runtime went away or sent something else.
bool ReceiveGo(int fd, GoMessage* go);
// Waits for the runtime's answer at a sync point.
Reply ReceiveReply(int fd);

}  // namespace kapsel_init
