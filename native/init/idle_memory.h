// The wait of a created container's init for `start` (which may last for
// days) with as little memory as it can: before it blocks, the init gives
// back the pages of its own program mapped so far and its free heap.
// Nothing it still needs is lost: the program's read-only pages come back
// from the (sealed memfd) file on the next access, after `start`; the heap
// keeps every live allocation. README, "Memory of a created container",
// has the measurements.
#pragma once

namespace kapsel_init {

// Gives back the free heap and unmaps the program's read-only pages (best
// effort: a failure changes nothing but the memory figure).
void ReleaseIdleMemory();

// openat(dirfd, path, flags | O_CLOEXEC), retried on EINTR: the open of
// the exec fifo for writing, which blocks until `start` opens it for
// reading. With `release_memory`, first ReleaseIdleMemory(). The release
// and the blocking open sit together in one file and make their system
// calls without libc, so that the only code that runs (and faults back in)
// between the release and the wait is one 64 KiB fault-around window of
// it. Returns the fd, or -1 with errno.
int OpenAfterRelease(int dirfd, const char* path, int flags, bool release_memory);

}  // namespace kapsel_init
