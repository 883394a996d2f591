// The launch plan's vocabulary on the C++ side: one struct per op, whose
// Visit() names and orders its fields exactly once. The same Visit serves
// the decoder (StepArgs, plan_reader.h: bytes -> struct) and the dry-run
// printer (StepPrinter, step_printer.h: struct -> JSON line), so what
// `kapsel-init --dry-run` prints is what the executor would get. Field
// names are the TypeScript property names (lib/plan/steps.ts), the order is
// the one of lib/plan/encode.ts; test/unit/plan-wire.test.ts diffs the two.
//
// Field kinds: Str (UTF-8 text, never holds a NUL), Int (signed, a JSON
// number), Uint (unsigned, a JSON number: flags), Big (unsigned 64-bit, a
// TypeScript bigint: capability masks, rlimits), Bool, Strs, Ints, Bytes
// (raw bytes, any content: a BPF program), Enum (a wire enum, wire_enums.h:
// its index on the wire, its TypeScript word when printed).
//
// The structs live in step_types_fs.h (filesystem) and
// step_types_process.h (the process); the header step is here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "step_types_fs.h"
#include "step_types_process.h"
#include "wire_enums.h"

namespace kapsel_init {

// Step 0 of every plan: what the init must know before "go" (main.cc reads
// it first), decided by the runtime (lib/plan/header.ts): the plan's kind,
// the procfs to open at start, and the container paths below /proc a bind
// may cover (proc_guard.h). Running it does nothing.
struct HeaderStep {
  static constexpr const char* kOp = "header";
  PlanKind kind = PlanKind::kCreate;
  ProcfsSource procfs = ProcfsSource::kHost;
  Strings proc_binds;
  template <class V> void Visit(V& v) {
    v.Enum("kind", kind);
    v.Enum("procfs", procfs);
    v.Strs("procBinds", proc_binds);
  }
};

// Every op, for dispatch by name: With(op, f) calls f(S{}) for the struct
// whose kOp is `op` and returns whether there was one.
template <class... S>
struct StepList {
  template <class F>
  static bool With(const std::string& op, F&& f) {
    return ((op == S::kOp ? (f(S{}), true) : false) || ...);
  }
};

using AllSteps =
    StepList<HeaderStep, RootStep, MountStep, SetattrStep, MkdirStep, TouchStep, MknodStep, SymlinkStep, MaskStep,
             ReadonlyStep, PivotRootStep, MoveRootStep, SyncStep, HookStep, SysctlStep, PersonalityStep,
             ConsoleStep, HostnameStep, DomainnameStep, RlimitStep, BoundingStep,
             KeepCapsStep, SetgroupsStep, SetresgidStep, SetresuidStep, CapsetStep, AmbientStep,
             NoNewPrivsStep, SeccompStep, UmaskStep, ChdirStep, CheckExecStep, WaitStartStep, ExecStep, ExecLabelStep,
             BindDeviceStep, BindSocketStep, TmpfsCopyupStep, UnshareStep, AffinityStep, SchedulerStep, IoprioStep,
             MempolicyStep, CheckTimensStep, AttachTreeStep, LoopbackUpStep, NetdevStep,
             ChrootStep, CheckNsStep>;

}  // namespace kapsel_init
