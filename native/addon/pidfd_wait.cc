#include <napi.h>
namespace kapsel {
void InitPidfdWait(Napi::Env env, Napi::Object exports) {}
}  // namespace kapsel
