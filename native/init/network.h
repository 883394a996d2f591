// Network set-up inside the init's network namespace: a new one's loopback
// interface up, as runc and crun leave it (the kernel creates it down), and
// the links of linux.netDevices the runtime moved in, named, addressed, up.
#pragma once
#include "step_types.h"
#include "init_context.h"

namespace kapsel_init {

void Run(InitContext& ctx, const LoopbackUpStep& step);
void Run(InitContext& ctx, const NetdevStep& step);

}  // namespace kapsel_init
