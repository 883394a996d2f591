#include "fail.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kapsel_init {

namespace {
int channel_fd = -1;
ChannelKind channel_kind = ChannelKind::kSeqpacket;
int step_index = -1;
std::string step_op = "start";

bool Report(const std::string& record) {
  if (channel_fd < 0) return false;
  if (channel_kind == ChannelKind::kSeqpacket) return SendRecord(channel_fd, record);
  return write(channel_fd, record.data(), record.size()) == static_cast<ssize_t>(record.size());
}

void Trace(const std::string& text) {
  std::string line = "kapsel-init: step " + std::to_string(step_index) + " (" + step_op + "): " + text + "\n";
  ssize_t ignored = write(2, line.data(), line.size());
  (void)ignored;
}
}  // namespace

std::string ErrnoText(int err) {
  const char* text = strerrordesc_np(err);
  return text != nullptr ? std::string(text) : "Unknown error " + std::to_string(err);
}

void SetFailureChannel(int fd, ChannelKind kind) {
  channel_fd = fd;
  channel_kind = kind;
}

void SetCurrentStep(int index, const std::string& op) {
  step_index = index;
  step_op = op;
}

void FailFor(FailReason reason, const char* syscall, int err, const std::string& path, const std::string& message) {
  if (!Report(EncodeError(step_index, step_op, reason, syscall, err, path, message))) {
    // Nobody is listening: leave a trace on the container's stderr.
    std::string text = std::string(WireName(reason)) + ": " + syscall;
    if (!path.empty()) text += " " + path;
    text += ": " + (err ? ErrnoText(err) : std::string()) + (message.empty() ? "" : " " + message);
    Trace(text);
  }
  _exit(1);
}

void FailHook(HookFailedMessage failure) {
  failure.step = step_index;
  if (!Report(EncodeHookFailed(failure))) Trace(std::string(WireName(failure.kind)) + " hook " + failure.path + " failed");
  _exit(1);
}

}  // namespace kapsel_init
