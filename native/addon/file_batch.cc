// fileBatchAsync(ops): a short list of file system calls (mkdir, rmdir,
// write a small file, read one, test that a path exists, list a
// directory's subdirectories) run in order on one thread of libuv's pool.
//
// Why: a container's cgroups are a few dozen such calls (nine mkdirs,
// limits, the init's pid in each v1 hierarchy, nine rmdirs), each 0.05-0.1
// ms of kernel time under cgroup_mutex. Made synchronously they kept the
// JS thread busy ~3 ms per container; as one batch on the pool they cost
// it one hand-over, and a process with hundreds of containers in flight
// spreads them over the pool's threads and both cores. Node's own async
// fs would take one pool hand-over per call (and readFile four).
//
// The addon knows nothing about cgroups: an op is a path, a call and what
// failures the batch goes on after. The first failure not tolerated ends
// the batch; every op that ran has its result (the caller turns failures
// into errors naming the file, lib/cgroups/file-batch.ts).
//
// A write names a directory and ONE file name in it, and the file is
// opened from the directory's fd with O_NOFOLLOW and never O_CREAT: a
// control file name built from input ("hugetlb.<pageSize>.max") that held
// "/../" or led to a symlink would otherwise let an update write any
// content to any file as root, and O_CREAT would make new ones (issue 16).
// A cgroup's files exist once the kernel made the cgroup; a missing one is
// ENOENT, which the caller reports or, for an optional file, warns about.
#include <napi.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"

