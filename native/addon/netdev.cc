// The runtime's part of linux.netDevices (config-linux.md "Network
// Devices"), over rtnetlink:
//   netDeviceAddresses(hostName): the permanent global addresses of a host
//     interface, read before the move (the kernel drops them on a namespace
//     change); the plan gives them to the init (lib/plan/net-devices.ts).
//   moveNetDevice(nsFd, hostName, moveAs): moves the link into the
//     namespace `nsFd` (IFLA_NET_NS_FD) under the temporary name `moveAs`,
//     nothing more: the init renames it, adds its addresses and brings it
//     up inside its own namespace (native/init/network.cc).
//   returnNetDevice(nsFd, index, hostName, up, addresses): a create that
//     fails afterwards undoes it: the link goes back to the runtime's
//     namespace under its host name, with its addresses and its up state.
//
// The Node process never changes its own namespaces (DESIGN.md). Asking
// the kernel about a link inside the container's namespace (its index
// after the move; moving it back) needs a netlink socket bound in that
// namespace: SocketIn() gets one from a short-lived child (a raw clone,
// no CLONE_VM) that enters the namespace, makes the socket and sends it
// back over a socketpair. A socket stays bound to the namespace it was
// made in, so this thread then uses it from where it is. A thread of ours
// entering the namespace itself would have to come back, and one that
// could not would leave Node running in the container's namespace.
#include <napi.h>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "../common/fd_message.h"
#include "../common/netlink.h"
#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

using kapsel_common::AddAttr;
using kapsel_common::Address;
using kapsel_common::Link;
using kapsel_common::LinkNamed;
using kapsel_common::Netlink;
using kapsel_common::Request;
using kapsel_common::RouteSocket;

// The permanent, global-scope addresses of interface `index`, as text
// (native/common/netlink.h).
int PermanentAddresses(Netlink& nl, int index, std::vector<std::string>* out) {
  ifaddrmsg q{};
  q.ifa_family = AF_UNSPEC;
  auto req = Request(RTM_GETADDR, NLM_F_DUMP, q);
  return nl.Transact(req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    auto* a = reinterpret_cast<ifaddrmsg*>(NLMSG_DATA(m));
    if (static_cast<int>(a->ifa_index) != index || a->ifa_scope != RT_SCOPE_UNIVERSE) return;
    if (a->ifa_family != AF_INET && a->ifa_family != AF_INET6) return;
    uint32_t flags = a->ifa_flags;
    std::string local, address;
    char text[INET6_ADDRSTRLEN];
    int len = static_cast<int>(IFA_PAYLOAD(m));
    for (auto* rta = IFA_RTA(a); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      const void* d = RTA_DATA(rta);
      if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) >= 4) memcpy(&flags, d, 4);
      if ((rta->rta_type == IFA_LOCAL || rta->rta_type == IFA_ADDRESS) && inet_ntop(a->ifa_family, d, text, sizeof text)) {
        (rta->rta_type == IFA_LOCAL ? local : address) = text;
      }
    }
    if (!(flags & IFA_F_PERMANENT)) return;
    // IPv6 has no IFA_LOCAL: its IFA_ADDRESS is the local one.
    if (local.empty()) local = address;
    if (local.empty()) return;
    std::string entry = local + "/" + std::to_string(a->ifa_prefixlen);
    if (!address.empty() && address != local) entry += " peer " + address;
    out->push_back(entry);
  });
}

// Moves link `index` of `nl`'s namespace into the namespace `ns_fd`, named `name`.
int MoveLink(Netlink& nl, int index, int ns_fd, const std::string& name) {
  ifinfomsg move{};
  move.ifi_index = index;
  auto req = Request(RTM_NEWLINK, NLM_F_ACK, move);
  uint32_t fd = static_cast<uint32_t>(ns_fd);
  AddAttr(req, IFLA_NET_NS_FD, &fd, sizeof fd);
  AddAttr(req, IFLA_IFNAME, name.c_str(), name.size() + 1);
  return nl.Transact(req);
}

