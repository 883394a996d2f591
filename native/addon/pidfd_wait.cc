// pidfdWait(pidfd, reap): a Promise for the exit of a process, without
// blocking the event loop and without a thread per process. A pidfd becomes
// readable when its process exits, so a uv_poll on it wakes the loop; then
// waitid(P_PIDFD, WNOHANG) reaps exactly that child (libuv reaps only the
// pids it spawned itself, so nothing else steals the status). With
// reap=false the status is only peeked at (WNOWAIT), and a process that is
// not our child resolves with nulls once it is gone.
#include <napi.h>
#include <uv.h>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "args.h"
#include "errors.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace kapsel {

namespace {

struct Waiter {
  uv_poll_t poll;
  napi_env env;
  Napi::Promise::Deferred deferred;
  int pidfd;
  bool reap;
  Waiter(napi_env e) : env(e), deferred(Napi::Promise::Deferred::New(e)) {}
};

const char* SignalName(int sig) {
  static thread_local char buf[32];
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev == nullptr) {
    snprintf(buf, sizeof buf, "SIG%d", sig);
  } else {
    snprintf(buf, sizeof buf, "SIG%s", abbrev);
  }
  return buf;
}

void OnClosed(uv_handle_t* handle) { delete static_cast<Waiter*>(handle->data); }

void OnReadable(uv_poll_t* handle, int status, int events) {
  Waiter* w = static_cast<Waiter*>(handle->data);
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int rc;
  do {
    rc = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(w->pidfd), &info, WEXITED | WNOHANG | (w->reap ? 0 : WNOWAIT));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0 && info.si_pid == 0) return;  // spurious wake-up: not exited yet
  uv_poll_stop(handle);
  if (rc < 0 && errno == ECHILD && !w->reap) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("exitCode", env.Null());
    result.Set("signal", env.Null());
    w->deferred.Resolve(result);
  } else if (rc < 0) {
    w->deferred.Reject(MakeErrnoError(env, errno, "waitid").Value());
  } else {
    Napi::Object result = Napi::Object::New(env);
    if (info.si_code == CLD_EXITED) {
      result.Set("exitCode", Napi::Number::New(env, info.si_status));
      result.Set("signal", env.Null());
    } else {
      result.Set("exitCode", env.Null());
      result.Set("signal", Napi::String::New(env, SignalName(info.si_status)));
    }
    w->deferred.Resolve(result);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(handle), OnClosed);
}

Napi::Value PidfdWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd;
  bool reap = true;
  if (!ArgFd(info, 0, "pidfd", &pidfd) || !ArgOptionalBool(info, 1, "reap", &reap)) return env.Undefined();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    Napi::Error::New(env, "pidfdWait: no event loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Waiter* w = new Waiter(env);
  w->pidfd = pidfd;
  w->reap = reap;
  Napi::Promise promise = w->deferred.Promise();
  int rc = uv_poll_init(loop, &w->poll, w->pidfd);
  if (rc == 0) {
    w->poll.data = w;
    rc = uv_poll_start(&w->poll, UV_READABLE, OnReadable);
    if (rc != 0) {
      w->deferred.Reject(MakeErrnoError(env, -rc, "uv_poll_start").Value());
      uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnClosed);
    }
  } else {
    w->deferred.Reject(MakeErrnoError(env, -rc, "uv_poll_init").Value());
    delete w;
  }
  return promise;
}

}  // namespace

void InitPidfdWait(Napi::Env env, Napi::Object exports) {
  exports.Set("pidfdWait", Napi::Function::New(env, PidfdWait, "pidfdWait"));
}

}  // namespace kapsel
