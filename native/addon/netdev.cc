// moveNetDevice(): linux.netDevices. Moves a host network interface into the
// network namespace of a process (the container's init), renamed, and
// brings it up there with its permanent global addresses, which the
// kernel drops on a namespace change (config-linux.md "Network Devices").
// returnNetDevice() undoes it for a create that fails afterwards: the
// device goes back to the runtime's namespace under its host name, with
// its addresses and its up state.
// All of it over rtnetlink: one socket in our namespace, one opened inside
// the container's namespace (this thread enters it for the socket() call
// only: a network namespace is per thread, and the socket stays bound to
// the namespace it was made in).
#include <napi.h>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Takes `fd` over (a socket made after the object).
  void Adopt(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

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

int RouteSocket() { return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }

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

void AddAttr(std::vector<char>& req, uint16_t type, const void* data, size_t len) {
  size_t at = req.size();
  req.resize(at + RTA_SPACE(len), 0);
  auto* rta = reinterpret_cast<rtattr*>(req.data() + at);
  rta->rta_type = type;
  rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  memcpy(RTA_DATA(rta), data, len);
  reinterpret_cast<nlmsghdr*>(req.data())->nlmsg_len = static_cast<uint32_t>(req.size());
}

// The permanent, global-scope addresses of interface `index`, each as the
// RTM_NEWADDR request that adds it again (its ifa_index set on sending).
int PermanentAddresses(Netlink& nl, int index, std::vector<std::vector<char>>* out) {
  ifaddrmsg q{};
  q.ifa_family = AF_UNSPEC;
  auto req = Request(RTM_GETADDR, NLM_F_DUMP, q);
  return nl.Transact(req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    auto* a = reinterpret_cast<ifaddrmsg*>(NLMSG_DATA(m));
    if (static_cast<int>(a->ifa_index) != index || a->ifa_scope != RT_SCOPE_UNIVERSE) return;
    uint32_t flags = a->ifa_flags;
    std::vector<char> local, address;
    int len = static_cast<int>(IFA_PAYLOAD(m));
    for (auto* rta = IFA_RTA(a); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      const char* d = static_cast<const char*>(RTA_DATA(rta));
      size_t n = RTA_PAYLOAD(rta);
      if (rta->rta_type == IFA_FLAGS && n >= 4) memcpy(&flags, d, 4);
      if (rta->rta_type == IFA_LOCAL) local.assign(d, d + n);
      if (rta->rta_type == IFA_ADDRESS) address.assign(d, d + n);
    }
    if (!(flags & IFA_F_PERMANENT)) return;
    auto add = Request(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, *a);
    if (!local.empty()) AddAttr(add, IFA_LOCAL, local.data(), local.size());
    if (!address.empty()) AddAttr(add, IFA_ADDRESS, address.data(), address.size());
    uint32_t permanent = IFA_F_PERMANENT;
    AddAttr(add, IFA_FLAGS, &permanent, sizeof permanent);
    out->push_back(std::move(add));
  });
}

// Adds the addresses PermanentAddresses read to link `index` of `nl`'s namespace.
int AddAddresses(Netlink& nl, int index, std::vector<std::vector<char>>& addresses) {
  for (auto& add : addresses) {
    reinterpret_cast<ifaddrmsg*>(NLMSG_DATA(reinterpret_cast<nlmsghdr*>(add.data())))->ifa_index = static_cast<uint32_t>(index);
    if (int e = nl.Transact(add)) return e;
  }
  return 0;
}

