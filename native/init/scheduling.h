// The scheduling ops of the plan: CPU affinity, scheduler policy, I/O
// priority and NUMA memory policy of the init, which execve keeps for the
// container's process. Each is one syscall on the init itself.
#pragma once
#include "step_types.h"
#include "init_context.h"

namespace kapsel_init {

void Run(InitContext& ctx, const AffinityStep& s);
void Run(InitContext& ctx, const SchedulerStep& s);
void Run(InitContext& ctx, const IoprioStep& s);
void Run(InitContext& ctx, const MempolicyStep& s);

}  // namespace kapsel_init
