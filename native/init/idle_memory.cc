#include "idle_memory.h"

#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace kapsel_init {

namespace {

struct PageRange {
  uintptr_t start, end;
};

// The read-only segments of the program (a static binary has three: ELF
// headers, text, rodata); more than this is not expected.
struct ReadOnlySegments {
  PageRange ranges[8];
  int count = 0;
};

// A system call without libc: its wrappers live elsewhere in the program's
// text, and every page of it touched after the release faults a 64 KiB
// window back in. Returns the kernel's answer (-errno on failure). Other
// architectures than x86_64 (untested here) take libc's syscall(), at the
// cost of a second window.
long RawSyscall3(long number, long a, long b, long c) {
#if defined(__x86_64__)
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
#else
  long ret = syscall(number, a, b, c);
  return ret < 0 ? -errno : ret;
#endif
}

PageRange PagesOf(uintptr_t bias, const ElfW(Phdr)& ph, uintptr_t page) {
  uintptr_t start = bias + ph.p_vaddr;
  return {start & ~(page - 1), (start + ph.p_memsz + page - 1) & ~(page - 1)};
}

// Whether `info` is the program this code belongs to (not the vDSO).
bool HoldsThisCode(const struct dl_phdr_info* info, uintptr_t page) {
  const uintptr_t here = reinterpret_cast<uintptr_t>(&OpenAfterRelease);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    PageRange r = PagesOf(info->dlpi_addr, ph, page);
    if (here >= r.start && here < r.end) return true;
  }
  return false;
}

// Collects the page ranges of every read-only segment of the program
// (text, rodata, ELF headers). Writable segments (data, bss, the RELRO part
// that relocation wrote) are left out, also where a page would be shared.
int CollectReadOnlySegments(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<ReadOnlySegments*>(data);
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  if (!HoldsThisCode(info, page)) return 0;
  for (int i = 0; i < info->dlpi_phnum && out->count < 8; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) || ph.p_memsz == 0) continue;
    PageRange r = PagesOf(info->dlpi_addr, ph, page);
    for (int j = 0; j < info->dlpi_phnum; j++) {
      const ElfW(Phdr)& w = info->dlpi_phdr[j];
      if (w.p_type != PT_LOAD || !(w.p_flags & PF_W)) continue;
      PageRange wr = PagesOf(info->dlpi_addr, w, page);
      if (wr.start >= r.end || wr.end <= r.start) continue;
      if (wr.start > r.start) r.end = wr.start;  // the writable one follows: stop before it
      else r.start = wr.end < r.end ? wr.end : r.end;
    }
    if (r.end > r.start) out->ranges[out->count++] = r;
  }
  return 1;
}

}  // namespace

void ReleaseIdleMemory() {
  ReadOnlySegments segments;
  malloc_trim(0);
  dl_iterate_phdr(CollectReadOnlySegments, &segments);
  // A static binary's text is mostly libc, and the kernel's fault-around
  // maps 64 KiB around every page the set-up touched, so nearly all of it
  // is resident by now. These pages were never written (a private file
  // mapping, never copied on write): MADV_DONTNEED only unmaps them, and
  // they fault back in from the memfd when the init runs again. From the
  // first madvise on, only this file's code runs until the open blocks.
  for (int i = 0; i < segments.count; i++) {
    const PageRange& r = segments.ranges[i];
    RawSyscall3(SYS_madvise, static_cast<long>(r.start), static_cast<long>(r.end - r.start), MADV_DONTNEED);
  }
}

int OpenAfterRelease(int dirfd, const char* path, int flags, bool release_memory) {
  if (release_memory) ReleaseIdleMemory();
  long fd;
  do {
    fd = RawSyscall3(SYS_openat, dirfd, reinterpret_cast<long>(path), flags | O_CLOEXEC);
  } while (fd == -EINTR);
  if (fd < 0) {
    errno = static_cast<int>(-fd);
    return -1;
  }
  return static_cast<int>(fd);
}

}  // namespace kapsel_init
