// systemdUnitAsync(request): one call of systemd's manager API over D-Bus
// (the systemd cgroup driver, lib/cgroups/systemd*.ts): StartTransientUnit
// of a scope holding the container's init, SetUnitProperties (update),
// StopUnit (delete); start and stop wait for their job's JobRemoved signal
// as runc does, so that the scope exists (or is gone) when the promise
// resolves.
//
// Why libsystemd's sd-bus, loaded at run time with dlopen: every systemd
// host has libsystemd.so.0 (the libsystemd0 package, which systemd itself
// needs), so kapsel needs no -dev package at install and no D-Bus client
// from npm (the ones there are either unmaintained or large pure-JS
// marshallers that would become part of the trusted code running as root;
// sd-bus is the client systemd's own tools use). A host without it simply
// has no systemd driver: the call fails with ERR_SYSTEMD_LIBRARY.
//
// Each call opens its own connection on a thread of libuv's pool (an sd_bus
// object belongs to one thread), makes the call and closes it: a blocking
// D-Bus round trip and the wait for the job never run on the JS thread.
#include <napi.h>

#include <dlfcn.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

// ---- the few sd-bus declarations used (sd-bus.h, stable ABI since systemd 221) ----

struct sd_bus;
struct sd_bus_message;
struct sd_bus_slot;
struct sd_bus_error {
  const char* name;
  const char* message;
  int need_free;
};
using sd_bus_message_handler_t = int (*)(sd_bus_message* m, void* userdata, sd_bus_error* ret_error);

struct Libsystemd {
  void* handle = nullptr;
  bool ok = false;
  std::string error;
  int (*open_system)(sd_bus**) = nullptr;
  int (*open_user)(sd_bus**) = nullptr;
  sd_bus* (*flush_close_unref)(sd_bus*) = nullptr;
  int (*new_method_call)(sd_bus*, sd_bus_message**, const char*, const char*, const char*, const char*) = nullptr;
  int (*append_basic)(sd_bus_message*, char, const void*) = nullptr;
  int (*open_container)(sd_bus_message*, char, const char*) = nullptr;
  int (*close_container)(sd_bus_message*) = nullptr;
  int (*call)(sd_bus*, sd_bus_message*, uint64_t, sd_bus_error*, sd_bus_message**) = nullptr;
  int (*read_basic)(sd_bus_message*, char, void*) = nullptr;
  sd_bus_message* (*message_unref)(sd_bus_message*) = nullptr;
  void (*error_free)(sd_bus_error*) = nullptr;
  int (*match_signal)(sd_bus*, sd_bus_slot**, const char*, const char*, const char*, const char*, sd_bus_message_handler_t,
                      void*) = nullptr;
  sd_bus_slot* (*slot_unref)(sd_bus_slot*) = nullptr;
  int (*process)(sd_bus*, sd_bus_message**) = nullptr;
  int (*wait)(sd_bus*, uint64_t) = nullptr;
};

template <typename T>
bool Bind(Libsystemd* lib, T* slot, const char* symbol) {
  *slot = reinterpret_cast<T>(dlsym(lib->handle, symbol));
  if (*slot == nullptr) lib->error = std::string("libsystemd.so.0 lacks ") + symbol;
  return *slot != nullptr;
}

Libsystemd Open() {
  Libsystemd lib;
  lib.handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib.handle == nullptr) {
    const char* why = dlerror();
    lib.error = std::string("libsystemd.so.0 could not be loaded (") + (why ? why : "unknown error") +
                "); the systemd cgroup driver needs the libsystemd0 package";
    return lib;
  }
  lib.ok = Bind(&lib, &lib.open_system, "sd_bus_open_system") && Bind(&lib, &lib.open_user, "sd_bus_open_user") &&
           Bind(&lib, &lib.flush_close_unref, "sd_bus_flush_close_unref") &&
           Bind(&lib, &lib.new_method_call, "sd_bus_message_new_method_call") &&
           Bind(&lib, &lib.append_basic, "sd_bus_message_append_basic") &&
           Bind(&lib, &lib.open_container, "sd_bus_message_open_container") &&
           Bind(&lib, &lib.close_container, "sd_bus_message_close_container") && Bind(&lib, &lib.call, "sd_bus_call") &&
           Bind(&lib, &lib.read_basic, "sd_bus_message_read_basic") && Bind(&lib, &lib.message_unref, "sd_bus_message_unref") &&
           Bind(&lib, &lib.error_free, "sd_bus_error_free") && Bind(&lib, &lib.match_signal, "sd_bus_match_signal") &&
           Bind(&lib, &lib.slot_unref, "sd_bus_slot_unref") && Bind(&lib, &lib.process, "sd_bus_process") &&
           Bind(&lib, &lib.wait, "sd_bus_wait");
  return lib;
}

