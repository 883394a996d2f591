// waitReadable(fd): a Promise that resolves once `fd` is readable (or its
// peer hung up), through a uv_poll on the event loop: no thread of libuv's
// small pool is held while a container's init takes its time (hooks,
// mounts), so any number of creates can wait at once. The caller then
// reads without blocking.
#include <napi.h>
#include <uv.h>

#include "errors.h"

namespace kapsel {

namespace {

struct ReadableWaiter {
  uv_poll_t poll;
  napi_env env;
  Napi::Promise::Deferred deferred;
  explicit ReadableWaiter(napi_env e) : env(e), deferred(Napi::Promise::Deferred::New(e)) {}
};

void OnWaiterClosed(uv_handle_t* handle) { delete static_cast<ReadableWaiter*>(handle->data); }

void OnReady(uv_poll_t* handle, int status, int events) {
  ReadableWaiter* w = static_cast<ReadableWaiter*>(handle->data);
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  uv_poll_stop(handle);
  // An error on the fd (status < 0) is for the read that follows to report.
  w->deferred.Resolve(env.Undefined());
  uv_close(reinterpret_cast<uv_handle_t*>(handle), OnWaiterClosed);
}

Napi::Value WaitReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, "fd", &fd)) return env.Undefined();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    Napi::Error::New(env, "waitReadable: no event loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ReadableWaiter* w = new ReadableWaiter(env);
  Napi::Promise promise = w->deferred.Promise();
  int rc = uv_poll_init(loop, &w->poll, static_cast<int>(fd));
  if (rc != 0) {
    w->deferred.Reject(MakeErrnoError(env, -rc, "uv_poll_init").Value());
    delete w;
    return promise;
  }
  w->poll.data = w;
  rc = uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, OnReady);
  if (rc != 0) {
    w->deferred.Reject(MakeErrnoError(env, -rc, "uv_poll_start").Value());
    uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnWaiterClosed);
  }
  return promise;
}

}  // namespace

void InitWaitReadable(Napi::Env env, Napi::Object exports) {
  exports.Set("waitReadable", Napi::Function::New(env, WaitReadable, "waitReadable"));
}

}  // namespace kapsel
