// process.terminal: a pty from the container's own devpts, its slave as
// /dev/console and as the process's stdio and controlling terminal, its
// master sent to the engine over the console socket (SCM_RIGHTS).
#pragma once

namespace kapsel_init {

// Runs after pivot_root; fails the init (fail.h) on any error.
void SetUpConsole(int socket_fd, int rows, int cols);

}  // namespace kapsel_init
