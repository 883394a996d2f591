// The ops of a plan that hand control to the runtime or set the kernel
// up for the process: sync points, hooks, sysctls, personality, the
// console, host and domain names, the seccomp filter, a late unshare.
#pragma once
#include "init_context.h"
#include "step_types.h"

namespace kapsel_init {

void Run(InitContext& ctx, const UnshareStep& s);
void Run(InitContext& ctx, const SyncStep& s);
void Run(InitContext& ctx, const HookStep& s);
void Run(InitContext& ctx, const SysctlStep& s);
void Run(InitContext& ctx, const PersonalityStep& s);
void Run(InitContext& ctx, const ConsoleStep& s);
void Run(InitContext& ctx, const HostnameStep& s);
void Run(InitContext& ctx, const DomainnameStep& s);
void Run(InitContext& ctx, const SeccompStep& s);

}  // namespace kapsel_init
