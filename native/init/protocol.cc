#include "protocol.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "../common/fd_message.h"
#include "plan_reader.h"

namespace kapsel_init {

namespace {

std::string Record(const std::vector<std::string>& fields) {
  std::string out;
  AppendRecord(fields, &out);
  return out;
}

template <class E>
std::string Wire(E value) {
  return std::to_string(static_cast<unsigned>(value));
}

// Reads the whole content of a message memfd the runtime attached.
bool ReadSpilled(int memfd, std::string* data) {
  struct stat st;
  if (fstat(memfd, &st) < 0 || st.st_size < 0 || static_cast<uint64_t>(st.st_size) > kMaxMessageBytes) return false;
  data->assign(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data->size()) {
    ssize_t n = pread(memfd, &(*data)[done], data->size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// One datagram; false on EOF (the runtime went away) or a malformed record.
// A message too large for one datagram arrives as a "memfd" record with
// the real record in an attached memfd (protocol.h).
bool ReceiveRecord(int fd, std::vector<std::string>* fields) {
  // The buffer is exactly the datagram's size (MSG_PEEK | MSG_TRUNC
  // answers it without consuming the datagram or its fd), not a fixed
  // buffer for the largest one: a static 1 MiB buffer stayed resident in
  // every waiting init (README, "Memory of a created container").
  ssize_t size;
  do {
    size = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size <= 0) return false;
  std::string data(static_cast<size_t>(size), '\0');
  kapsel_common::FdMessage msg(&data[0], data.size());
  ssize_t n;
  do {
    n = recvmsg(fd, &msg.msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  int attached = msg.Attached();
  data.resize(static_cast<size_t>(n));
  size_t pos = 0;
  if (!ParseRecord(data, &pos, fields) || pos != data.size()) {
    if (attached >= 0) close(attached);
    return false;
  }
  if (attached < 0) return (*fields)[0] != message::kMemfd;
  bool spilled = fields->size() == 1 && (*fields)[0] == message::kMemfd && ReadSpilled(attached, &data);
  close(attached);
  if (!spilled) return false;
  pos = 0;
  fields->clear();
  return ParseRecord(data, &pos, fields) && pos == data.size();
}

// A list of 0 or 1 strings: an optional value.
bool Optional(const std::vector<std::string>& f, size_t* i, bool* present, std::string* value) {
  if (*i >= f.size() || (f[*i] != "0" && f[*i] != "1")) return false;
  *present = f[(*i)++] == "1";
  if (!*present) return true;
  if (*i >= f.size()) return false;
  *value = f[(*i)++];
  return true;
}

}  // namespace

std::string EncodeSync(const std::string& name) { return Record({message::kSync, name}); }

std::string EncodeReady() { return Record({message::kReady}); }

std::string EncodeError(int step, const std::string& op, FailReason reason, const std::string& syscall, int err,
                        const std::string& path, const std::string& detail) {
  return Record({message::kError, std::to_string(step), op, Wire(reason), syscall, std::to_string(err), path, detail});
}

std::string EncodeHookFailed(const HookFailedMessage& m) {
  return Record({message::kHookFailed, std::to_string(m.step), Wire(m.kind), m.path, Wire(m.reason),
                 std::to_string(m.exit_status), std::to_string(m.signal), std::to_string(m.timeout_seconds),
                 m.output});
}

bool SendRecord(int fd, const std::string& record, int attach_fd) {
  kapsel_common::FdMessage msg(const_cast<char*>(record.data()), record.size());
  if (attach_fd >= 0) msg.Attach(attach_fd);
  else msg.msg.msg_controllen = 0;
  ssize_t n;
  do {
    n = sendmsg(fd, &msg.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(record.size());
}

bool ReceiveGo(int fd, GoMessage* go) {
  std::vector<std::string> f;
  if (!ReceiveRecord(fd, &f) || f[0] != message::kGo) return false;
  size_t i = 1;
  return Optional(f, &i, &go->has_creating_state, &go->creating_state) &&
         Optional(f, &i, &go->has_created_state, &go->created_state) &&
         Optional(f, &i, &go->has_seccomp_listener_message, &go->seccomp_listener_message) && i == f.size();
}

Reply ReceiveReply(int fd) {
  std::vector<std::string> f;
  if (!ReceiveRecord(fd, &f)) return Reply::kGone;
  return f.size() == 1 && f[0] == message::kOk ? Reply::kOk : Reply::kAbort;
}

}  // namespace kapsel_init
