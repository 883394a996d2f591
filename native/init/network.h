// Network set-up the runtime owes a new network namespace: its loopback
// interface up, as runc and crun leave it (the kernel creates it down).
#pragma once
#include "step_types.h"
#include "steps.h"

namespace kapsel_init {

void Run(InitContext& ctx, const LoopbackUpStep& step);

}  // namespace kapsel_init
