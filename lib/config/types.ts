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
  /** Other platforms' sections: not interpreted by kapsel. */
  solaris?: Record<string, unknown>;
  windows?: Record<string, unknown>;
  vm?: Record<string, unknown>;
  zos?: Record<string, unknown>;
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
  height: number;
  width: number;
}

/** POSIX user of the process (ids in the container's user namespace). */
export interface User {
  uid: number;
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
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** One resource limit; `type` is a getrlimit(2) name like "RLIMIT_NOFILE". */
export interface POSIXRlimit {
  type: string;
  /** rlim_max. uint64: values above 2^53 lose precision in JSON.parse. */
  hard: number;
  /** rlim_cur; must not exceed `hard`. */
  soft: number;
}

export type SchedulerPolicy =
  | 'SCHED_OTHER'
  | 'SCHED_FIFO'
  | 'SCHED_RR'
  | 'SCHED_BATCH'
  | 'SCHED_ISO'
  | 'SCHED_IDLE'
  | 'SCHED_DEADLINE';

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
  policy: SchedulerPolicy;
  nice?: number;
  priority?: number;
  flags?: SchedulerFlag[];
  /** SCHED_DEADLINE parameters, in nanoseconds. */
  runtime?: number;
  deadline?: number;
  period?: number;
}

/** `process.ioPriority`: ioprio_set(2) class and level (0 highest .. 7 lowest). */
export interface LinuxIOPriority {
  class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  priority: number;
}

/** `process.execCPUAffinity`: cpu lists like "0-3,7". */
export interface CPUAffinity {
  initial?: string;
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
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
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

export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

/** One namespace: created when `path` is absent, joined when it is set. */
export interface LinuxNamespace {
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
  secs?: number;
  nanosecs?: number;
}

/** A device node: character (c/u), block (b) or fifo (p). */
export interface LinuxDevice {
  type: 'c' | 'b' | 'u' | 'p';
  /** Absolute path inside the container. */
  path: string;
  /** REQUIRED unless `type` is "p". */
  major?: number;
  minor?: number;
  /** File mode as a decimal number (438 == 0666). */
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** A network device moved into the container. */
export interface LinuxNetDevice {
  /** Name inside the container; the host name when absent. */
  name?: string;
}

/** An entry of the cgroup device allow/deny list. */
export interface LinuxDeviceCgroup {
  allow: boolean;
  /** "a" (all), "c" or "b". */
  type?: string;
  major?: number;
  minor?: number;
  /** Some of "rwm". */
  access?: string;
}

/** cgroup memory controller. */
export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

/** cgroup cpu and cpuset controllers. */
export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

/** A block device by major:minor. */
export interface LinuxBlockIODevice {
  major: number;
  minor: number;
}

export interface LinuxWeightDevice extends LinuxBlockIODevice {
  weight?: number;
  leafWeight?: number;
}

export interface LinuxThrottleDevice extends LinuxBlockIODevice {
  rate: number;
}

/** cgroup blkio / io controller. */
export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** hugetlb controller limit for one page size ("2MB", "1GB"). */
export interface LinuxHugepageLimit {
  pageSize: string;
  limit: number;
}

/** net_cls / net_prio controllers. */
export interface LinuxNetwork {
  classID?: number;
  priorities?: Array<{ name: string; priority: number }>;
}

/** pids controller; -1 means no limit. */
export interface LinuxPids {
  limit?: number;
}

/** rdma controller limits for one device. */
export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

/**
 * `linux.resources`: cgroup settings. Typed after the spec but validated
 * loosely: unknown controllers and fields pass through to the cgroup code.
 */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  /** Keyed by RDMA device name. */
  rdma?: Record<string, LinuxRdma>;
  /** cgroup v2 files to write, e.g. {"memory.high": "1G"}. */
  unified?: StringMap;
  [key: string]: unknown;
}

/** One seccomp argument comparison. */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** One seccomp rule. */
export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
  [key: string]: unknown;
}

/**
 * `linux.seccomp`. Actions ("SCMP_ACT_*"), architectures ("SCMP_ARCH_*"),
 * flags and operators are libseccomp names; they are checked by the seccomp
 * compiler, not here.
 */
export interface Seccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SeccompSyscall[];
  [key: string]: unknown;
}

/** Intel Resource Director Technology settings. */
export interface LinuxIntelRdt {
  closID?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  schemata?: string[];
  enableMonitoring?: boolean;
}

/** set_mempolicy(2) settings. */
export interface LinuxMemoryPolicy {
  mode: string;
  nodes?: string;
  flags?: string[];
}

/** personality(2) settings. */
export interface LinuxPersonality {
  domain: 'LINUX' | 'LINUX32';
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
