// Entry point of the kapsel_native addon. Each source file registers its own
// functions; this file only strings them together.
#include <napi.h>

namespace kapsel {
void InitSyscalls(Napi::Env env, Napi::Object exports);
void InitSpawn(Napi::Env env, Napi::Object exports);
void InitPidfdWait(Napi::Env env, Napi::Object exports);
void InitWaitReadable(Napi::Env env, Napi::Object exports);
void InitIpc(Napi::Env env, Napi::Object exports);
void InitConsole(Napi::Env env, Napi::Object exports);
void InitSeccomp(Napi::Env env, Napi::Object exports);
void InitSendFd(Napi::Env env, Napi::Object exports);
void InitSpawnPool(Napi::Env env, Napi::Object exports);
void InitCgroupBpf(Napi::Env env, Napi::Object exports);
void InitIdmap(Napi::Env env, Napi::Object exports);
void InitNetDevices(Napi::Env env, Napi::Object exports);
void InitEventFds(Napi::Env env, Napi::Object exports);
void InitFileBatch(Napi::Env env, Napi::Object exports);
void InitSdBus(Napi::Env env, Napi::Object exports);
}  // namespace kapsel

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kapsel::InitSyscalls(env, exports);
  kapsel::InitSpawn(env, exports);
  kapsel::InitPidfdWait(env, exports);
  kapsel::InitWaitReadable(env, exports);
  kapsel::InitIpc(env, exports);
  kapsel::InitConsole(env, exports);
  kapsel::InitSeccomp(env, exports);
  kapsel::InitSendFd(env, exports);
  kapsel::InitSpawnPool(env, exports);
  kapsel::InitCgroupBpf(env, exports);
  kapsel::InitIdmap(env, exports);
  kapsel::InitNetDevices(env, exports);
  kapsel::InitEventFds(env, exports);
  kapsel::InitFileBatch(env, exports);
  kapsel::InitSdBus(env, exports);
  return exports;
}

NODE_API_MODULE(kapsel_native, Init)
