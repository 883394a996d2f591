// Dispatch of a decoded step to the file that runs its kind (steps.h).
#include "steps.h"

#include <cerrno>

#include "credentials.h"
#include "exec.h"
#include "fail.h"
#include "idmap_mount.h"
#include "lsm_label.h"
#include "mount_namespace.h"
#include "mounts.h"
#include "network.h"
#include "scheduling.h"
#include "settings.h"
#include "step_printer.h"
#include "step_types.h"
#include "time_namespace.h"

namespace kapsel_init {

namespace {

// The header is read before "go" (main.cc) and must come first; as a step
// it does nothing.
void Run(InitContext&, const HeaderStep&) {}

}  // namespace

void ExecuteStep(InitContext& ctx, const Step& step) {
  StepArgs args(step);
  bool known = AllSteps::With(step.fields[0], [&](auto decoded) {
    decoded.Visit(args);
    args.Done();
    Run(ctx, decoded);
  });
  if (!known) FailPlan("unknown step " + step.fields[0]);
}

std::string DescribeStep(const Step& step) {
  StepArgs args(step);
  std::string json;
  bool known = AllSteps::With(step.fields[0], [&](auto decoded) {
    decoded.Visit(args);
    args.Done();
    StepPrinter printer(step.fields[0]);
    decoded.Visit(printer);
    json = printer.Json();
  });
  if (!known) FailPlan("unknown step " + step.fields[0]);
  return json;
}

}  // namespace kapsel_init
