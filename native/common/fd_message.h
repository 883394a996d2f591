// One socket message with room for one fd in SCM_RIGHTS: the shape in which
// a pty master travels (init helper -> engine or kapsel run). Header-only:
// both the addon and the init helper use it.
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

namespace kapsel_common {

struct FdMessage {
  iovec iov;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg;

  FdMessage(void* payload, size_t length) {
    iov = {payload, length};
    memset(control, 0, sizeof control);
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }

  // Puts `fd` in the control data (for sendmsg).
  void Attach(int fd) {
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  }

  // The fd a received message carried, or -1 (after recvmsg).
  int Attached() {
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg == nullptr || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
  }
};

}  // namespace kapsel_common
