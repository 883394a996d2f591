// Failure reporting of the init helper. A failure is reported to whoever
// waits for this process at that moment: the runtime process over the sync
// socket during create, the `start` process over the exec fifo afterwards.
// The record is an "error" or "hook-failed" message (protocol.h).
#pragma once
#include <string>

#include "protocol.h"

namespace kapsel_init {

enum class ChannelKind { kSeqpacket, kStream };

void SetFailureChannel(int fd, ChannelKind kind);
void SetCurrentStep(int index, const std::string& op);

[[noreturn]] void Fail(const char* syscall, int err, const std::string& path,
                       const std::string& message = std::string());

// A hook run by the init failed (`step` is filled in here).
[[noreturn]] void FailHook(HookFailedMessage failure);

}  // namespace kapsel_init
