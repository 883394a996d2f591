#include "network.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fail.h"

namespace kapsel_init {

// SIOCSIFFLAGS on any socket of this namespace reaches its devices (the
// socket's namespace is the one it was created in: ours by now). An
// AF_UNIX socket needs no IPv4 support in the kernel.
void Run(InitContext&, const LoopbackUpStep&) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Fail("socket", errno, "", "a socket to bring up lo");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) Fail("ioctl", errno, "lo", "SIOCGIFFLAGS lo");
  if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) Fail("ioctl", errno, "lo", "SIOCSIFFLAGS lo up");
  }
  close(fd);
}

}  // namespace kapsel_init