// Loaded once (a static local: initialised once even with worker threads).
const Libsystemd& Load() {
  static const Libsystemd lib = Open();
  return lib;
}

// ---- the request ------------------------------------------------------------------

// One unit property: a name, its D-Bus signature (one of the few the
// driver sends) and the value in the field that signature uses.
struct Property {
  std::string name;
  std::string type;  // "s" "b" "t" "u" "as" "au" "ay" "a(ss)"
  std::string str;
  bool boolean = false;
  uint64_t number = 0;
  std::vector<std::string> strings;
  std::vector<uint32_t> numbers;
  std::vector<uint8_t> bytes;
  std::vector<std::pair<std::string, std::string>> pairs;
};

enum class Op { kStart, kStop, kSet, kReset };

struct Request {
  Op op = Op::kStart;
  bool user = false;
  std::string unit;
  std::vector<Property> properties;
  uint64_t timeout_usec = 0;
  // Result.
  int err = 0;                // errno of a failed sd-bus call
  std::string error_call;     // which call failed
  std::string dbus_error;     // a D-Bus error name ("org.freedesktop.systemd1.NoSuchUnit")
  std::string error_message;  // and its message
  std::string job_result;     // "done", "failed", ... (start/stop)
};

struct Closer {
  const Libsystemd* lib;
  sd_bus* bus = nullptr;
  sd_bus_message* msg = nullptr;
  sd_bus_message* reply = nullptr;
  sd_bus_slot* slot = nullptr;
  sd_bus_error error{nullptr, nullptr, 0};
  ~Closer() {
    if (slot) lib->slot_unref(slot);
    if (reply) lib->message_unref(reply);
    if (msg) lib->message_unref(msg);
    lib->error_free(&error);
    if (bus) lib->flush_close_unref(bus);
  }
};

bool Failed(Request* req, int r, const char* call) {
  if (r >= 0) return false;
  req->err = -r;
  req->error_call = call;
  return true;
}

int AppendProperty(const Libsystemd& lib, sd_bus_message* m, const Property& p) {
  int r = lib.open_container(m, 'r', "sv");
  if (r < 0) return r;
  if ((r = lib.append_basic(m, 's', p.name.c_str())) < 0) return r;
  if ((r = lib.open_container(m, 'v', p.type.c_str())) < 0) return r;
  if (p.type == "s") {
    r = lib.append_basic(m, 's', p.str.c_str());
  } else if (p.type == "b") {
    int b = p.boolean ? 1 : 0;
    r = lib.append_basic(m, 'b', &b);
  } else if (p.type == "t") {
    r = lib.append_basic(m, 't', &p.number);
  } else if (p.type == "u") {
    uint32_t u = static_cast<uint32_t>(p.number);
    r = lib.append_basic(m, 'u', &u);
  } else if (p.type == "as") {
    if ((r = lib.open_container(m, 'a', "s")) < 0) return r;
    for (const std::string& s : p.strings) {
      if ((r = lib.append_basic(m, 's', s.c_str())) < 0) return r;
    }
    r = lib.close_container(m);
  } else if (p.type == "au") {
    if ((r = lib.open_container(m, 'a', "u")) < 0) return r;
    for (uint32_t u : p.numbers) {
      if ((r = lib.append_basic(m, 'u', &u)) < 0) return r;
    }
    r = lib.close_container(m);
  } else if (p.type == "ay") {
    if ((r = lib.open_container(m, 'a', "y")) < 0) return r;
    for (uint8_t y : p.bytes) {
      if ((r = lib.append_basic(m, 'y', &y)) < 0) return r;
    }
    r = lib.close_container(m);
  } else {  // "a(ss)"
    if ((r = lib.open_container(m, 'a', "(ss)")) < 0) return r;
    for (const auto& [a, b] : p.pairs) {
      if ((r = lib.open_container(m, 'r', "ss")) < 0) return r;
      if ((r = lib.append_basic(m, 's', a.c_str())) < 0) return r;
      if ((r = lib.append_basic(m, 's', b.c_str())) < 0) return r;
      if ((r = lib.close_container(m)) < 0) return r;
    }
    r = lib.close_container(m);
  }
  if (r < 0) return r;
  if ((r = lib.close_container(m)) < 0) return r;
  return lib.close_container(m);
}

