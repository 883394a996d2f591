// Failure reporting of the init helper. A failure is reported to whoever
// waits for this process at that moment: the runtime process over the sync
// socket during create, the `start` process over the exec fifo afterwards.
// The record is an "error" or "hook-failed" message (protocol.h).
#pragma once
#include <cerrno>
#include <string>

#include "protocol.h"

namespace kapsel_init {

enum class ChannelKind { kSeqpacket, kStream };

void SetFailureChannel(int fd, ChannelKind kind);
void SetCurrentStep(int index, const std::string& op);

// A failure with its reason code (wire_enums.h); the runtime words it
// from the code, the syscall, errno, path and `detail`
// (lib/container/init-failure.ts).
[[noreturn]] void FailFor(FailReason reason, const char* syscall, int err, const std::string& path,
                          const std::string& detail = std::string());

// A syscall that failed (FailReason::kSyscall): `message` is technical
// detail only ("PR_CAPBSET_DROP 13"), no config field names or CLI words.
[[noreturn]] inline void Fail(const char* syscall, int err, const std::string& path,
                              const std::string& message = std::string()) {
  FailFor(FailReason::kSyscall, syscall, err, path, message);
}

// A malformed plan (FailReason::kPlan): the runtime and the init disagree.
[[noreturn]] inline void FailPlan(const std::string& what, int err = EINVAL) {
  FailFor(FailReason::kPlan, "plan", err, "", what);
}

// The C locale's text of an errno value ("No such file or directory"), as
// strerror gives it, without strerror's message-catalog machinery (which a
// static binary would carry and map for nothing: the init never sets a
// locale).
std::string ErrnoText(int err);

// A hook run by the init failed (`step` is filled in here).
[[noreturn]] void FailHook(HookFailedMessage failure);

}  // namespace kapsel_init
