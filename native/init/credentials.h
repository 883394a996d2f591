// The credential ops of a plan: limits, capabilities, groups and ids,
// no_new_privs.
#pragma once
#include "init_context.h"
#include "step_types.h"

namespace kapsel_init {

void Run(InitContext& ctx, const RlimitStep& s);
void Run(InitContext& ctx, const BoundingStep& s);
void Run(InitContext& ctx, const KeepCapsStep& s);
void Run(InitContext& ctx, const SetgroupsStep& s);
void Run(InitContext& ctx, const SetresgidStep& s);
void Run(InitContext& ctx, const SetresuidStep& s);
void Run(InitContext& ctx, const CapsetStep& s);
void Run(InitContext& ctx, const AmbientStep& s);
void Run(InitContext& ctx, const NoNewPrivsStep& s);

}  // namespace kapsel_init
