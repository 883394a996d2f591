// The procfs of the helper of an exec plan (kapsel-init --exec).
//
// That helper is spawned inside the container's mount namespace: its
// "/proc" is whatever the container put there — nothing, a directory of
// planted files, a tmpfs, a procfs with files bound over it. None of that
// may be trusted. It mounts a procfs of its own instead, never attached to
// any tree (fsopen + fsmount: only its fd reaches it), of the pid
// namespace it was born in (the container's), limited to the process
// directories (subset=pid), so /proc/self is the helper itself.
#pragma once

namespace kapsel_init {

// The root of a fresh, detached procfs checked with fstatfs
// (PROC_SUPER_MAGIC), or -1 with errno set: the kernel refuses a new procfs
// in a user namespace whose mount namespace shows no procfs in full (a
// container without /proc), and to a rootless helper in the runtime's
// own mount namespace.
int OpenPrivateProcfs();

}  // namespace kapsel_init