namespace kapsel {

namespace {

enum class OpKind { kMkdir, kRmdir, kWrite, kRead, kExists, kSubdirs };

// A file's content is read up to this size (control files are small; a
// cgroup.procs of a big cgroup is the largest, ~7 bytes per pid).
constexpr size_t kMaxRead = 16 * 1024 * 1024;

struct FileOp {
  OpKind kind;
  std::string path;       // kWrite: the directory the file is in
  std::string file;       // kWrite: the file's name in `path`, one path component
  std::string value;      // kWrite: the content, written with as few write(2) as the kernel takes
  bool tolerate_all = false;
  std::vector<int> tolerate;  // errnos after which the batch goes on
  // Result.
  bool ran = false;
  int err = 0;
  const char* syscall = "";
  std::string text;                // kRead
  std::vector<std::string> names;  // kSubdirs
};

struct FileBatch {
  std::vector<FileOp> ops;
};

bool Tolerated(const FileOp& op) {
  if (op.tolerate_all) return true;
  for (int e : op.tolerate) {
    if (e == op.err) return true;
  }
  return false;
}

int OpenRetrying(const char* path, int flags, mode_t mode) {
  int fd;
  do {
    fd = open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

void Fail(FileOp* op, const char* syscall) {
  op->err = errno;
  op->syscall = syscall;
}

void RunWrite(FileOp* op) {
  int dir_fd = OpenRetrying(op->path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (dir_fd < 0) return Fail(op, "open");
  int fd;
  do {
    fd = openat(dir_fd, op->file.c_str(), O_WRONLY | O_CLOEXEC | O_TRUNC | O_NOFOLLOW);
  } while (fd < 0 && errno == EINTR);
  int open_errno = errno;
  close(dir_fd);
  if (fd < 0) {
    errno = open_errno;
    return Fail(op, "open");
  }
  size_t done = 0;
  // One write(2) for the whole value unless the kernel takes less: each
  // line of a control file is one command. Nothing is written for an
  // empty value (the file is truncated only), as with writeFileSync.
  while (done < op->value.size()) {
    ssize_t n = write(fd, op->value.data() + done, op->value.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Fail(op, "write");
      close(fd);
      return;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 && errno != EINTR) Fail(op, "close");
}

void RunRead(FileOp* op) {
  // O_NOFOLLOW: a control file is never a symlink; one planted in a
  // writable cgroup must not make the runtime read another file.
  int fd = OpenRetrying(op->path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0) return Fail(op, "open");
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Fail(op, "read");
      break;
    }
    if (n == 0) break;
    op->text.append(buf, static_cast<size_t>(n));
    if (op->text.size() > kMaxRead) {
      errno = EFBIG;
      Fail(op, "read");
      break;
    }
  }
  close(fd);
}

void RunSubdirs(FileOp* op) {
  int fd = OpenRetrying(op->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return Fail(op, "scandir");
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    Fail(op, "scandir");
    close(fd);
    return;
  }
  for (;;) {
    errno = 0;
    struct dirent* e = readdir(dir);
    if (e == nullptr) {
      if (errno != 0) Fail(op, "scandir");
      break;
    }
    if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0'))) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) op->names.emplace_back(e->d_name);
  }
  closedir(dir);
}

void RunOp(FileOp* op) {
  op->ran = true;
  switch (op->kind) {
    case OpKind::kMkdir:
      if (mkdir(op->path.c_str(), 0777) != 0) Fail(op, "mkdir");
      break;
    case OpKind::kRmdir:
      if (rmdir(op->path.c_str()) != 0) Fail(op, "rmdir");
      break;
    case OpKind::kWrite:
      RunWrite(op);
      break;
    case OpKind::kRead:
      RunRead(op);
      break;
    case OpKind::kExists:
      if (access(op->path.c_str(), F_OK) != 0) Fail(op, "access");
      break;
    case OpKind::kSubdirs:
      RunSubdirs(op);
      break;
  }
}

void RunBatch(FileBatch* batch) {
  for (FileOp& op : batch->ops) {
    RunOp(&op);
    if (op.err != 0 && !Tolerated(op)) return;
  }
}

bool ParseKind(const std::string& name, OpKind* kind) {
  static const struct {
    const char* name;
    OpKind kind;
  } kKinds[] = {{"mkdir", OpKind::kMkdir}, {"rmdir", OpKind::kRmdir},   {"write", OpKind::kWrite},
                {"read", OpKind::kRead},   {"exists", OpKind::kExists}, {"subdirs", OpKind::kSubdirs}};
  for (const auto& k : kKinds) {
    if (name == k.name) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

// A wrong type is ERR_INVALID_ARG_TYPE, a string of the right type but not allowed ERR_INVALID_ARG_VALUE (args.h).
// `v` is the bad string field (op, path, file), or undefined for a bad type elsewhere.
bool ThrowBadOp(Napi::Env env, uint32_t i, const std::string& what, Napi::Value v = Napi::Value()) {
  Napi::TypeError e = Napi::TypeError::New(env, "fileBatch: op " + std::to_string(i) + ": " + what);
  e.Set("code", Napi::String::New(env, !v.IsEmpty() && v.IsString() ? "ERR_INVALID_ARG_VALUE" : "ERR_INVALID_ARG_TYPE"));
  e.ThrowAsJavaScriptException();
  return false;
}

bool StringWithoutNul(Napi::Value v, std::string* out) {
  if (!v.IsString()) return false;
  *out = v.As<Napi::String>().Utf8Value();
  return out->find('\0') == std::string::npos;
}

// One path component: not empty, no "/", not "." or "..".
bool OneComponent(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// ops: Array<{ op, path, file?, value?, tolerate?: true | number[] }>
bool ParseBatch(const Napi::CallbackInfo& info, FileBatch* batch) {
  Napi::Env env = info.Env();
  Napi::Array ops;
  if (!ReadArray(env, Nth(info, 0), "ops", &ops)) return false;
  batch->ops.resize(ops.Length());
  // The keys made once per batch, not once per op (a C string key is internalized on every lookup).
  Napi::String kOp = Napi::String::New(env, "op"), kPath = Napi::String::New(env, "path"), kValue = Napi::String::New(env, "value"),
               kFile = Napi::String::New(env, "file"), kTolerate = Napi::String::New(env, "tolerate");
  for (uint32_t i = 0; i < ops.Length(); i++) {
    Napi::Value v = ops.Get(i);
    if (!v.IsObject()) return ThrowBadOp(env, i, "must be an object");
    Napi::Object o = v.As<Napi::Object>();
    FileOp& op = batch->ops[i];
    std::string kind;
    if (!StringWithoutNul(o.Get(kOp), &kind) || !ParseKind(kind, &op.kind)) return ThrowBadOp(env, i, "unknown op", o.Get(kOp));
    if (!StringWithoutNul(o.Get(kPath), &op.path) || op.path.empty()) return ThrowBadOp(env, i, "path must be a non-empty string without null bytes", o.Get(kPath));
    if (op.kind == OpKind::kWrite) {
      Napi::Value value = o.Get(kValue);
      if (!value.IsString()) return ThrowBadOp(env, i, "value must be a string");
      op.value = value.As<Napi::String>().Utf8Value();
      if (!StringWithoutNul(o.Get(kFile), &op.file) || !OneComponent(op.file)) {
        return ThrowBadOp(env, i, "file must be one path component (no \"/\", not \".\" or \"..\")", o.Get(kFile));
      }
    }
    Napi::Value tolerate = o.Get(kTolerate);
    if (tolerate.IsBoolean()) {
      op.tolerate_all = tolerate.As<Napi::Boolean>().Value();
    } else if (tolerate.IsArray()) {
      Napi::Array list = tolerate.As<Napi::Array>();
      for (uint32_t j = 0; j < list.Length(); j++) {
        int e;
        if (!ReadInt32(env, list.Get(j), "ops[" + std::to_string(i) + "].tolerate[" + std::to_string(j) + "]", &e, 1, 4095))
          return false;
        op.tolerate.push_back(e);
      }
    } else if (!tolerate.IsUndefined()) {
      return ThrowBadOp(env, i, "tolerate must be true or an array of errno numbers");
    }
  }
  return true;
}

// One entry per op: true (done), the content (read), the names (subdirs),
// { errno, code, syscall } (failed), or undefined (not run: an earlier op
// failed).
Napi::Array BatchResult(Napi::Env env, const FileBatch& batch) {
  Napi::Array out = Napi::Array::New(env, batch.ops.size());
  for (uint32_t i = 0; i < batch.ops.size(); i++) {
    const FileOp& op = batch.ops[i];
    if (!op.ran) continue;
    if (op.err != 0) {
      Napi::Object failure = Napi::Object::New(env);
      failure.Set("errno", Napi::Number::New(env, op.err));
      failure.Set("code", Napi::String::New(env, ErrnoName(op.err)));
      failure.Set("syscall", Napi::String::New(env, op.syscall));
      out.Set(i, failure);
    } else if (op.kind == OpKind::kRead) {
      out.Set(i, Napi::String::New(env, op.text));
    } else if (op.kind == OpKind::kSubdirs) {
      Napi::Array names = Napi::Array::New(env, op.names.size());
      for (uint32_t j = 0; j < op.names.size(); j++) names.Set(j, Napi::String::New(env, op.names[j]));
      out.Set(i, names);
    } else {
      out.Set(i, Napi::Boolean::New(env, true));
    }
  }
  return out;
}

class FileBatchWorker : public Napi::AsyncWorker {
 public:
  FileBatchWorker(Napi::Env env, std::unique_ptr<FileBatch> batch)
      : Napi::AsyncWorker(env, "kapsel:fileBatch"), deferred_(Napi::Promise::Deferred::New(env)), batch_(std::move(batch)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { RunBatch(batch_.get()); }
  void OnOK() override { deferred_.Resolve(BatchResult(Env(), *batch_)); }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<FileBatch> batch_;
};

Napi::Value FileBatchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto batch = std::make_unique<FileBatch>();
  if (!ParseBatch(info, batch.get())) return env.Undefined();
  FileBatchWorker* worker = new FileBatchWorker(env, std::move(batch));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// The same on the calling thread (for callers that must stay synchronous).
Napi::Value FileBatchSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileBatch batch;
  if (!ParseBatch(info, &batch)) return env.Undefined();
  RunBatch(&batch);
  return BatchResult(env, batch);
}

}  // namespace

void InitFileBatch(Napi::Env env, Napi::Object exports) {
  exports.Set("fileBatchAsync", Napi::Function::New(env, FileBatchAsync, "fileBatchAsync"));
  exports.Set("fileBatch", Napi::Function::New(env, FileBatchSync, "fileBatch"));
}

}  // namespace kapsel