// A route socket bound in the network namespace `ns_fd`, made by a child
// (above: why). -1 with *err, *what.
//
// The child is a raw clone without CLONE_VM (a copy of this process, as
// fork makes, but without glibc's or Node's atfork handlers), with every
// signal blocked (a Node handler must not run in it) and no exit signal
// (no SIGCHLD for libuv to look at): it calls setns, socket, sendmsg and
// exit_group and nothing else, all prepared before the clone, all
// async-signal-safe. It is reaped here by pid.
int SocketIn(int ns_fd, int* err, const char** what) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) { *err = errno; *what = "socketpair"; return -1; }
  int child_errno = 0;
  kapsel_common::FdMessage out(&child_errno, sizeof child_errno);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = syscall(SYS_clone, 0L, nullptr, nullptr, nullptr, 0L);
  if (pid == 0) {
    int fd = -1;
    if (syscall(SYS_setns, ns_fd, CLONE_NEWNET) < 0) {
      child_errno = errno;
    } else {
      fd = static_cast<int>(syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
      if (fd < 0) child_errno = errno;
    }
    if (fd >= 0) out.Attach(fd);
    else out.msg.msg_controllen = 0;
    syscall(SYS_sendmsg, pair[1], &out.msg, MSG_NOSIGNAL);
    syscall(SYS_exit_group, 0);
  }
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(pair[1]);
  if (pid < 0) { close(pair[0]); *err = clone_errno; *what = "clone"; return -1; }
  int reply_errno = 0;
  kapsel_common::FdMessage in(&reply_errno, sizeof reply_errno);
  ssize_t n;
  do n = recvmsg(pair[0], &in.msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  int recv_errno = errno;
  close(pair[0]);
  while (waitpid(static_cast<pid_t>(pid), nullptr, __WALL) < 0 && errno == EINTR) {}
  if (n != static_cast<ssize_t>(sizeof reply_errno)) { *err = n < 0 ? recv_errno : EPROTO; *what = "recvmsg"; return -1; }
  int fd = in.Attached();
  if (fd < 0) { *err = reply_errno != 0 ? reply_errno : EPROTO; *what = "setns"; return -1; }
  return fd;
}

// An fd that closes itself.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { if (fd >= 0) close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

constexpr const char* kInside = "the container's network namespace";

bool SameFile(const struct stat& a, const char* path) {
  struct stat b;
  return stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Where the device comes from and goes back to: the runtime's own network
// namespace.
struct HostSide {
  Netlink nl{RouteSocket()};
  Fd ns{open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
};
bool OpenHost(Napi::Env env, HostSide& host) {
  if (!host.nl.ok()) { ThrowErrno(env, errno, "socket", "NETLINK_ROUTE"); return false; }
  if (host.ns.fd < 0) { ThrowErrno(env, errno, "open", "/proc/thread-self/ns/net"); return false; }
  return true;
}

// A socket in the namespace `ns_fd` (*fd), refused when that namespace is
// the runtime's own or pid 1's (issue 16, hole 7): there a "move" would be
// a rename of a host interface by the init, brought up with its addresses,
// which no failure afterwards would undo. The plan refused such a path
// already (plan/net-devices.ts); this compares the namespace the move
// actually names (the very fd given to the kernel), so a path that names
// another namespace by the time the init joined it is caught too.
bool OpenInside(Napi::Env env, int ns_fd, int* fd) {
  struct stat st;
  if (fstat(ns_fd, &st) < 0) { ThrowErrno(env, errno, "fstat", kInside); return false; }
  if (SameFile(st, "/proc/thread-self/ns/net") || SameFile(st, "/proc/1/ns/net")) {
    ThrowErrno(env, EPERM, "check-ns", std::string(kInside) + " is the host's network namespace (the runtime's own or pid 1's)");
    return false;
  }
  int err = 0;
  const char* what = "";
  *fd = SocketIn(ns_fd, &err, &what);
  if (*fd < 0) { ThrowErrno(env, err, what, kInside); return false; }
  return true;
}

// An interface name: the kernel's are at most IFNAMSIZ - 1 bytes, and a
// longer one would overflow the 16-bit length of its netlink attribute.
bool ArgIfName(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (!ArgString(info, i, name, out)) return false;
  if (out->empty() || out->size() >= IFNAMSIZ) {
    ThrowArgValue(info.Env(), name, "an interface name of 1 to " + std::to_string(IFNAMSIZ - 1) + " bytes", info[i]);
    return false;
  }
  return true;
}

// netDeviceAddresses(hostName) -> string[].
Napi::Value NetDeviceAddresses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string host_name;
  if (!ArgIfName(info, 0, "hostName", &host_name)) return env.Undefined();
  Netlink nl(RouteSocket());
  if (!nl.ok()) { ThrowErrno(env, errno, "socket", "NETLINK_ROUTE"); return env.Undefined(); }
  Link link = LinkNamed(nl, host_name);
  if (link.index < 0) { ThrowErrno(env, -link.index, "RTM_GETLINK", host_name); return env.Undefined(); }
  std::vector<std::string> addresses;
  if (int e = PermanentAddresses(nl, link.index, &addresses)) { ThrowErrno(env, e, "RTM_GETADDR", host_name); return env.Undefined(); }
  Napi::Array out = Napi::Array::New(env, addresses.size());
  for (size_t i = 0; i < addresses.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, addresses[i]));
  return out;
}

// moveNetDevice(nsFd, hostName, moveAs) -> { index, up }: the link's index
// inside and whether it was up here, for returnNetDevice.
Napi::Value MoveNetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd;
  std::string host_name, move_as;
  if (!ArgFd(info, 0, "nsFd", &ns_fd) || !ArgIfName(info, 1, "hostName", &host_name) ||
      !ArgIfName(info, 2, "moveAs", &move_as))
    return env.Undefined();

  HostSide host;
  if (!OpenHost(env, host)) return env.Undefined();
  Link link = LinkNamed(host.nl, host_name);
  if (link.index < 0) { ThrowErrno(env, -link.index, "RTM_GETLINK", host_name); return env.Undefined(); }
  // Opened before the move: a move the runtime could not find again inside
  // could not be undone.
  int inside_fd = -1;
  if (!OpenInside(env, ns_fd, &inside_fd)) return env.Undefined();
  Netlink inside(inside_fd);
  if (int e = MoveLink(host.nl, link.index, ns_fd, move_as)) { ThrowErrno(env, e, "RTM_NEWLINK", host_name); return env.Undefined(); }
  // The kernel keeps the index unless the namespace has it taken already;
  // nothing inside renames the link before "go".
  Link moved = LinkNamed(inside, move_as);
  if (moved.index < 0) { ThrowErrno(env, -moved.index, "RTM_GETLINK", move_as + " (in " + kInside + ")"); return env.Undefined(); }
  Napi::Object out = Napi::Object::New(env);
  out.Set("index", Napi::Number::New(env, moved.index));
  out.Set("up", Napi::Boolean::New(env, (link.flags & IFF_UP) != 0));
  return out;
}

