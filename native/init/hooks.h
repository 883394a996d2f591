// Runs a hook (createContainer, startContainer) from inside the container's
// namespaces: the state JSON on stdin, stdout+stderr captured for the error
// message, killed when `timeout_seconds` (> 0) expires.
#pragma once
#include <string>
#include <vector>

namespace kapsel_init {

// Returns an empty string on success, else why the hook failed.
std::string RunHook(const std::string& path, const std::vector<std::string>& args,
                    const std::vector<std::string>& env, int timeout_seconds,
                    const std::string& state_json);

}  // namespace kapsel_init
