// Pool mode of the init helper (native/common/pool_protocol.h): a helper
// spawned ahead of time waits here, in its fresh namespaces, for the one
// container it will ever serve.
#pragma once

namespace kapsel_init {

// Waits on `pool_fd` for the hand-over, puts the fds it carries at their
// numbers and the pool fd at the sync fd's, closes everything else, and
// returns the plan and sync fd numbers, as a cold helper gets them from
// its argv. The runtime closing its end first (the pool closed, or the
// runtime gone) ends the helper quietly with status 0; a malformed
// hand-over fails as a plan error on the pool fd.
void WaitForHandover(int pool_fd, int* plan_fd, int* sync_fd);

}  // namespace kapsel_init
