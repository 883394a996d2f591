/**
 * TypeScript types of the OCI runtime configuration (config.json) and of the
 * OCI state object, written from the runtime spec (config.md,
 * config-linux.md, runtime.md). Field names and JSON shapes follow the spec;
 * every field is optional unless the spec makes it REQUIRED on Linux.
 *
 * Only the Linux (and POSIX) parts are typed in detail: kapsel runs Linux
 * containers. The other platform sections (windows, solaris, vm, zos,
 * freebsd) are accepted as opaque objects so that configs written for
 * several platforms still load.
 */

/** Free-form string map: `annotations`, `linux.sysctl`, `resources.unified`. */
export type StringMap = Record<string, string>;

/** Arbitrary metadata; keys are non-empty strings, values strings. */
export type Annotations = StringMap;

/** The whole config.json. */
export interface Spec {
  /** SemVer of the runtime spec the bundle complies with (REQUIRED). */
  ociVersion: string;
  /** The container process; REQUIRED when `start` is called. */
  process?: Process;
  /** The container's root filesystem (REQUIRED on Linux; validateConfig guarantees it). */
  root: Root;
  /** Hostname inside the container's UTS namespace. */
  hostname?: string;
  /** Domainname inside the container's UTS namespace. */
  domainname?: string;
  /** Additional mounts, mounted in order, on top of `root`. */
  mounts?: Mount[];
  /** Lifecycle hooks. */
  hooks?: Hooks;
  /** Arbitrary metadata. */
  annotations?: Annotations;
  /** Linux-specific configuration. */
  linux?: Linux;
  /** Solaris section: not interpreted by kapsel. */
  solaris?: Record<string, unknown>;
  /** Windows section: not interpreted by kapsel. */
  windows?: Record<string, unknown>;
  /** Virtual-machine section: not interpreted by kapsel. */
  vm?: Record<string, unknown>;
  /** z/OS section: not interpreted by kapsel. */
  zos?: Record<string, unknown>;
  /** FreeBSD section: not interpreted by kapsel. */
  freebsd?: Record<string, unknown>;
}

/** `root`: where the container's root filesystem is. */
export interface Root {
  /** Absolute, or relative to the bundle directory (conventionally "rootfs"). */
  path: string;
  /** Make the root filesystem read-only inside the container (default false). */
  readonly?: boolean;
}

/** One entry of `mounts`. */
export interface Mount {
  /**
   * Path inside the container. SHOULD be absolute; a relative path is
   * deprecated and means relative to "/".
   */
  destination: string;
  /** Filesystem type ("proc", "tmpfs", ...; "none" or absent for bind mounts). */
  type?: string;
  /** Device name, or a host path (absolute or bundle-relative) for bind mounts. */
  source?: string;
  /** mount(8)-style options ("nosuid", "rbind", "mode=755", ...). */
  options?: string[];
  /** ID-mapped mount: uid mapping; MUST come with `gidMappings`. */
  uidMappings?: LinuxIDMapping[];
  /** ID-mapped mount: gid mapping; MUST come with `uidMappings`. */
  gidMappings?: LinuxIDMapping[];
}

/** `process`: what runs in the container. */
export interface Process {
  /** Allocate a pseudoterminal for the process (default false). */
  terminal?: boolean;
  /** Terminal size; ignored unless `terminal` is true. */
  consoleSize?: ConsoleSize;
  /** The user the process runs as. */
  user?: User;
  /** argv; at least one entry is REQUIRED on Linux (validated), args[0] is looked up like execvp's file. */
  args: string[];
  /** Windows only: the full command line. */
  commandLine?: string;
  /** Environment, "NAME=value" entries. */
  env?: string[];
  /** Working directory; REQUIRED, absolute. */
  cwd: string;
  /** Linux capability sets. */
  capabilities?: LinuxCapabilities;
  /** POSIX resource limits. */
  rlimits?: POSIXRlimit[];
  /** Set the no_new_privs bit. */
  noNewPrivileges?: boolean;
  /** AppArmor profile name. */
  apparmorProfile?: string;
  /** Value written to /proc/[pid]/oom_score_adj; left alone when absent. */
  oomScoreAdj?: number;
  /** sched_setattr(2) parameters. */
  scheduler?: Scheduler;
  /** SELinux label of the process. */
  selinuxLabel?: string;
  /** I/O priority of the container's processes. */
  ioPriority?: LinuxIOPriority;
  /** CPU affinity for `exec`ed processes (not the init process). */
  execCPUAffinity?: CPUAffinity;
}