int AppendProperties(const Libsystemd& lib, sd_bus_message* m, const std::vector<Property>& props) {
  int r = lib.open_container(m, 'a', "(sv)");
  if (r < 0) return r;
  for (const Property& p : props) {
    if ((r = AppendProperty(lib, m, p)) < 0) return r;
  }
  return lib.close_container(m);
}

struct JobWatch {
  const Libsystemd* lib;
  std::string job;     // the object path of the job to watch
  std::string result;  // its result once JobRemoved arrived
  bool done = false;
};

// JobRemoved(u id, o job, s unit, s result)
int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* watch = static_cast<JobWatch*>(userdata);
  uint32_t id = 0;
  const char* job = nullptr;
  const char* unit = nullptr;
  const char* result = nullptr;
  if (watch->lib->read_basic(m, 'u', &id) < 0 || watch->lib->read_basic(m, 'o', &job) < 0 ||
      watch->lib->read_basic(m, 's', &unit) < 0 || watch->lib->read_basic(m, 's', &result) < 0) {
    return 0;
  }
  if (job != nullptr && watch->job == job) {
    watch->result = result ? result : "";
    watch->done = true;
  }
  return 0;
}

uint64_t NowUsec() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

// A method call with no arguments but `unit` and what `fill` appends;
// its reply in c->reply, a D-Bus error in the request.
template <typename Fill>
bool CallManager(const Libsystemd& lib, Closer* c, Request* req, const char* member, Fill fill) {
  if (c->msg) c->msg = lib.message_unref(c->msg);
  if (c->reply) c->reply = lib.message_unref(c->reply);
  lib.error_free(&c->error);
  c->error = {nullptr, nullptr, 0};
  if (Failed(req, lib.new_method_call(c->bus, &c->msg, kDest, kPath, kManager, member), "sd_bus_message_new_method_call")) return false;
  if (Failed(req, fill(c->msg), "sd_bus_message_append")) return false;
  int r = lib.call(c->bus, c->msg, req->timeout_usec, &c->error, &c->reply);
  if (r < 0) {
    req->err = -r;
    req->error_call = member;
    if (c->error.name) req->dbus_error = c->error.name;
    if (c->error.message) req->error_message = c->error.message;
    return false;
  }
  return true;
}

void Run(Request* req) {
  const Libsystemd& lib = Load();
  Closer c{&lib};
  if (Failed(req, req->user ? lib.open_user(&c.bus) : lib.open_system(&c.bus), req->user ? "sd_bus_open_user" : "sd_bus_open_system")) return;

  JobWatch watch{&lib, "", "", false};
  const bool waits = req->op == Op::kStart || req->op == Op::kStop;
  if (waits) {
    // The match is added before the call: a job that ends at once still finds it.
    if (Failed(req, lib.match_signal(c.bus, &c.slot, kDest, kPath, kManager, "JobRemoved", OnJobRemoved, &watch), "sd_bus_match_signal")) return;
    // systemd sends its signals only once some client subscribed.
    if (!CallManager(lib, &c, req, "Subscribe", [](sd_bus_message*) { return 0; })) return;
  }

  const char* unit = req->unit.c_str();
  bool ok = false;
  switch (req->op) {
    case Op::kStart:
      ok = CallManager(lib, &c, req, "StartTransientUnit", [&](sd_bus_message* m) {
        int r;
        if ((r = lib.append_basic(m, 's', unit)) < 0) return r;
        if ((r = lib.append_basic(m, 's', "replace")) < 0) return r;
        if ((r = AppendProperties(lib, m, req->properties)) < 0) return r;
        // aux: a(sa(sv)), no auxiliary units.
        if ((r = lib.open_container(m, 'a', "(sa(sv))")) < 0) return r;
        return lib.close_container(m);
      });
      break;
    case Op::kStop:
      ok = CallManager(lib, &c, req, "StopUnit", [&](sd_bus_message* m) {
        int r;
        if ((r = lib.append_basic(m, 's', unit)) < 0) return r;
        return lib.append_basic(m, 's', "replace");
      });
      break;
    case Op::kSet:
      ok = CallManager(lib, &c, req, "SetUnitProperties", [&](sd_bus_message* m) {
        int r;
        if ((r = lib.append_basic(m, 's', unit)) < 0) return r;
        int runtime = 1;
        if ((r = lib.append_basic(m, 'b', &runtime)) < 0) return r;
        return AppendProperties(lib, m, req->properties);
      });
      if (ok) req->job_result = "done";
      return;
    case Op::kReset:
      ok = CallManager(lib, &c, req, "ResetFailedUnit", [&](sd_bus_message* m) { return lib.append_basic(m, 's', unit); });
      if (ok) req->job_result = "done";
      return;
  }
  if (!ok) return;
  const char* job = nullptr;
  if (Failed(req, lib.read_basic(c.reply, 'o', &job), "sd_bus_message_read")) return;
  watch.job = job ? job : "";
  uint64_t deadline = NowUsec() + req->timeout_usec;
  while (!watch.done) {
    int r = lib.process(c.bus, nullptr);
    if (Failed(req, r, "sd_bus_process")) return;
    if (r > 0) continue;
    uint64_t now = NowUsec();
    if (now >= deadline) {
      req->err = ETIMEDOUT;
      req->error_call = "JobRemoved";
      return;
    }
    if (Failed(req, lib.wait(c.bus, deadline - now), "sd_bus_wait")) return;
  }
  req->job_result = watch.result;
}

