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
#include "root_paths.h"
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

namespace {

// The steps that only act beneath the root through container paths: the
// root fd they share stays open across a run of them (root_paths.h). Any
// other step (a hook, pivot_root, chroot, an fd moved...) may change what
// the root path names, so the fd is forgotten before it and after it (it
// may have used a container path itself before the change: move-root).
bool KeepsRootFd(const std::string& op) {
  static const char* const kFilesystemSteps[] = {MountStep::kOp, SetattrStep::kOp, MkdirStep::kOp, TouchStep::kOp, MknodStep::kOp,
                                                 SymlinkStep::kOp, MaskStep::kOp, ReadonlyStep::kOp};
  for (const char* name : kFilesystemSteps)
    if (op == name) return true;
  return false;
}

}  // namespace

void ExecuteStep(InitContext& ctx, const Step& step) {
  const bool keeps = KeepsRootFd(step.fields[0]);
  if (!keeps) ForgetRootFd();
  StepArgs args(step);
  bool known = AllSteps::With(step.fields[0], [&](auto decoded) {
    decoded.Visit(args);
    args.Done();
    Run(ctx, decoded);
  });
  if (!known) FailPlan("unknown step " + step.fields[0]);
  if (!keeps) ForgetRootFd();
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
