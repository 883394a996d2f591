#include "copy_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "fail.h"

namespace kapsel_init {

namespace {

// Owner, mode and times of the copy `name` in `to` as `st` says.
void CopyAttributes(int to, const std::string& name, const struct stat& st, const std::string& shown) {
  if (fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) Fail("chown", errno, shown);
  if (!S_ISLNK(st.st_mode) && fchmodat(to, name.c_str(), st.st_mode & 07777, 0) < 0) Fail("chmod", errno, shown);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (utimensat(to, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) Fail("utimensat", errno, shown);
}

void CopyFile(int from, int to, const std::string& name, const struct stat& st, const std::string& shown) {
  int in = openat(from, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) Fail("open", errno, shown);
  int out = openat(to, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) Fail("open", errno, shown, "the copy in the new tmpfs");
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail("read", errno, shown);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) Fail("write", errno, shown, "the copy in the new tmpfs");
      done += w;
    }
  }
  close(in);
  close(out);
  (void)st;
}

}  // namespace

void CopyDirectoryContents(int from, int to, const std::string& shown) {
  // A directory fd of its own for reading: `from` may be O_PATH.
  int dir_fd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) Fail("open", errno, shown);
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) Fail("fdopendir", errno, shown);
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  for (const std::string& name : names) {
    std::string path = shown + "/" + name;
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) Fail("stat", errno, path);
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(to, name.c_str(), 0700) < 0) Fail("mkdir", errno, path, "the copy in the new tmpfs");
      int sub_from = openat(dir_fd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_from < 0) Fail("open", errno, path);
      int sub_to = openat(to, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_to < 0) Fail("open", errno, path, "the copy in the new tmpfs");
      CopyDirectoryContents(sub_from, sub_to, path);
      close(sub_from);
      close(sub_to);
    } else if (S_ISREG(st.st_mode)) {
      CopyFile(dir_fd, to, name, st, path);
    } else if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(static_cast<size_t>(st.st_size) + 1);
      ssize_t n = readlinkat(dir_fd, name.c_str(), target.data(), target.size());
      if (n < 0 || static_cast<size_t>(n) >= target.size()) Fail("readlink", n < 0 ? errno : ENAMETOOLONG, path);
      target[static_cast<size_t>(n)] = '\0';
      if (symlinkat(target.data(), to, name.c_str()) < 0) Fail("symlink", errno, path, "the copy in the new tmpfs");
    } else {
      // FIFOs, sockets and device nodes: the node itself, not its content.
      if (mknodat(to, name.c_str(), st.st_mode, st.st_rdev) < 0) Fail("mknod", errno, path, "the copy in the new tmpfs");
    }
    CopyAttributes(to, name, st, path);
  }
  closedir(dir);
}

}  // namespace kapsel_init
