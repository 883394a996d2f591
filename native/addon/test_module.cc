// Entry point of the kapsel_native_test addon, built for the tests only
// (native/test-addon/binding.gyp, scripts/build-test-addon.js) and loaded
// by test/helpers/test-addon.ts: the functions tests need that lib/ never
// calls (the library addon, module.cc, does not export them).
#include <napi.h>

namespace kapsel {
void InitSyscallsTest(Napi::Env env, Napi::Object exports);
void InitSpawnTest(Napi::Env env, Napi::Object exports);
void InitConsoleTest(Napi::Env env, Napi::Object exports);
void InitSeccompTest(Napi::Env env, Napi::Object exports);
}  // namespace kapsel

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kapsel::InitSyscallsTest(env, exports);
  kapsel::InitSpawnTest(env, exports);
  kapsel::InitConsoleTest(env, exports);
  kapsel::InitSeccompTest(env, exports);
  return exports;
}

NODE_API_MODULE(kapsel_native_test, Init)