/** Terminal size in characters. */
export interface ConsoleSize {
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
}

/** POSIX user of the process (ids in the container's user namespace). */
export interface User {
  /** The user id. */
  uid: number;
  /** The primary group id. */
  gid: number;
  /** umask(2) value; the caller's umask is kept when absent. */
  umask?: number;
  /** Supplementary groups. */
  additionalGids?: number[];
  /** Windows only. */
  username?: string;
}

/** The five Linux capability sets; entries are names like "CAP_CHOWN". */
export interface LinuxCapabilities {
  /** The bounding set: the most the process (and what it execs) can ever gain. */
  bounding?: string[];
  /** The effective set: what the kernel checks. */
  effective?: string[];
  /** The inheritable set: kept across execve for files that have them. */
  inheritable?: string[];
  /** The permitted set: what the process may make effective. */
  permitted?: string[];
  /** The ambient set: kept across execve of unprivileged programs. */
  ambient?: string[];
}

/** One resource limit; `type` is a getrlimit(2) name like "RLIMIT_NOFILE". */
export interface POSIXRlimit {
  /** The limit's name ("RLIMIT_NOFILE"). */
  type: string;
  /** rlim_max. uint64: values above 2^53 lose precision in JSON.parse. */
  hard: number;
  /** rlim_cur; must not exceed `hard`. */
  soft: number;
}

/** `process.scheduler.policy`: a scheduling policy of sched(7). */
export type SchedulerPolicy =
  | 'SCHED_OTHER'
  | 'SCHED_FIFO'
  | 'SCHED_RR'
  | 'SCHED_BATCH'
  | 'SCHED_ISO'
  | 'SCHED_IDLE'
  | 'SCHED_DEADLINE';

/** `process.scheduler.flags`: the sched_setattr(2) flags. */
export type SchedulerFlag =
  | 'SCHED_FLAG_RESET_ON_FORK'
  | 'SCHED_FLAG_RECLAIM'
  | 'SCHED_FLAG_DL_OVERRUN'
  | 'SCHED_FLAG_KEEP_POLICY'
  | 'SCHED_FLAG_KEEP_PARAMS'
  | 'SCHED_FLAG_UTIL_CLAMP_MIN'
  | 'SCHED_FLAG_UTIL_CLAMP_MAX';

/** `process.scheduler`: sched_setattr(2) attributes. */
export interface Scheduler {
  /** The scheduling policy (REQUIRED). */
  policy: SchedulerPolicy;
  /** The nice value (-20 .. 19) for SCHED_OTHER and SCHED_BATCH. */
  nice?: number;
  /** The static priority for SCHED_FIFO and SCHED_RR (1 .. 99). */
  priority?: number;
  /** sched_setattr(2) flags. */
  flags?: SchedulerFlag[];
  /** SCHED_DEADLINE runtime, in nanoseconds. */
  runtime?: number;
  /** SCHED_DEADLINE deadline, in nanoseconds. */
  deadline?: number;
  /** SCHED_DEADLINE period, in nanoseconds. */
  period?: number;
}

/** `process.ioPriority`: ioprio_set(2) class and level (0 highest .. 7 lowest). */
export interface LinuxIOPriority {
  /** The I/O scheduling class: real-time, best-effort or idle. */
  class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  /** The level in the class, 0 (highest) .. 7 (lowest). */
  priority: number;
}

/** `process.execCPUAffinity`: cpu lists like "0-3,7". */
export interface CPUAffinity {
  /** The affinity while the runtime sets the process up (before it joins the container's cgroup). */
  initial?: string;
  /** The affinity the process runs with. */
  final?: string;
}

/** One hook: a program run by the runtime with the state on stdin. */
export interface Hook {
  /** Absolute path of the executable. */
  path: string;
  /** argv, including argv[0]. */
  args?: string[];
  /** Environment, "NAME=value" entries. */
  env?: string[];
  /** Seconds before the hook is aborted; > 0. */
  timeout?: number;
}

