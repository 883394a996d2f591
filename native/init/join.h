// Join mode (native/common/join_protocol.h): the helper, exec'd by the
// runtime in the runtime's own namespaces, enters the namespaces it is
// given and forks the process that goes on into the container.
#pragma once

namespace kapsel_init {

// True when the runtime started us in join mode (--join-report is given).
bool IsJoinMode(int argc, char** argv);

// Joins, forks, reports the child's pid on the report pipe. Returns only in
// the forked child (the container's side); the helper itself exits there.
// Must run non-dumpable, before anything else of the plan. Returns whether
// a pid or user namespace was among the joined ones: others may be in those.
bool JoinNamespacesAndFork(int argc, char** argv);

}  // namespace kapsel_init
