// Executes one launch-plan step. Each op is one small syscall-level action
// with arguments the runtime resolved already; the op table in steps.cc is
// the whole vocabulary (lib/plan/steps.ts is its TypeScript mirror).
#pragma once
#include <string>

#include "plan_reader.h"

namespace kapsel_init {

struct InitContext {
  // Host path of the container's root while the plan runs before
  // pivot_root; empty afterwards (container paths are then plain paths).
  std::string root;
  int sync_fd = -1;
  std::string creating_state;  // state JSON for createContainer hooks
  std::string created_state;   // state JSON for startContainer hooks
  int last_cap = 40;
};

void ExecuteStep(InitContext& ctx, const Step& step);

}  // namespace kapsel_init