// ---- arguments (read with args.h: typed errors with Node's codes) -------------

// A u64 as decimal text (the plan's U64 form): digits only, at most 2^64-1.
bool ReadU64Text(Napi::Env env, Napi::Value v, const std::string& name, uint64_t* out) {
  std::string s;
  if (!ReadString(env, v, name, &s)) return false;
  uint64_t n = 0;
  bool ok = !s.empty() && s.size() <= 20;
  for (char ch : s) {
    if (!ok) break;
    uint64_t d = static_cast<uint64_t>(ch - '0');
    ok = ch >= '0' && ch <= '9' && n <= (UINT64_MAX - d) / 10;
    n = n * 10 + d;
  }
  if (!ok) {
    ThrowArgValue(env, name, "the decimal text of a number >= 0 and <= 2^64-1", v);
    return false;
  }
  *out = n;
  return true;
}

bool ReadNonEmpty(Napi::Env env, Napi::Value v, const std::string& name, std::string* out) {
  if (!ReadString(env, v, name, out)) return false;
  if (out->empty()) {
    ThrowArgValue(env, name, "a non-empty string", v);
    return false;
  }
  return true;
}

// A property's value list: each element read by `each`.
template <typename Each>
bool ReadList(Napi::Env env, Napi::Value v, const std::string& name, Each each) {
  Napi::Array a;
  if (!ReadArray(env, v, name, &a)) return false;
  for (uint32_t j = 0; j < a.Length(); j++) {
    if (!each(a.Get(j), name + "[" + std::to_string(j) + "]")) return false;
  }
  return true;
}

bool ParseProperty(Napi::Env env, Napi::Value v, const std::string& where, Property* p) {
  Napi::Object o;
  if (!ReadObject(env, v, where, &o)) return false;
  if (!ReadNonEmpty(env, o.Get("name"), where + ".name", &p->name)) return false;
  if (!ReadString(env, o.Get("type"), where + ".type", &p->type)) return false;
  Napi::Value value = o.Get("value");
  const std::string at = where + ".value";
  if (p->type == "s") return ReadString(env, value, at, &p->str);
  if (p->type == "b") return ReadBool(env, value, at, &p->boolean);
  if (p->type == "t") return ReadU64Text(env, value, at, &p->number);
  if (p->type == "u") {
    uint32_t u = 0;
    if (!ReadUint32(env, value, at, &u)) return false;
    p->number = u;
    return true;
  }
  if (p->type == "as") {
    return ReadList(env, value, at, [&](Napi::Value e, const std::string& n) {
      std::string s;
      if (!ReadString(env, e, n, &s)) return false;
      p->strings.push_back(s);
      return true;
    });
  }
  if (p->type == "au" || p->type == "ay") {
    const bool bytes = p->type == "ay";
    return ReadList(env, value, at, [&](Napi::Value e, const std::string& n) {
      int64_t u = 0;
      if (!ReadInt(env, e, n, 0, bytes ? 255 : UINT32_MAX, &u)) return false;
      if (bytes) p->bytes.push_back(static_cast<uint8_t>(u));
      else p->numbers.push_back(static_cast<uint32_t>(u));
      return true;
    });
  }
  if (p->type == "a(ss)") {
    return ReadList(env, value, at, [&](Napi::Value e, const std::string& n) {
      Napi::Array pair;
      if (!ReadArray(env, e, n, &pair, 2)) return false;
      if (pair.Length() != 2) {
        ThrowArgValue(env, n, "a pair of strings", e);
        return false;
      }
      std::string a, b;
      if (!ReadString(env, pair.Get(0u), n + "[0]", &a) || !ReadString(env, pair.Get(1u), n + "[1]", &b)) return false;
      p->pairs.emplace_back(a, b);
      return true;
    });
  }
  ThrowArgValue(env, where + ".type", "one of s, b, t, u, as, au, ay, a(ss)", o.Get("type"));
  return false;
}

