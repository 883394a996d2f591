{
  # Two targets, like node-pty: the N-API addon that Node loads, and the
  # container init helper, a separate executable that the addon execs (from a
  # sealed memfd copy) inside the new namespaces to run a launch plan.
  "targets": [
    {
      "target_name": "kapsel_native",
      "sources": [
        "native/addon/module.cc",
        "native/addon/errors.cc",
        "native/addon/syscalls.cc",
        "native/addon/spawn.cc",
        "native/addon/spawn_child.cc",
        "native/addon/spawn_pool.cc",
        "native/addon/sealed_copy.cc",
        "native/addon/pidfd_wait.cc",
        "native/addon/wait_readable.cc",
        "native/addon/ipc.cc",
        "native/addon/console.cc",
        "native/addon/seccomp.cc",
        "native/addon/send_fd.cc",
        "native/addon/cgroup_bpf.cc",
        "native/addon/cgroup_clone.cc",
        "native/addon/idmap.cc",
        "native/addon/netdev.cc",
        "native/addon/event_fds.cc",
        "native/addon/file_batch.cc",
        "native/addon/sd_bus.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldl"]
    },
    {
      "target_name": "kapsel-init",
      "type": "executable",
      "sources": [
        "native/init/main.cc",
        "native/init/join.cc",
        "native/init/pool_wait.cc",
        "native/init/plan_reader.cc",
        "native/init/protocol.cc",
        "native/init/steps.cc",
        "native/init/mounts.cc",
        "native/init/credentials.cc",
        "native/init/settings.cc",
        "native/init/exec.cc",
        "native/init/step_printer.cc",
        "native/init/hooks.cc",
        "native/init/console.cc",
        "native/init/root_paths.cc",
        "native/init/fd_mounts.cc",
        "native/init/seccomp.cc",
        "native/init/fail.cc",
        "native/init/copy_tree.cc",
        "native/init/proc_guard.cc",
        "native/init/scheduling.cc",
        "native/init/lsm_label.cc",
        "native/init/time_namespace.cc",
        "native/init/idmap_mount.cc",
        "native/init/network.cc",
        "native/init/mount_namespace.cc",
        "native/init/exec_procfs.cc",
        "native/init/cxx_runtime.cc",
        "native/init/idle_memory.cc"
      ],
      "defines": ["_GNU_SOURCE"],
      # Small, because every created container maps it while it waits for
      # start, and a container created by the CLI keeps its own memfd copy
      # of the whole file alive (README, "Memory of a created container"):
      # optimised for size, no exceptions, RTTI or unwind tables (failures
      # are Fail() and _exit), unused functions and data dropped at link
      # time, symbols stripped. -Os comes after the configuration's -O3.
      "cflags!": ["-fPIC"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-exceptions", "-fno-rtti",
                    "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
                    "-ffunction-sections", "-fdata-sections", "-Os"],
      # Static: for exec the helper is started inside the container's mount
      # namespace, where no dynamic loader or libc of the host exists (it
      # uses no NSS or dlopen, so nothing needs the shared libc).
      "ldflags": ["-static", "-Wl,--gc-sections", "-s"]
    }
  ]
}
