// bpf(2) for cgroup2 device filters: load a BPF_PROG_TYPE_CGROUP_DEVICE
// program (generated in TypeScript, lib/cgroups/device-bpf.ts, passed as
// the raw 8-byte instructions) and attach it to a cgroup directory with
// BPF_F_ALLOW_MULTI, so that programs of the parents (systemd's) still
// apply. Raw syscalls, no libbpf. The attachment lives as long as the
// cgroup: the program fd can be closed once attached.
#include <napi.h>

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

long Bpf(int cmd, union bpf_attr* attr) {
  return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

// bpfLoadDeviceProgram(insns: Buffer, license: string): { fd, log }
Napi::Value LoadDeviceProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> insns;
  if (!ReadBuffer(env, Nth(info, 0), "insns", &insns)) return env.Undefined();
  if (insns.Length() == 0 || insns.Length() % sizeof(struct bpf_insn) != 0) {
    ThrowArgValue(env, "insns", "a whole number of 8-byte instructions", info[0]);
    return env.Undefined();
  }
  std::string license;
  if (!ArgString(info, 1, "license", &license)) return env.Undefined();
  // The verifier's log explains a rejected program: worth the 64 KiB.
  std::vector<char> log(64 * 1024, '\0');
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insn_cnt = static_cast<uint32_t>(insns.Length() / sizeof(struct bpf_insn));
  attr.insns = reinterpret_cast<uint64_t>(insns.Data());
  attr.license = reinterpret_cast<uint64_t>(license.c_str());
  attr.log_level = 1;
  attr.log_buf = reinterpret_cast<uint64_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  int fd = static_cast<int>(Bpf(BPF_PROG_LOAD, &attr));
  if (fd < 0 && errno == ENOSPC) {
    // The log did not fit: load again without it, the error is what matters.
    attr.log_level = 0;
    attr.log_buf = 0;
    attr.log_size = 0;
    fd = static_cast<int>(Bpf(BPF_PROG_LOAD, &attr));
  }
  if (fd < 0) {
    int e = errno;
    Napi::Error err = MakeErrnoError(env, e, "bpf(BPF_PROG_LOAD)");
    err.Set("verifierLog", Napi::String::New(env, log.data()));
    err.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// bpfAttachDeviceProgram(progFd, cgroupFd): BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI.
Napi::Value AttachDeviceProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int prog_fd, cgroup_fd;
  if (!ArgFd(info, 0, "progFd", &prog_fd) || !ArgFd(info, 1, "cgroupFd", &cgroup_fd)) return env.Undefined();
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(cgroup_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attr) < 0) {
    ThrowErrno(env, errno, "bpf(BPF_PROG_ATTACH)");
    return env.Undefined();
  }
  return env.Undefined();
}

}  // namespace

void InitCgroupBpf(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfLoadDeviceProgram", Napi::Function::New(env, LoadDeviceProgram, "bpfLoadDeviceProgram"));
  exports.Set("bpfAttachDeviceProgram", Napi::Function::New(env, AttachDeviceProgram, "bpfAttachDeviceProgram"));
}

}  // namespace kapsel