/** `hooks`: lifecycle hooks, run in the listed order. */
export interface Hooks {
  /** Deprecated: use createRuntime/createContainer/startContainer. */
  prestart?: Hook[];
  /** Run in the runtime's namespaces after the container's namespaces exist, before pivot_root. */
  createRuntime?: Hook[];
  /** Run in the container's namespaces after createRuntime, before pivot_root. */
  createContainer?: Hook[];
  /** Run in the container, at start, before the user's process is executed. */
  startContainer?: Hook[];
  /** Run in the runtime's namespaces after the user's process started; a failure is a warning. */
  poststart?: Hook[];
  /** Run in the runtime's namespaces after the container is deleted; a failure is a warning. */
  poststop?: Hook[];
}

/** The names of the hook lists, in lifecycle order. */
export type HookName = keyof Hooks;

/** `linux`: Linux-specific configuration. */
export interface Linux {
  /** User namespace uid mappings (need a `user` namespace). */
  uidMappings?: LinuxIDMapping[];
  /** User namespace gid mappings (need a `user` namespace). */
  gidMappings?: LinuxIDMapping[];
  /** Kernel parameters to set, e.g. {"net.ipv4.ip_forward": "1"}. */
  sysctl?: StringMap;
  /** cgroup limits. */
  resources?: LinuxResources;
  /** cgroup path: absolute (from the cgroup root) or runtime-relative. */
  cgroupsPath?: string;
  /** Namespaces to create (no `path`) or join (`path`). */
  namespaces?: LinuxNamespace[];
  /** Device nodes to provide in the container. */
  devices?: LinuxDevice[];
  /** Network devices to move into the container, keyed by host name. */
  netDevices?: Record<string, LinuxNetDevice>;
  /** Seccomp filter. */
  seccomp?: Seccomp;
  /** Propagation of the rootfs mount. */
  rootfsPropagation?: 'shared' | 'slave' | 'private' | 'unbindable' | 'rshared' | 'rslave' | 'rprivate' | 'runbindable';
  /** Paths (absolute, in the container) made unreadable. */
  maskedPaths?: string[];
  /** Paths (absolute, in the container) made read-only. */
  readonlyPaths?: string[];
  /** SELinux context of the container's mounts. */
  mountLabel?: string;
  /** Intel RDT (resctrl) settings. */
  intelRdt?: LinuxIntelRdt;
  /** NUMA memory policy. */
  memoryPolicy?: LinuxMemoryPolicy;
  /** personality(2) execution domain. */
  personality?: LinuxPersonality;
  /** Clock offsets for a time namespace, keyed by clock ("monotonic", "boottime"). */
  timeOffsets?: Record<string, LinuxTimeOffset>;
}

/** The namespace types of `linux.namespaces` (config-linux.md "Namespaces"). */
export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

/** One namespace: created when `path` is absent, joined when it is set. */
export interface LinuxNamespace {
  /** Which namespace. */
  type: LinuxNamespaceType;
  /** Absolute path of a namespace file (e.g. /proc/1234/ns/net) to join. */
  path?: string;
}

/** One uid/gid mapping range (uint32 fields). */
export interface LinuxIDMapping {
  /** First id inside the container. */
  containerID: number;
  /** First id on the host. */
  hostID: number;
  /** Number of ids mapped. */
  size: number;
}

/** Offset of one clock in a time namespace. */
export interface LinuxTimeOffset {
  /** Whole seconds of the offset (may be negative). */
  secs?: number;
  /** Nanoseconds of the offset, added to `secs`. */
  nanosecs?: number;
}

/** A device node: character (c/u), block (b) or fifo (p). */
export interface LinuxDevice {
  /** "c" or "u" character, "b" block, "p" fifo. */
  type: 'c' | 'b' | 'u' | 'p';
  /** Absolute path inside the container. */
  path: string;
  /** REQUIRED unless `type` is "p". */
  major?: number;
  /** The minor number; REQUIRED unless `type` is "p". */
  minor?: number;
  /** File mode as a decimal number (438 == 0666). */
  fileMode?: number;
  /** The node's owner, in the container. */
  uid?: number;
  /** The node's group, in the container. */
  gid?: number;
}

/** A network device moved into the container. */
export interface LinuxNetDevice {
  /** Name inside the container; the host name when absent. */
  name?: string;
}

/** An entry of the cgroup device allow/deny list. */
export interface LinuxDeviceCgroup {
  /** Allow (true) or deny (false) the devices the entry matches. */
  allow: boolean;
  /** "a" (all), "c" or "b". */
  type?: string;
  /** The major number; all majors when absent. */
  major?: number;
  /** The minor number; all minors when absent. */
  minor?: number;
  /** Some of "rwm". */
  access?: string;
}

