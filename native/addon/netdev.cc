// moveNetDevice(): linux.netDevices. Moves a host network interface into the
// network namespace of a process (the container's init), renamed, and
// brings it up there with its permanent global addresses, which the
// kernel drops on a namespace change (config-linux.md "Network Devices").
// All of it over rtnetlink: one socket in our namespace for the move, one
// opened inside the container's namespace (this thread enters it for the
// socket() call only: a network namespace is per thread, and the socket
// stays bound to the namespace it was made in).
#include <napi.h>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"

namespace kapsel {

namespace {

class Netlink {
 public:
  explicit Netlink(int fd) : fd_(fd) {}
  ~Netlink() { if (fd_ >= 0) close(fd_); }
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

 private:
  int fd_;
  uint32_t seq_ = 0;
};

int RouteSocket() { return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }

// A request buffer: header, fixed part, then attributes appended.
template <class T>
std::vector<char> Request(uint16_t type, uint16_t flags, const T& body) {
  std::vector<char> req(NLMSG_SPACE(sizeof(T)), 0);
  auto* h = reinterpret_cast<nlmsghdr*>(req.data());
  h->nlmsg_type = type;
  // Every request but a dump asks for an ACK: the end of its answer.
  h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | ((flags & NLM_F_DUMP) == NLM_F_DUMP ? flags : flags | NLM_F_ACK));
  memcpy(NLMSG_DATA(h), &body, sizeof(T));
  return req;
}

void AddAttr(std::vector<char>& req, uint16_t type, const void* data, size_t len) {
  size_t at = req.size();
  req.resize(at + RTA_SPACE(len), 0);
  auto* rta = reinterpret_cast<rtattr*>(req.data() + at);
  rta->rta_type = type;
  rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  memcpy(RTA_DATA(rta), data, len);
}

struct Address {
  ifaddrmsg msg;
  std::vector<char> local, address;
};

// The permanent, global-scope addresses of interface `index`.
int PermanentAddresses(Netlink& nl, int index, std::vector<Address>* out) {
  ifaddrmsg q{};
  q.ifa_family = AF_UNSPEC;
  auto req = Request(RTM_GETADDR, NLM_F_DUMP, q);
  return nl.Transact(req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    auto* a = reinterpret_cast<ifaddrmsg*>(NLMSG_DATA(m));
    if (static_cast<int>(a->ifa_index) != index || a->ifa_scope != RT_SCOPE_UNIVERSE) return;
    uint32_t flags = a->ifa_flags;
    Address addr;
    addr.msg = *a;
    int len = static_cast<int>(IFA_PAYLOAD(m));
    for (auto* rta = IFA_RTA(a); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      const char* d = static_cast<const char*>(RTA_DATA(rta));
      size_t n = RTA_PAYLOAD(rta);
      if (rta->rta_type == IFA_FLAGS && n >= 4) memcpy(&flags, d, 4);
      if (rta->rta_type == IFA_LOCAL) addr.local.assign(d, d + n);
      if (rta->rta_type == IFA_ADDRESS) addr.address.assign(d, d + n);
    }
    if (flags & IFA_F_PERMANENT) out->push_back(addr);
  });
}

// The index of the link named `name` in the namespace of `nl`, or -errno.
int LinkIndex(Netlink& nl, const std::string& name) {
  ifinfomsg q{};
  auto req = Request(RTM_GETLINK, 0, q);
  AddAttr(req, IFLA_IFNAME, name.c_str(), name.size() + 1);
  int index = -ENODEV;
  int err = nl.Transact(req, [&](nlmsghdr* m) {
    if (m->nlmsg_type == RTM_NEWLINK) index = reinterpret_cast<ifinfomsg*>(NLMSG_DATA(m))->ifi_index;
  });
  return err != 0 ? -err : index;
}

// The name of link `index` in the namespace of `nl`, or "" when there is none.
std::string LinkName(Netlink& nl, int index) {
  ifinfomsg q{};
  q.ifi_index = index;
  auto req = Request(RTM_GETLINK, 0, q);
  std::string name;
  nl.Transact(req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWLINK) return;
    auto* info = reinterpret_cast<ifinfomsg*>(NLMSG_DATA(m));
    int len = static_cast<int>(IFLA_PAYLOAD(m));
    for (auto* rta = IFLA_RTA(info); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      if (rta->rta_type == IFLA_IFNAME) name = static_cast<const char*>(RTA_DATA(rta));
    }
  });
  return name;
}

