// The filesystem ops of a plan (step_types_fs.h): the root, mounts,
// nodes, links, masked and read-only paths, device and socket binds.
#pragma once
#include "init_context.h"
#include "step_types.h"

namespace kapsel_init {

void Run(InitContext& ctx, const RootStep& s);
void Run(InitContext& ctx, const MountStep& s);
void Run(InitContext& ctx, const SetattrStep& s);
void Run(InitContext& ctx, const MkdirStep& s);
void Run(InitContext& ctx, const TouchStep& s);
void Run(InitContext& ctx, const MknodStep& s);
void Run(InitContext& ctx, const SymlinkStep& s);
void Run(InitContext& ctx, const MaskStep& s);
void Run(InitContext& ctx, const ReadonlyStep& s);
void Run(InitContext& ctx, const PivotRootStep& s);
void Run(InitContext& ctx, const MoveRootStep& s);
void Run(InitContext& ctx, const BindDeviceStep& s);
void Run(InitContext& ctx, const BindSocketStep& s);
void Run(InitContext& ctx, const TmpfsCopyupStep& s);

}  // namespace kapsel_init