/** cgroup memory controller. */
export interface LinuxMemory {
  /** Memory limit, bytes (-1: none). */
  limit?: number;
  /** Soft limit, bytes (cgroup2 memory.low). */
  reservation?: number;
  /** Memory plus swap limit, bytes (-1: none). */
  swap?: number;
  /** Kernel memory limit, bytes (deprecated; dropped by newer kernels). */
  kernel?: number;
  /** Kernel TCP buffer limit, bytes (deprecated). */
  kernelTCP?: number;
  /** Swappiness (0 .. 100; cgroup v1 only). */
  swappiness?: number;
  /** Disable the OOM killer for the cgroup (cgroup v1 only). */
  disableOOMKiller?: boolean;
  /** Hierarchical accounting (cgroup v1 only). */
  useHierarchy?: boolean;
  /** On update, refuse a limit below the current usage. */
  checkBeforeUpdate?: boolean;
}

/** cgroup cpu and cpuset controllers. */
export interface LinuxCPU {
  /** Relative CPU weight (cgroup v1 cpu.shares; converted to cpu.weight on v2). */
  shares?: number;
  /** CPU time the cgroup may use per `period`, microseconds (-1: no limit). */
  quota?: number;
  /** CPU time the cgroup may accumulate beyond `quota`, microseconds. */
  burst?: number;
  /** The CFS period, microseconds. */
  period?: number;
  /** Real-time CPU time per `realtimePeriod`, microseconds (cgroup v1). */
  realtimeRuntime?: number;
  /** The real-time period, microseconds (cgroup v1). */
  realtimePeriod?: number;
  /** CPUs the container may run on, a cpu list ("0-3,7"). */
  cpus?: string;
  /** Memory nodes the container may use, a node list. */
  mems?: string;
  /** cpu.idle: 1 makes the cgroup SCHED_IDLE. */
  idle?: number;
}

/** A block device by major:minor. */
export interface LinuxBlockIODevice {
  /** The device's major number. */
  major: number;
  /** The device's minor number. */
  minor: number;
}

/** A per-device I/O weight. */
export interface LinuxWeightDevice extends LinuxBlockIODevice {
  /** The weight for this device (10 .. 1000). */
  weight?: number;
  /** The weight of the cgroup's own tasks against its children (cgroup v1 CFQ). */
  leafWeight?: number;
}

/** A per-device I/O limit. */
export interface LinuxThrottleDevice extends LinuxBlockIODevice {
  /** The limit: bytes or operations per second. */
  rate: number;
}

