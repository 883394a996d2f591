#include <napi.h>
namespace kapsel {
void InitSyscalls(Napi::Env env, Napi::Object exports) {}
}  // namespace kapsel
