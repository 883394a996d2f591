#include "console.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "../common/fd_message.h"
#include "../common/syscalls.h"
#include "fail.h"
#include "root_paths.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace kapsel_init {

namespace {

void SendMaster(int socket_fd, int master) {
  // One byte of payload at least (engines read a message, then its fd).
  char payload[] = "/dev/ptmx";
  kapsel_common::FdMessage message(payload, sizeof payload - 1);
  message.Attach(master);
  ssize_t n;
  do {
    n = sendmsg(socket_fd, &message.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) Fail("sendmsg", errno, "console socket");
}

// /dev/console gets the pty only as a genuine entry of the container's
// /dev: an image's /dev/console that is a symlink would carry the bind
// mount to its target (issue 8, hole 6), so a symlink there is removed and
// replaced by an empty file, and a /dev reached through a symlink refused.
void BindSlaveOverConsole(int slave) {
  ContainerPath dev("", "/dev");
  if (dev.FollowedSymlink()) Fail("open", ELOOP, "/dev", "/dev is a symlink: no console is bound through it");
  int dir = dev.Open(O_DIRECTORY);
  if (dir < 0) Fail("openat2", errno, "/dev");
  struct stat st;
  if (fstatat(dir, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
    if (unlinkat(dir, "console", 0) < 0)
      Fail("unlink", errno, "/dev/console", "the image's /dev/console is a symlink and cannot be replaced by a file for the console");
  }
  int created = openat(dir, "console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (created >= 0) close(created);
  int target = openat(dir, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0) Fail("open", errno, "/dev/console");
  if (fstat(target, &st) < 0) Fail("stat", errno, "/dev/console");
  if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) Fail("mount", EINVAL, "/dev/console", "not a file to bind the console on");
  close(dir);
  int tree = kapsel_common::OpenTree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) Fail("open_tree", errno, "/dev/console", "the pty slave");
  if (kapsel_common::MoveMount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    Fail("move_mount", errno, "/dev/console");
  close(tree);
  close(target);
}

}  // namespace

void SetUpConsole(int socket_fd, int rows, int cols, bool bind_console) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) FailFor(FailReason::kNoDevpts, "open", errno, "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) Fail("ioctl", errno, "/dev/ptmx", "TIOCSPTLCK");
  unsigned int number = 0;
  if (ioctl(master, TIOCGPTN, &number) < 0) Fail("ioctl", errno, "/dev/ptmx", "TIOCGPTN");
  std::string slave_path = "/dev/pts/" + std::to_string(number);
  // TIOCGPTPEER opens the slave of this very master, whatever is mounted at
  // /dev/pts by now; the path is the fallback for old kernels.
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) slave = open(slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) Fail("open", errno, slave_path);
  if (rows > 0 && cols > 0) {
    winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) Fail("ioctl", errno, "/dev/ptmx", "TIOCSWINSZ");
  }
  // /dev/console is the pty slave (as runc and crun make it): a bind of
  // the slave itself (by its fd) onto /dev/console resolved in the root.
  if (bind_console) BindSlaveOverConsole(slave);

  SendMaster(socket_fd, master);
  close(master);
  close(socket_fd);

  // Session leader already (main.cc calls setsid first): take the pty as
  // our controlling terminal.
  if (ioctl(slave, TIOCSCTTY, 0) < 0) Fail("ioctl", errno, slave_path, "TIOCSCTTY");
  for (int fd = 0; fd <= 2; fd++) {
    if (dup3(slave, fd, 0) < 0) Fail("dup3", errno, slave_path);
  }
  if (slave > 2) close(slave);
}

}  // namespace kapsel_init