// request: { op: 'start' | 'stop' | 'set' | 'reset', bus: 'system' | 'user', unit, properties?, timeoutMs }
bool ParseRequest(const Napi::CallbackInfo& info, Request* req) {
  Napi::Env env = info.Env();
  Napi::Object o;
  if (!ReadObject(env, Nth(info, 0), "request", &o)) return false;
  std::string op, bus;
  if (!ReadString(env, o.Get("op"), "request.op", &op)) return false;
  if (op == "start") req->op = Op::kStart;
  else if (op == "stop") req->op = Op::kStop;
  else if (op == "set") req->op = Op::kSet;
  else if (op == "reset") req->op = Op::kReset;
  else {
    ThrowArgValue(env, "request.op", "one of start, stop, set, reset", o.Get("op"));
    return false;
  }
  if (!ReadString(env, o.Get("bus"), "request.bus", &bus)) return false;
  if (bus != "system" && bus != "user") {
    ThrowArgValue(env, "request.bus", "system or user", o.Get("bus"));
    return false;
  }
  req->user = bus == "user";
  if (!ReadNonEmpty(env, o.Get("unit"), "request.unit", &req->unit)) return false;
  int64_t ms = 0;
  if (!ReadInt(env, o.Get("timeoutMs"), "request.timeoutMs", 1, UINT32_MAX, &ms)) return false;
  req->timeout_usec = static_cast<uint64_t>(ms) * 1000u;
  Napi::Value props = o.Get("properties");
  if (props.IsUndefined()) return true;
  Napi::Array a;
  if (!ReadArray(env, props, "request.properties", &a, 1024)) return false;
  req->properties.resize(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    if (!ParseProperty(env, a.Get(i), "request.properties[" + std::to_string(i) + "]", &req->properties[i])) return false;
  }
  return true;
}

class SystemdWorker : public Napi::AsyncWorker {
 public:
  SystemdWorker(Napi::Env env, std::unique_ptr<Request> req)
      : Napi::AsyncWorker(env, "kapsel:systemdUnit"), deferred_(Napi::Promise::Deferred::New(env)), req_(std::move(req)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { Run(req_.get()); }
  void OnOK() override {
    Napi::Env env = Env();
    const Request& r = *req_;
    if (r.err != 0) {
      std::string message = r.error_call + ": " + (r.error_message.empty() ? std::string(strerror(r.err)) : r.error_message);
      Napi::Error e = MakeErrnoError(env, r.err, r.error_call.c_str());
      e.Set("message", Napi::String::New(env, message));
      if (!r.dbus_error.empty()) e.Set("dbusError", Napi::String::New(env, r.dbus_error));
      deferred_.Reject(e.Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("result", Napi::String::New(env, r.job_result));
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<Request> req_;
};

Napi::Value SystemdUnitAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Arguments first: a bad call is the caller's error on every host.
  auto req = std::make_unique<Request>();
  if (!ParseRequest(info, req.get())) return env.Undefined();
  const Libsystemd& lib = Load();
  if (!lib.ok) {
    Napi::Error e = Napi::Error::New(env, lib.error);
    e.Set("code", Napi::String::New(env, "ERR_SYSTEMD_LIBRARY"));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  SystemdWorker* worker = new SystemdWorker(env, std::move(req));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void InitSdBus(Napi::Env env, Napi::Object exports) {
  exports.Set("systemdUnitAsync", Napi::Function::New(env, SystemdUnitAsync, "systemdUnitAsync"));
}

}  // namespace kapsel
