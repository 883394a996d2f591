#include "network.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../common/netlink.h"
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

// The init's half of a linux.netDevices entry, in its own network
// namespace (the runtime only moved the link here, by fd: the Node
// process never enters a container's namespace). The kernel took the
// link down on the move and dropped its addresses: rename it first (a
// link must be down for that), then the addresses, then up. A failure is
// the create's, and the runtime moves the link back to the host
// (lib/container/net-devices.ts), by index: the rename does not change it.
void Run(InitContext&, const NetdevStep& s) {
  using namespace kapsel_common;
  Netlink nl(RouteSocket());
  if (!nl.ok()) Fail("socket", errno, "", s.what + ": a netlink socket to set up " + s.to);
  Link link = LinkNamed(nl, s.from);
  if (link.index < 0) Fail("RTM_GETLINK", -link.index, s.from, s.what + ": the moved link " + s.from + " is not in the container");
  if (s.to != s.from) {
    if (int e = RenameLink(nl, link.index, s.to)) Fail("RTM_NEWLINK", e, s.to, s.what + ": cannot name the moved link \"" + s.to + "\" in the container");
  }
  for (const std::string& text : s.addresses) {
    Address a;
    if (!ParseAddress(text, &a)) FailPlan(s.what + ": not an address: " + text);
    if (int e = AddAddress(nl, link.index, a)) Fail("RTM_NEWADDR", e, text, s.what + ": cannot add " + text + " to " + s.to);
  }
  if (int e = SetUp(nl, link.index)) Fail("RTM_NEWLINK", e, s.to, s.what + ": cannot bring " + s.to + " up");
}

}  // namespace kapsel_init
