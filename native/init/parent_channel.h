// Messages between the init helper and the runtime process over a
// SOCK_SEQPACKET socketpair: each message is NUL-separated fields.
//   runtime -> init: "go" <creating-state-json> <created-state-json>,
//                    "ok", "abort"
//   init -> runtime: "sync" <name>, "ready", "error" ... (fail.h)
#pragma once
#include <string>
#include <vector>

namespace kapsel_init {

bool SendMessage(int fd, const std::vector<std::string>& fields);
// Returns false on EOF (the runtime went away) or error.
bool ReceiveMessage(int fd, std::vector<std::string>* fields);

}  // namespace kapsel_init