/** cgroup blkio / io controller. */
export interface LinuxBlockIO {
  /** The cgroup's I/O weight (10 .. 1000). */
  weight?: number;
  /** The weight of the cgroup's own tasks against its children (cgroup v1 CFQ). */
  leafWeight?: number;
  /** Per-device weights. */
  weightDevice?: LinuxWeightDevice[];
  /** Per-device read limits, bytes per second. */
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  /** Per-device write limits, bytes per second. */
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  /** Per-device read limits, operations per second. */
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  /** Per-device write limits, operations per second. */
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** hugetlb controller limit for one page size ("2MB", "1GB"). */
export interface LinuxHugepageLimit {
  /** The huge page size ("2MB", "1GB"). */
  pageSize: string;
  /** The limit, bytes. */
  limit: number;
}

/** net_cls / net_prio controllers. */
export interface LinuxNetwork {
  /** net_cls.classid: the class id tagged on the container's packets. */
  classID?: number;
  /** net_prio.ifpriomap: a priority per interface. */
  priorities?: Array<{
    /** The interface's name. */
    name: string;
    /** Its priority. */
    priority: number;
  }>;
}

/** pids controller; -1 means no limit. */
export interface LinuxPids {
  /** The most tasks the cgroup may hold (-1 or 0: no limit). */
  limit?: number;
}

/** rdma controller limits for one device. */
export interface LinuxRdma {
  /** The most HCA handles. */
  hcaHandles?: number;
  /** The most HCA objects. */
  hcaObjects?: number;
}

/**
 * `linux.resources`: cgroup settings. Typed after the spec but validated
 * loosely: unknown controllers and fields pass through to the cgroup code.
 */
export interface LinuxResources {
  /** The device allow/deny list, applied in order. */
  devices?: LinuxDeviceCgroup[];
  /** Memory limits. */
  memory?: LinuxMemory;
  /** CPU limits and placement. */
  cpu?: LinuxCPU;
  /** The task limit. */
  pids?: LinuxPids;
  /** Block I/O weights and limits. */
  blockIO?: LinuxBlockIO;
  /** Huge page limits, one per page size. */
  hugepageLimits?: LinuxHugepageLimit[];
  /** net_cls and net_prio settings. */
  network?: LinuxNetwork;
  /** Keyed by RDMA device name. */
  rdma?: Record<string, LinuxRdma>;
  /** cgroup v2 files to write, e.g. {"memory.high": "1G"}. */
  unified?: StringMap;
  /** Fields the spec does not define pass through unvalidated. */
  [key: string]: unknown;
}

/** One seccomp argument comparison. */
export interface SeccompArg {
  /** Which argument of the syscall (0 .. 5). */
  index: number;
  /** The value compared with. */
  value: number;
  /** The second value (the mask's result for SCMP_CMP_MASKED_EQ). */
  valueTwo?: number;
  /** The comparison ("SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ", ...). */
  op: string;
}

/** One seccomp rule. */
export interface SeccompSyscall {
  /** The syscalls the rule applies to. */
  names: string[];
  /** What happens when one is called ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", ...). */
  action: string;
  /** The errno SCMP_ACT_ERRNO and SCMP_ACT_TRACE return (default EPERM). */
  errnoRet?: number;
  /** Argument conditions, all of which must hold. */
  args?: SeccompArg[];
  /** Fields the spec does not define pass through unvalidated. */
  [key: string]: unknown;
}

/**
 * `linux.seccomp`. Actions ("SCMP_ACT_*"), architectures ("SCMP_ARCH_*"),
 * flags and operators are libseccomp names; they are checked by the seccomp
 * compiler, not here.
 */
export interface Seccomp {
  /** What happens to a syscall no rule matches. */
  defaultAction: string;
  /** The errno of an SCMP_ACT_ERRNO defaultAction (default EPERM). */
  defaultErrnoRet?: number;
  /** Extra architectures to filter besides the native one ("SCMP_ARCH_X86"). */
  architectures?: string[];
  /** Filter flags ("SECCOMP_FILTER_FLAG_LOG", ...). */
  flags?: string[];
  /** The UNIX socket that receives the notify fd of SCMP_ACT_NOTIFY rules. */
  listenerPath?: string;
  /** Opaque data sent with the notify fd. */
  listenerMetadata?: string;
  /** The rules, matched in order. */
  syscalls?: SeccompSyscall[];
  /** Fields the spec does not define pass through unvalidated. */
  [key: string]: unknown;
}

/** Intel Resource Director Technology settings. */
export interface LinuxIntelRdt {
  /** The resctrl group (class of service) to use or create. */
  closID?: string;
  /** The L3 cache allocation schema line ("L3:0=ff"). */
  l3CacheSchema?: string;
  /** The memory bandwidth schema line ("MB:0=70"). */
  memBwSchema?: string;
  /** Schemata lines written as they are. */
  schemata?: string[];
  /** Create a monitoring group for the container. */
  enableMonitoring?: boolean;
}

/** set_mempolicy(2) settings. */
export interface LinuxMemoryPolicy {
  /** The policy ("MPOL_BIND", "MPOL_INTERLEAVE", ...). */
  mode: string;
  /** The NUMA nodes, a node list ("0-3"). */
  nodes?: string;
  /** Mode flags ("MPOL_F_STATIC_NODES", ...). */
  flags?: string[];
}

/** personality(2) settings. */
export interface LinuxPersonality {
  /** The execution domain. */
  domain: 'LINUX' | 'LINUX32';
  /** Personality flags (none defined yet). */
  flags?: string[];
}

/** Container status values of the OCI state; "paused" is runc's extension. */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/**
 * The OCI state of a container (runtime.md "State"): what `state` prints
 * and what hooks receive on stdin.
 */
export interface State {
  /** Spec version the state complies with. */
  ociVersion: string;
  /** Container id, unique on the host. */
  id: string;
  /** Lifecycle status. */
  status: ContainerStatus;
  /** Container init pid as seen by the runtime; REQUIRED when created or running. */
  pid?: number;
  /** Absolute path of the bundle directory. */
  bundle: string;
  /** The config's annotations. */
  annotations?: Annotations;
}
