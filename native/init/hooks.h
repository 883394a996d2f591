// Runs a hook (createContainer, startContainer) from inside the container's
// namespaces: the state JSON on stdin, stdout+stderr captured for the
// runtime's error message, killed when `timeout_seconds` (> 0) expires.
#pragma once
#include <string>
#include <vector>

#include "protocol.h"

namespace kapsel_init {

// True when the hook exited with status 0; otherwise `failure` says how it
// failed (its kind and path are the caller's). A hook that cannot be
// started at all (pipe, fork) fails the init through Fail().
bool RunHook(const std::string& path, const std::vector<std::string>& args,
             const std::vector<std::string>& env, int timeout_seconds,
             const std::string& state_json, HookFailedMessage* failure);

}  // namespace kapsel_init
