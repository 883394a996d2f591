// A container in a mount namespace it does not own (lib/plan/mount-namespace.ts):
// the chroot of one in the runtime's namespace, and the check that a
// namespace joined by path is not the host's before anything is mounted,
// written or named in it.
#pragma once
#include "step_types.h"
#include "init_context.h"

namespace kapsel_init {

void Run(InitContext& ctx, const ChrootStep& step);
void Run(InitContext& ctx, const CheckNsStep& step);

}  // namespace kapsel_init
