{
  # The test addon: what tests need from C++ that lib/ never calls (the
  # syscalls the init makes, wrapped one by one; the synchronous spawn; a
  # listening unix socket; a seccomp agent's notify calls). Its own gyp
  # file, so that `npm install` (node-gyp rebuild of ../../binding.gyp)
  # builds only the library's addon and the init helper;
  # scripts/build-test-addon.js builds this one for the tests.
  "targets": [
    {
      "target_name": "kapsel_native_test",
      "sources": [
        "../addon/test_module.cc",
        "../addon/syscalls_test.cc",
        "../addon/errors.cc",
        "../addon/spawn.cc",
        "../addon/spawn_child.cc",
        "../addon/sealed_copy.cc",
        "../addon/cgroup_clone.cc",
        "../addon/console.cc",
        "../addon/seccomp.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldl"]
    }
  ]
}
