#include <napi.h>
namespace kapsel {
void InitSpawn(Napi::Env env, Napi::Object exports) {}
}  // namespace kapsel