// The index and the flags (IFF_UP...) of the link named `name` in the
// namespace of `nl`; the index is -errno when there is none.
struct Link {
  int index = -ENODEV;
  unsigned flags = 0;
};
Link LinkNamed(Netlink& nl, const std::string& name) {
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

int SetUp(Netlink& nl, int index) {
  ifinfomsg up{};
  up.ifi_index = index;
  up.ifi_flags = IFF_UP;
  up.ifi_change = IFF_UP;
  auto req = Request(RTM_NEWLINK, NLM_F_ACK, up);
  return nl.Transact(req);
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
// namespace, and what it had there.
struct HostSide {
  Netlink nl{RouteSocket()};
  Fd ns{open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
};

// The container's side: its namespace (an fd the caller holds, which keeps
// it alive when the init is gone) and a socket in it.
struct Inside {
  int ns = -1;
  Netlink nl{-1};
};

// A socket in the namespace `ns_fd`, refused when that namespace is the
// runtime's own or pid 1's (issue 16, hole 7): there a "move" is a rename
// of a host interface, brought up with its addresses, which no failure
// afterwards would undo. The plan refused such a path already
// (plan/net-devices.ts); this compares the namespace the move actually
// names (the very fd given to the kernel), so a path that names another
// namespace by the time the init joined it is caught too.
bool OpenInside(Napi::Env env, int ns_fd, Inside* in) {
  in->ns = ns_fd;
  struct stat st;
  if (fstat(ns_fd, &st) < 0) { ThrowErrno(env, errno, "fstat", kInside); return false; }
  if (SameFile(st, "/proc/thread-self/ns/net") || SameFile(st, "/proc/1/ns/net")) {
    ThrowErrno(env, EPERM, "check-ns", std::string(kInside) + " is the host's network namespace (the runtime's own or pid 1's)");
    return false;
  }
  int err = 0;
  const char* what = "";
  int fd = SocketIn(ns_fd, &err, &what);
  if (fd < 0) { ThrowErrno(env, err, what, kInside); return false; }
  in->nl.Adopt(fd);
  return true;
}

// Moves link `index` of the container's namespace back to ours as
// `host_name`, with the addresses it had here, up if it was. 0 or an errno
// (*what names the step).
int ReturnLink(Inside& in, HostSide& host, int index, const std::string& host_name, bool up,
               std::vector<std::vector<char>>& addresses, const char** what) {
  *what = "RTM_NEWLINK";
  if (int e = MoveLink(in.nl, index, host.ns.fd, host_name)) return e;
  Link back = LinkNamed(host.nl, host_name);
  *what = "RTM_GETLINK";
  if (back.index < 0) return -back.index;
  *what = "RTM_NEWADDR";
  if (int e = AddAddresses(host.nl, back.index, addresses)) return e;
  *what = "RTM_NEWLINK up";
  return up ? SetUp(host.nl, back.index) : 0;
}

// The address requests as one buffer of netlink messages (what JS keeps
// for returnNetDevice), and back.
Napi::Buffer<char> PackAddresses(Napi::Env env, const std::vector<std::vector<char>>& addresses) {
  std::vector<char> all;
  for (const auto& a : addresses) {
    all.insert(all.end(), a.begin(), a.end());
    all.resize(NLMSG_ALIGN(all.size()), 0);
  }
  return Napi::Buffer<char>::Copy(env, all.data(), all.size());
}
std::vector<std::vector<char>> UnpackAddresses(const char* data, size_t size) {
  std::vector<std::vector<char>> out;
  int len = static_cast<int>(size);
  for (auto* m = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(m, len); m = NLMSG_NEXT(m, len)) {
    if (m->nlmsg_type != RTM_NEWADDR || m->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) continue;
    const char* start = reinterpret_cast<const char*>(m);
    out.emplace_back(start, start + m->nlmsg_len);
  }
  return out;
}

// moveNetDevice(nsFd, hostName, name) -> { index, up, addresses }: what
// returnNetDevice needs to undo it. A failure after the move undoes it
// before it is thrown.
Napi::Value MoveNetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsString()) {
    Napi::TypeError::New(env, "moveNetDevice(nsFd, hostName, name)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  std::string host_name = info[1].As<Napi::String>().Utf8Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();

  HostSide host;
  if (!host.nl.ok()) { ThrowErrno(env, errno, "socket", "NETLINK_ROUTE"); return env.Undefined(); }
  if (host.ns.fd < 0) { ThrowErrno(env, errno, "open", "/proc/thread-self/ns/net"); return env.Undefined(); }
  Link link = LinkNamed(host.nl, host_name);
  if (link.index < 0) { ThrowErrno(env, -link.index, "RTM_GETLINK", host_name); return env.Undefined(); }
  bool was_up = (link.flags & IFF_UP) != 0;
  std::vector<std::vector<char>> addresses;
  if (int e = PermanentAddresses(host.nl, link.index, &addresses)) { ThrowErrno(env, e, "RTM_GETADDR", host_name); return env.Undefined(); }

  Inside in;
  if (!OpenInside(env, ns_fd, &in)) return env.Undefined();
  // A plain name must be free in the container (the spec's MUST); a "%d" template lets the kernel choose.
  if (name.find("%d") == std::string::npos && LinkNamed(in.nl, name).index >= 0) {
    ThrowErrno(env, EEXIST, "RTM_NEWLINK", name + " (in the container's network namespace)");
    return env.Undefined();
  }
  if (int e = MoveLink(host.nl, link.index, in.ns, name)) { ThrowErrno(env, e, "RTM_NEWLINK", host_name); return env.Undefined(); }

  // The kernel keeps the index unless the namespace has it taken already.
  int moved = LinkName(in.nl, link.index).empty() ? LinkNamed(in.nl, name).index : link.index;
  if (moved < 0) { ThrowErrno(env, -moved, "RTM_GETLINK", name); return env.Undefined(); }
  const char* failed = "RTM_NEWADDR";
  int err = AddAddresses(in.nl, moved, addresses);
  if (err == 0) {
    failed = "RTM_NEWLINK";
    err = SetUp(in.nl, moved);
  }
  if (err != 0) {
    // Half done: the device goes back as it was before the error is told.
    const char* what = "";
    int back = ReturnLink(in, host, moved, host_name, was_up, addresses, &what);
    std::string undo = back == 0 ? "" : std::string("; moving it back failed too: ") + what + ": " + ErrnoName(back);
    ThrowErrno(env, err, failed, name + undo);
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("index", Napi::Number::New(env, moved));
  out.Set("up", Napi::Boolean::New(env, was_up));
  out.Set("addresses", PackAddresses(env, addresses));
  return out;
}

// returnNetDevice(nsFd, index, hostName, up, addresses): link `index` of the
// namespace `nsFd` back into ours, as moveNetDevice found it.
Napi::Value ReturnNetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsBoolean() ||
      !info[4].IsBuffer()) {
    Napi::TypeError::New(env, "returnNetDevice(nsFd, index, hostName, up, addresses)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  int index = info[1].As<Napi::Number>().Int32Value();
  std::string host_name = info[2].As<Napi::String>().Utf8Value();
  bool up = info[3].As<Napi::Boolean>().Value();
  auto buffer = info[4].As<Napi::Buffer<char>>();
  std::vector<std::vector<char>> addresses = UnpackAddresses(buffer.Data(), buffer.Length());

  HostSide host;
  if (!host.nl.ok()) { ThrowErrno(env, errno, "socket", "NETLINK_ROUTE"); return env.Undefined(); }
  if (host.ns.fd < 0) { ThrowErrno(env, errno, "open", "/proc/thread-self/ns/net"); return env.Undefined(); }
  Inside in;
  if (!OpenInside(env, ns_fd, &in)) return env.Undefined();
  const char* what = "";
  if (int e = ReturnLink(in, host, index, host_name, up, addresses, &what)) { ThrowErrno(env, e, what, host_name); return env.Undefined(); }
  return env.Undefined();
}

}  // namespace

void InitNetDevices(Napi::Env env, Napi::Object exports) {
  exports.Set("moveNetDevice", Napi::Function::New(env, MoveNetDevice, "moveNetDevice"));
  exports.Set("returnNetDevice", Napi::Function::New(env, ReturnNetDevice, "returnNetDevice"));
}

}  // namespace kapsel
