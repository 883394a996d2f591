#include "parent_channel.h"

#include <sys/socket.h>

#include <cerrno>

namespace kapsel_init {

bool SendMessage(int fd, const std::vector<std::string>& fields) {
  std::string data;
  for (size_t i = 0; i < fields.size(); i++) {
    if (i) data.push_back('\0');
    data += fields[i];
  }
  ssize_t n;
  do {
    n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(data.size());
}

bool ReceiveMessage(int fd, std::vector<std::string>* fields) {
  // State JSON is small (annotations can grow it): 1 MiB is a generous cap
  // (the runtime reads with the same size), and cheap to fault in.
  static std::string buf(1 << 20, '\0');
  ssize_t n;
  do {
    n = recv(fd, &buf[0], buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  fields->clear();
  std::string current;
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] == '\0') {
      fields->push_back(current);
      current.clear();
    } else {
      current.push_back(buf[i]);
    }
  }
  fields->push_back(current);
  return true;
}

}  // namespace kapsel_init