// A route socket inside the network namespace `ns_fd`: this thread enters
// it for the socket() call and comes back. -1 with *err, *what.
int SocketIn(int ns_fd, int* err, const char** what) {
  int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) { *err = errno; *what = "open"; return -1; }
  if (setns(ns_fd, CLONE_NEWNET) < 0) { *err = errno; *what = "setns"; close(own); return -1; }
  int fd = RouteSocket();
  int socket_errno = errno;
  if (setns(own, CLONE_NEWNET) < 0) {
    // This thread would stay in the container's namespace: nothing after this could be trusted.
    abort();
  }
  close(own);
  if (fd < 0) { *err = socket_errno; *what = "socket"; }
  return fd;
}

// moveNetDevice(pid, hostName, name)
Napi::Value MoveNetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsString()) {
    Napi::TypeError::New(env, "moveNetDevice(pid, hostName, name)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int pid = info[0].As<Napi::Number>().Int32Value();
  std::string host_name = info[1].As<Napi::String>().Utf8Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();
  std::string ns_path = "/proc/" + std::to_string(pid) + "/ns/net";

  Netlink host(RouteSocket());
  if (!host.ok()) { ThrowErrno(env, errno, "socket", "NETLINK_ROUTE"); return env.Undefined(); }
  int index = LinkIndex(host, host_name);
  if (index < 0) { ThrowErrno(env, -index, "RTM_GETLINK", host_name); return env.Undefined(); }
  std::vector<Address> addresses;
  if (int e = PermanentAddresses(host, index, &addresses)) { ThrowErrno(env, e, "RTM_GETADDR", host_name); return env.Undefined(); }

  int ns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) { ThrowErrno(env, errno, "open", ns_path); return env.Undefined(); }
  int err = 0;
  const char* what = "";
  Netlink inside(SocketIn(ns, &err, &what));
  if (!inside.ok()) { close(ns); ThrowErrno(env, err, what, ns_path); return env.Undefined(); }
  // A plain name must be free in the container (the spec's MUST); a "%d" template lets the kernel choose.
  if (name.find("%d") == std::string::npos && LinkIndex(inside, name) >= 0) {
    close(ns);
    ThrowErrno(env, EEXIST, "RTM_NEWLINK", name + " (in the container's network namespace)");
    return env.Undefined();
  }

  ifinfomsg move{};
  move.ifi_index = index;
  auto req = Request(RTM_NEWLINK, NLM_F_ACK, move);
  uint32_t ns_fd = static_cast<uint32_t>(ns);
  AddAttr(req, IFLA_NET_NS_FD, &ns_fd, sizeof ns_fd);
  AddAttr(req, IFLA_IFNAME, name.c_str(), name.size() + 1);
  err = host.Transact(req, [](nlmsghdr*) {});
  close(ns);
  if (err) { ThrowErrno(env, err, "RTM_NEWLINK", host_name); return env.Undefined(); }

  // The kernel keeps the index unless the namespace has it taken already.
  int moved = LinkName(inside, index).empty() ? LinkIndex(inside, name) : index;
  if (moved < 0) { ThrowErrno(env, -moved, "RTM_GETLINK", name); return env.Undefined(); }
  for (const Address& a : addresses) {
    ifaddrmsg msg = a.msg;
    msg.ifa_index = static_cast<uint32_t>(moved);
    auto add = Request(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, msg);
    if (!a.local.empty()) AddAttr(add, IFA_LOCAL, a.local.data(), a.local.size());
    if (!a.address.empty()) AddAttr(add, IFA_ADDRESS, a.address.data(), a.address.size());
    uint32_t flags = IFA_F_PERMANENT;
    AddAttr(add, IFA_FLAGS, &flags, sizeof flags);
    if (int e = inside.Transact(add, [](nlmsghdr*) {})) { ThrowErrno(env, e, "RTM_NEWADDR", name); return env.Undefined(); }
  }
  ifinfomsg up{};
  up.ifi_index = moved;
  up.ifi_flags = IFF_UP;
  up.ifi_change = IFF_UP;
  auto upreq = Request(RTM_NEWLINK, NLM_F_ACK, up);
  if (int e = inside.Transact(upreq, [](nlmsghdr*) {})) { ThrowErrno(env, e, "RTM_NEWLINK", name + " up"); return env.Undefined(); }
  return env.Undefined();
}

}  // namespace

void InitNetDevices(Napi::Env env, Napi::Object exports) {
  exports.Set("moveNetDevice", Napi::Function::New(env, MoveNetDevice, "moveNetDevice"));
}

}  // namespace kapsel