// returnNetDevice(nsFd, index, hostName, up, addresses): link `index` of the
// namespace `nsFd` back into ours, named `hostName`, with `addresses` (the
// text form), up if `up`.
Napi::Value ReturnNetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd, index;
  std::string host_name;
  bool up;
  Napi::Array list;
  // Link indexes are positive ints.
  if (!ArgFd(info, 0, "nsFd", &ns_fd) || !ArgInt32(info, 1, "index", &index, 1) ||
      !ArgIfName(info, 2, "hostName", &host_name) || !ArgBool(info, 3, "up", &up) ||
      !ReadArray(env, Nth(info, 4), "addresses", &list, 4096))
    return env.Undefined();
  std::vector<Address> addresses(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    std::string name = "addresses[" + std::to_string(i) + "]", text;
    if (!ReadString(env, list.Get(i), name, &text)) return env.Undefined();
    if (!kapsel_common::ParseAddress(text, &addresses[i])) {
      ThrowArgValue(env, name, "an address (\"ADDRESS/PREFIX\", optionally with \" peer PEER\")", list.Get(i));
      return env.Undefined();
    }
  }

  HostSide host;
  if (!OpenHost(env, host)) return env.Undefined();
  int inside_fd = -1;
  if (!OpenInside(env, ns_fd, &inside_fd)) return env.Undefined();
  Netlink inside(inside_fd);
  if (int e = MoveLink(inside, index, host.ns.fd, host_name)) { ThrowErrno(env, e, "RTM_NEWLINK", host_name); return env.Undefined(); }
  Link back = LinkNamed(host.nl, host_name);
  if (back.index < 0) { ThrowErrno(env, -back.index, "RTM_GETLINK", host_name); return env.Undefined(); }
  for (const Address& a : addresses) {
    if (int e = kapsel_common::AddAddress(host.nl, back.index, a)) { ThrowErrno(env, e, "RTM_NEWADDR", host_name); return env.Undefined(); }
  }
  if (up) {
    if (int e = kapsel_common::SetUp(host.nl, back.index)) { ThrowErrno(env, e, "RTM_NEWLINK up", host_name); return env.Undefined(); }
  }
  return env.Undefined();
}

}  // namespace

void InitNetDevices(Napi::Env env, Napi::Object exports) {
  exports.Set("netDeviceAddresses", Napi::Function::New(env, NetDeviceAddresses, "netDeviceAddresses"));
  exports.Set("moveNetDevice", Napi::Function::New(env, MoveNetDevice, "moveNetDevice"));
  exports.Set("returnNetDevice", Napi::Function::New(env, ReturnNetDevice, "returnNetDevice"));
}

}  // namespace kapsel
