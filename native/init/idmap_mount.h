// Id-mapped bind mounts (mounts[].uidMappings/gidMappings, the idmap and
// ridmap options). MOUNT_ATTR_IDMAP needs privilege over the filesystem's
// user namespace (the host's), which the init may lack inside the
// container's user namespace: the runtime makes the id-mapped detached tree
// (native/addon/idmap.cc) and passes it as an inherited fd; the init only
// attaches it onto the target's fd (fd_mounts.h).
#pragma once
#include "step_types.h"
#include "init_context.h"

namespace kapsel_init {

void Run(InitContext& ctx, const AttachTreeStep& s);

}  // namespace kapsel_init
