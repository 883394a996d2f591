// Copies a directory's contents into another directory, through fds only
// (tmpcopyup: an image directory's files into the tmpfs that will cover
// it). Every entry is opened relative to its parent's fd without following
// symlinks (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so nothing swapped in during
// the copy can make it read or write a host file; symlinks are copied as
// links. Modes, owners and timestamps are kept.
#pragma once
#include <string>

namespace kapsel_init {

// `from` and `to` are directory fds (`to` may be a detached mount's root);
// `shown` names `from` in errors.
void CopyDirectoryContents(int from, int to, const std::string& shown);

}  // namespace kapsel_init
