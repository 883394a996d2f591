// process.terminal: a pty from the container's own devpts, its slave as
// /dev/console and as the process's stdio and controlling terminal, its
// master sent to the engine over the console socket (SCM_RIGHTS).
#pragma once

namespace kapsel_init {

// Runs after pivot_root (or in the joined mount namespace of an exec,
// with bind_console false: the container's /dev/console stays the init's);
// fails the init (fail.h) on any error.
void SetUpConsole(int socket_fd, int rows, int cols, bool bind_console);

}  // namespace kapsel_init
