// The ops that end a plan: umask and cwd, the program's lookup, the wait
// for start, and the execve.
#pragma once
#include "init_context.h"
#include "step_types.h"

namespace kapsel_init {

void Run(InitContext& ctx, const UmaskStep& s);
void Run(InitContext& ctx, const ChdirStep& s);
void Run(InitContext& ctx, const CheckExecStep& s);
void Run(InitContext& ctx, const WaitStartStep& s);
void Run(InitContext& ctx, const ExecStep& s);

}  // namespace kapsel_init
