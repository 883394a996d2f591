// rtnetlink requests shared by the addon (native/addon/netdev.cc: the
// runtime moves a link between namespaces) and the init helper
// (native/init/network.cc: the init names, addresses and brings up a link
// inside its own namespace). Header-only: both build it. Each request asks
// for an ACK, and every call returns 0 or an errno.
//
// An address travels between them as text (lib/plan/steps.ts "netdev"):
// "ADDRESS/PREFIX", or "ADDRESS/PREFIX peer PEER" for a point-to-point
// address whose IFA_ADDRESS differs from its IFA_LOCAL.
#pragma once
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace kapsel_common {

inline int RouteSocket() { return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }

class Netlink {
 public:
  explicit Netlink(int fd) : fd_(fd) {}
  ~Netlink() { if (fd_ >= 0) close(fd_); }
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;
  bool ok() const { return fd_ >= 0; }

  // Sends one request and reads until its ACK (or the end of a dump),
  // handing each reply message to `each`. Returns 0 or an errno.
  template <class F>
  int Transact(std::vector<char>& req, F&& each) {
    auto* h = reinterpret_cast<nlmsghdr*>(req.data());
    h->nlmsg_len = static_cast<uint32_t>(req.size());
    h->nlmsg_seq = ++seq_;
    if (send(fd_, req.data(), req.size(), 0) < 0) return errno;
    std::vector<char> buf(1 << 16);
    for (;;) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0) { if (errno == EINTR) continue; return errno; }
      int len = static_cast<int>(n);
      for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(m, len); m = NLMSG_NEXT(m, len)) {
        if (m->nlmsg_seq != seq_) continue;
        if (m->nlmsg_type == NLMSG_DONE) return 0;
        if (m->nlmsg_type == NLMSG_ERROR) return -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(m))->error;
        each(m);
      }
    }
  }
  int Transact(std::vector<char>& req) { return Transact(req, [](nlmsghdr*) {}); }

 private:
  int fd_;
  uint32_t seq_ = 0;
};

// A request buffer: header, fixed part, then attributes appended.
template <class T>
std::vector<char> Request(uint16_t type, uint16_t flags, const T& body) {
  std::vector<char> req(NLMSG_SPACE(sizeof(T)), 0);
  auto* h = reinterpret_cast<nlmsghdr*>(req.data());
  h->nlmsg_type = type;
  // Every request but a dump asks for an ACK: the end of its answer.
  h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | ((flags & NLM_F_DUMP) == NLM_F_DUMP ? flags : flags | NLM_F_ACK));
  h->nlmsg_len = static_cast<uint32_t>(req.size());
  memcpy(NLMSG_DATA(h), &body, sizeof(T));
  return req;
}

inline void AddAttr(std::vector<char>& req, uint16_t type, const void* data, size_t len) {
  size_t at = req.size();
  req.resize(at + RTA_SPACE(len), 0);
  auto* rta = reinterpret_cast<rtattr*>(req.data() + at);
  rta->rta_type = type;
  rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  memcpy(RTA_DATA(rta), data, len);
  reinterpret_cast<nlmsghdr*>(req.data())->nlmsg_len = static_cast<uint32_t>(req.size());
}

// The index and the flags (IFF_UP...) of the link named `name` in the
// namespace of `nl`; the index is -errno when there is none.
struct Link {
  int index = -ENODEV;
  unsigned flags = 0;
};
inline Link LinkNamed(Netlink& nl, const std::string& name) {
  ifinfomsg q{};
  auto req = Request(RTM_GETLINK, 0, q);
  AddAttr(req, IFLA_IFNAME, name.c_str(), name.size() + 1);
  Link link;
  int err = nl.Transact(req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWLINK) return;
    auto* info = reinterpret_cast<ifinfomsg*>(NLMSG_DATA(m));
    link.index = info->ifi_index;
    link.flags = info->ifi_flags;
  });
  if (err != 0) link.index = -err;
  return link;
}

// Renames link `index` of `nl`'s namespace to `name` (a "%d" in it lets
// the kernel pick the number). The link must be down.
inline int RenameLink(Netlink& nl, int index, const std::string& name) {
  ifinfomsg rename{};
  rename.ifi_index = index;
  auto req = Request(RTM_NEWLINK, NLM_F_ACK, rename);
  AddAttr(req, IFLA_IFNAME, name.c_str(), name.size() + 1);
  return nl.Transact(req);
}

inline int SetUp(Netlink& nl, int index) {
  ifinfomsg up{};
  up.ifi_index = index;
  up.ifi_flags = IFF_UP;
  up.ifi_change = IFF_UP;
  auto req = Request(RTM_NEWLINK, NLM_F_ACK, up);
  return nl.Transact(req);
}

// One address in the text form above, parsed. False when `text` is not one.
struct Address {
  int family = AF_UNSPEC;
  unsigned prefix = 0;
  unsigned char local[16] = {};
  unsigned char peer[16] = {};
  bool has_peer = false;
  size_t size() const { return family == AF_INET ? 4 : 16; }
};
inline bool ParseAddress(const std::string& text, Address* a) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string local = text.substr(0, slash);
  std::string rest = text.substr(slash + 1);
  std::string peer;
  size_t space = rest.find(" peer ");
  if (space != std::string::npos) {
    peer = rest.substr(space + 6);
    rest = rest.substr(0, space);
  }
  a->family = local.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(a->family, local.c_str(), a->local) != 1) return false;
  if (rest.empty() || rest.size() > 3 || rest.find_first_not_of("0123456789") != std::string::npos) return false;
  a->prefix = static_cast<unsigned>(atoi(rest.c_str()));
  if (a->prefix > a->size() * 8) return false;
  a->has_peer = !peer.empty();
  return !a->has_peer || inet_pton(a->family, peer.c_str(), a->peer) == 1;
}

// Adds `a` to link `index` of `nl`'s namespace as a permanent address.
inline int AddAddress(Netlink& nl, int index, const Address& a) {
  ifaddrmsg msg{};
  msg.ifa_family = static_cast<unsigned char>(a.family);
  msg.ifa_prefixlen = static_cast<unsigned char>(a.prefix);
  msg.ifa_scope = RT_SCOPE_UNIVERSE;
  msg.ifa_index = static_cast<uint32_t>(index);
  auto req = Request(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, msg);
  AddAttr(req, IFA_LOCAL, a.local, a.size());
  AddAttr(req, IFA_ADDRESS, a.has_peer ? a.peer : a.local, a.size());
  uint32_t permanent = IFA_F_PERMANENT;
  AddAttr(req, IFA_FLAGS, &permanent, sizeof permanent);
  return nl.Transact(req);
}

}  // namespace kapsel_common
