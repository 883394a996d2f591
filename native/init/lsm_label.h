// The exec-label op: the LSM label (SELinux context, AppArmor "exec
// PROFILE") the container's process gets at the final execve, written to
// our own /proc/thread-self/attr file through the procfs verified at start.
#pragma once
#include "step_types.h"
#include "init_context.h"

namespace kapsel_init {

void Run(InitContext& ctx, const ExecLabelStep& s);

}  // namespace kapsel_init
