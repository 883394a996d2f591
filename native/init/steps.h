// Executes one launch-plan step. Each op is one small syscall-level action
// with arguments the runtime resolved already; step_types.h is the whole
// vocabulary (lib/plan/steps.ts is its TypeScript mirror), and one file
// per kind runs them: mounts.cc, credentials.cc, exec.cc, settings.cc,
// scheduling.cc, network.cc, mount_namespace.cc, ... Decoding a step's
// fields and running it are separate: DescribeStep decodes with the same
// readers and prints instead of running (kapsel-init --dry-run).
#pragma once
#include <string>

#include "init_context.h"
#include "plan_reader.h"

namespace kapsel_init {

void ExecuteStep(InitContext& ctx, const Step& step);

// The decoded step as one JSON object (TypeScript property names).
std::string DescribeStep(const Step& step);

}  // namespace kapsel_init
