#include "fail.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kapsel_init {

namespace {
int channel_fd = -1;
ChannelKind channel_kind = ChannelKind::kSeqpacket;
int step_index = -1;
std::string step_op = "start";
}  // namespace

void SetFailureChannel(int fd, ChannelKind kind) {
  channel_fd = fd;
  channel_kind = kind;
}

void SetCurrentStep(int index, const std::string& op) {
  step_index = index;
  step_op = op;
}

void Fail(const char* syscall, int err, const std::string& path, const std::string& message) {
  std::string record = "error";
  for (const std::string& field :
       {std::to_string(step_index), step_op, std::string(syscall), std::to_string(err), path, message}) {
    record.push_back('\0');
    record += field;
  }
  bool sent = false;
  if (channel_fd >= 0) {
    ssize_t n = channel_kind == ChannelKind::kSeqpacket
                    ? send(channel_fd, record.data(), record.size(), MSG_NOSIGNAL)
                    : write(channel_fd, record.data(), record.size());
    sent = n == static_cast<ssize_t>(record.size());
  }
  if (!sent) {
    // Nobody is listening: leave a trace on the container's stderr.
    std::string text = "kapsel-init: step " + std::to_string(step_index) + " (" + step_op + "): " + syscall;
    if (!path.empty()) text += " " + path;
    text += ": " + std::string(err ? strerror(err) : "") + (message.empty() ? "" : " " + message) + "\n";
    ssize_t ignored = write(2, text.data(), text.size());
    (void)ignored;
  }
  _exit(1);
}

}  // namespace kapsel_init
