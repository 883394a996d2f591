// Descriptors the kernel makes readable when something happens, for waits
// on the event loop (waitReadable): eventfd(2), which a cgroup v1
// notification (cgroup.event_control) signals, and inotify(7), through
// which kernfs reports changes of cgroup2 files such as memory.events.
// Every fd is close-on-exec; nothing here reads or decides what an event
// means (lib/cgroups/oom-watch.ts does).
#include <napi.h>

#include <sys/eventfd.h>
#include <sys/inotify.h>

#include <cerrno>
#include <string>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

// eventfd(initval, flags): EFD_CLOEXEC is always added. Returns the fd.
Napi::Value Eventfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t initval, flags;
  if (!ArgUint32(info, 0, "initval", &initval) || !ArgUint32(info, 1, "flags", &flags)) return env.Undefined();
  int fd = eventfd(initval, static_cast<int>(flags) | EFD_CLOEXEC);
  if (fd < 0) {
    ThrowErrno(env, errno, "eventfd");
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// inotify_init1(flags): IN_CLOEXEC is always added. Returns the fd.
Napi::Value InotifyInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t flags;
  if (!ArgUint32(info, 0, "flags", &flags)) return env.Undefined();
  int fd = inotify_init1(static_cast<int>(flags) | IN_CLOEXEC);
  if (fd < 0) {
    ThrowErrno(env, errno, "inotify_init1");
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// inotify_add_watch(fd, path, mask). Returns the watch descriptor.
Napi::Value InotifyAddWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint32_t mask;
  std::string path;
  if (!ArgFd(info, 0, "fd", &fd) || !ArgString(info, 1, "path", &path) || !ArgUint32(info, 2, "mask", &mask))
    return env.Undefined();
  int wd = inotify_add_watch(fd, path.c_str(), mask);
  if (wd < 0) {
    ThrowErrno(env, errno, "inotify_add_watch", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, wd);
}

}  // namespace

void InitEventFds(Napi::Env env, Napi::Object exports) {
  exports.Set("eventfd", Napi::Function::New(env, Eventfd, "eventfd"));
  exports.Set("inotifyInit", Napi::Function::New(env, InotifyInit, "inotifyInit"));
  exports.Set("inotifyAddWatch", Napi::Function::New(env, InotifyAddWatch, "inotifyAddWatch"));
}

}  // namespace kapsel
