// The check that the init runs in the time namespace the spawner created
// for it (native/addon/spawn.cc): the spawner's child unshares it and
// writes its offsets, and the exec of the init enters it — on kernels that
// switch an exec'ing process to its time_for_children namespace (6.0+).
#pragma once
#include "step_types.h"
#include "init_context.h"

namespace kapsel_init {

void Run(InitContext& ctx, const CheckTimensStep& s);

}  // namespace kapsel_init
