// waitReadable(fd | fds): a Promise that resolves once one of the fds is
// readable (or its peer hung up), with that fd's index, through uv_polls
// on the event loop: no thread of libuv's small pool is held while a
// container's init takes its time (hooks, mounts, the start), so any
// number of creates and starts can wait at once. The first fd ready ends
// the wait on all of them (start waits on the exec fifo and the init's
// pidfd together: whichever comes first). The caller then reads without
// blocking. With { keepAlive: false } the wait does not keep the process
// alive by itself (uv_unref): a watch that only listens, such as the
// 'oom' event of a container, must not hold a program that is done.
#include <napi.h>
#include <uv.h>

#include <vector>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

struct ReadableGroup;

struct Watch {
  uv_poll_t poll;
  ReadableGroup* group;
  uint32_t index;
  bool initialized = false;
};

// One wait on several fds; deleted when its last poll handle is closed.
struct ReadableGroup {
  napi_env env;
  Napi::Promise::Deferred deferred;
  std::vector<Watch> watches;
  size_t open_handles = 0;
  bool settled = false;
  ReadableGroup(napi_env e, size_t n) : env(e), deferred(Napi::Promise::Deferred::New(e)), watches(n) {}
};

void OnWatchClosed(uv_handle_t* handle) {
  ReadableGroup* g = static_cast<Watch*>(handle->data)->group;
  if (--g->open_handles == 0) delete g;
}

// Stops and closes every poll of the group (the deferred is settled by the caller).
void CloseAll(ReadableGroup* g) {
  for (Watch& w : g->watches) {
    if (!w.initialized) continue;
    w.initialized = false;
    uv_poll_stop(&w.poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&w.poll), OnWatchClosed);
  }
}

void OnReady(uv_poll_t* handle, int status, int events) {
  Watch* w = static_cast<Watch*>(handle->data);
  ReadableGroup* g = w->group;
  if (g->settled) return;
  g->settled = true;
  Napi::Env env(g->env);
  Napi::HandleScope scope(env);
  // An error on the fd (status < 0) is for the read that follows to report.
  g->deferred.Resolve(Napi::Number::New(env, w->index));
  CloseAll(g);
}

bool ReadFds(const Napi::CallbackInfo& info, std::vector<int>* fds) {
  Napi::Env env = info.Env();
  if (Nth(info, 0).IsArray()) {
    Napi::Array list;
    if (!ReadArray(env, info[0], "fd", &list, 1024)) return false;
    for (uint32_t i = 0; i < list.Length(); i++) {
      int fd;
      if (!ReadFd(env, list.Get(i), "fd[" + std::to_string(i) + "]", &fd)) return false;
      fds->push_back(fd);
    }
    if (fds->empty()) {
      ThrowArgValue(env, "fd", "a non-empty array (no fd to wait on)", info[0]);
      return false;
    }
    return true;
  }
  int fd;
  if (!ArgFd(info, 0, "fd", &fd)) return false;
  fds->push_back(fd);
  return true;
}

// The options object (second argument): { keepAlive?: boolean }, default true.
bool ReadKeepAlive(const Napi::CallbackInfo& info, bool* keep_alive) {
  *keep_alive = true;
  if (info.Length() < 2 || info[1].IsUndefined()) return true;
  Napi::Object options;
  if (!ReadObject(info.Env(), info[1], "options", &options)) return false;
  Napi::Value v = options.Get("keepAlive");
  return v.IsUndefined() || ReadBool(info.Env(), v, "options.keepAlive", keep_alive);
}

Napi::Value WaitReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int> fds;
  bool keep_alive;
  if (!ReadFds(info, &fds) || !ReadKeepAlive(info, &keep_alive)) return env.Undefined();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    Napi::Error::New(env, "waitReadable: no event loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ReadableGroup* g = new ReadableGroup(env, fds.size());
  Napi::Promise promise = g->deferred.Promise();
  for (size_t i = 0; i < fds.size(); i++) {
    Watch& w = g->watches[i];
    w.group = g;
    w.index = static_cast<uint32_t>(i);
    w.poll.data = &w;
    const char* call = "uv_poll_init";
    int rc = uv_poll_init(loop, &w.poll, fds[i]);
    if (rc == 0) {
      w.initialized = true;
      g->open_handles++;
      call = "uv_poll_start";
      rc = uv_poll_start(&w.poll, UV_READABLE | UV_DISCONNECT, OnReady);
      if (!keep_alive) uv_unref(reinterpret_cast<uv_handle_t*>(&w.poll));
    }
    if (rc != 0) {
      g->settled = true;
      g->deferred.Reject(MakeErrnoError(env, -rc, call).Value());
      break;
    }
  }
  if (g->settled) {
    if (g->open_handles == 0) {
      delete g;
    } else {
      CloseAll(g);
    }
  }
  return promise;
}

}  // namespace

void InitWaitReadable(Napi::Env env, Napi::Object exports) {
  exports.Set("waitReadable", Napi::Function::New(env, WaitReadable, "waitReadable"));
}

}  // namespace kapsel
