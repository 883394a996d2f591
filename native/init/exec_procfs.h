// The procfs of the helper of an exec plan (kapsel-init --exec).
//
// That helper is spawned inside the container's mount namespace: its
// "/proc" is whatever the container put there — nothing, a directory of
// planted files, a tmpfs, a procfs with files bound over it. No file there
// may be trusted. The helper mounts a procfs of its own instead, never
// attached to any tree (fsopen + fsmount: only its fd reaches it), of the
// pid namespace it was born in (the container's), limited to the process
// directories (subset=pid), so /proc/self is the helper itself.
//
// The kernel refuses that new procfs in a user namespace whose mount
// namespace shows no procfs in full (a container without /proc), or whose
// user namespace does not own the pid namespace (a container in the
// host's). Then the container's own procfs mount at /proc is cloned alone
// (open_tree without AT_RECURSIVE: nothing bound over a file below it
// comes along) and used only if it is a procfs whose "self" resolves — in
// any procfs, "self" is the directory of the process that looks.
#pragma once

namespace kapsel_init {

// The root of a procfs as above, checked with fstatfs (PROC_SUPER_MAGIC),
// or -1 when there is none.
int OpenPrivateProcfs();

}  // namespace kapsel_init
