// The pieces of the C++ runtime that the init helper uses, defined here so
// that libstdc++'s own are not linked in. The helper is built without
// exceptions (binding.gyp): a failure is Fail() and _exit. libstdc++'s
// versions of what follows are compiled with exceptions, and linking any of
// them drags in the exception runtime (personality routine, unwinder,
// typeinfo, the verbose terminate handler with its demangler and stdio):
// text that every waiting init would map and partly fault in, for a throw
// that can never be caught (README, "Memory of a created container").
//
// - std::string is instantiated here, without exceptions, instead of
//   coming from libstdc++'s string-inst.o;
// - operator new / delete go straight to malloc / free;
// - the std::__throw_* functions that inline container code calls on
//   impossible sizes end the process, as an uncaught exception would have.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

template class std::basic_string<char>;

namespace {

[[noreturn]] void Die(const char* what) {
  static const char prefix[] = "kapsel-init: ";
  ssize_t ignored = write(2, prefix, sizeof prefix - 1);
  ignored = write(2, what, strlen(what));
  ignored = write(2, "\n", 1);
  (void)ignored;
  _exit(1);
}

void* Allocate(size_t size) {
  void* p = malloc(size != 0 ? size : 1);
  if (p == nullptr) Die("out of memory");
  return p;
}

}  // namespace

void* operator new(size_t size) { return Allocate(size); }
void* operator new[](size_t size) { return Allocate(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

namespace std {

void __throw_bad_alloc() { Die("out of memory"); }
void __throw_bad_array_new_length() { Die("out of memory (array length)"); }
void __throw_length_error(const char* what) { Die(what); }
void __throw_logic_error(const char* what) { Die(what); }
void __throw_out_of_range(const char* what) { Die(what); }
void __throw_out_of_range_fmt(const char* what, ...) { Die(what); }
void __throw_invalid_argument(const char* what) { Die(what); }

}  // namespace std
