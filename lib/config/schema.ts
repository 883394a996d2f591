/**
 * JSON schema (draft-07, compiled by ajv) of config.json, written from the
 * runtime spec's prose. It checks shapes and value ranges; the rules that
 * need more than one field (duplicates, known names, namespace/mapping
 * combinations) live in checks.ts.
 *
 * Two conventions:
 * - No schema here sets `additionalProperties: false`: the spec requires
 *   runtimes to ignore unknown properties (config.md "Extensibility").
 * - `problem` is kapsel's own annotation keyword: when a check other than
 *   `type` or `required` fails, validate.ts reports this text instead of
 *   ajv's generic message (e.g. "must be an absolute path" rather than
 *   'must match pattern "^/"').
 */

/** A schema node; kept as a plain object (ajv's JSONSchemaType is too strict for optional-heavy types). */
export type SchemaNode = Record<string, unknown>;

// Integer ranges of the spec's Go-style types. uint64/int64 bounds are not
// exactly representable as doubles; JSON.parse has the same limitation, so
// the bounds are as precise as the parsed values can be.
const int = (minimum: number, maximum: number, problem?: string): SchemaNode =>
  problem ? { type: 'integer', minimum, maximum, problem } : { type: 'integer', minimum, maximum };
const int32 = int(-2147483648, 2147483647);
const int64 = int(-9223372036854775808, 9223372036854775807);
const uint16 = int(0, 65535);
const uint32 = int(0, 4294967295);
const uint64 = int(0, 18446744073709551615);
// A uid or gid a process or file may get: 0..2^31-1, runc's rule. Above it
// the kernel reads 4294967295 as -1, "leave unchanged", for setresuid and
// chown, which would leave the container running as the runtime (root).
const posixId = int(0, 2147483647, 'must be an integer between 0 and 2147483647 (2^31-1)');

const string: SchemaNode = { type: 'string' };
const boolean: SchemaNode = { type: 'boolean' };
const stringArray: SchemaNode = { type: 'array', items: string };
const stringMap: SchemaNode = {
  type: 'object',
  // Keys must not be empty (config.md "Annotations"); applied to sysctl too.
  propertyNames: { minLength: 1 },
  additionalProperties: string,
};
// A pattern, not a custom format: the validators are precompiled to plain
// code at build time (scripts/build-validators.js), which has no formats.
const absolutePath: SchemaNode = {
  type: 'string',
  pattern: '^/',
  problem: 'must be an absolute path',
};

/** execve environment: every entry is NAME=value with a non-empty NAME (as runc requires). */
const env: SchemaNode = {
  type: 'array',
  items: { type: 'string', pattern: '^[^=]+=', problem: 'must be of the form NAME=value' },
};

const idMapping: SchemaNode = {
  type: 'object',
  required: ['containerID', 'hostID', 'size'],
  properties: { containerID: uint32, hostID: uint32, size: uint32 },
};
const idMappings: SchemaNode = { type: 'array', items: idMapping };

const hook: SchemaNode = {
  type: 'object',
  required: ['path'],
  properties: {
    path: absolutePath,
    args: stringArray,
    env,
    timeout: { type: 'integer', exclusiveMinimum: 0, problem: 'must be an integer greater than 0' },
  },
};
const hooks: SchemaNode = { type: 'array', items: hook };

const user: SchemaNode = {
  type: 'object',
  // uid/gid are REQUIRED for POSIX users (config.md "POSIX-platform User").
  required: ['uid', 'gid'],
  properties: {
    uid: posixId,
    gid: posixId,
    // umask(2) only uses the permission bits; anything larger is a mistake.
    umask: int(0, 0o777, 'must be an integer between 0 and 511 (0777)'),
    additionalGids: { type: 'array', items: posixId },
    username: string,
  },
};

const capabilities: SchemaNode = {
  type: 'object',
  properties: {
    bounding: stringArray,
    effective: stringArray,
    inheritable: stringArray,
    permitted: stringArray,
    ambient: stringArray,
  },
};

const rlimit: SchemaNode = {
  type: 'object',
  required: ['type', 'soft', 'hard'],
  properties: {
    type: { type: 'string', pattern: '^RLIMIT_[A-Z]+$', problem: 'must be an RLIMIT_* name' },
    soft: uint64,
    hard: uint64,
  },
};

/** A cpu list like "0-3,7". */
const cpuList: SchemaNode = { type: 'string', pattern: '^[0-9, -]*$', problem: 'must be a cpu list like "0-3,7"' };

/** The `process` object; also the document `exec --process FILE` reads. */
export const processSchema: SchemaNode = {
  type: 'object',
  // args: at least one entry is REQUIRED on non-Windows platforms.
  required: ['cwd', 'args'],
  properties: {
    terminal: boolean,
    consoleSize: {
      type: 'object',
      required: ['height', 'width'],
      properties: { height: uint32, width: uint32 },
    },
    user,
    args: { type: 'array', minItems: 1, items: string, problem: 'must contain at least one entry' },
    commandLine: string,
    env,
    cwd: absolutePath,
    capabilities,
    rlimits: { type: 'array', items: rlimit },
    noNewPrivileges: boolean,
    apparmorProfile: string,
    oomScoreAdj: int(-1000, 1000, 'must be an integer between -1000 and 1000'),
    scheduler: {
      type: 'object',
      required: ['policy'],
      properties: {
        policy: {
          type: 'string',
          enum: ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'],
        },
        nice: int32,
        priority: int32,
        flags: {
          type: 'array',
          items: {
            type: 'string',
            enum: [
              'SCHED_FLAG_RESET_ON_FORK',
              'SCHED_FLAG_RECLAIM',
              'SCHED_FLAG_DL_OVERRUN',
              'SCHED_FLAG_KEEP_POLICY',
              'SCHED_FLAG_KEEP_PARAMS',
              'SCHED_FLAG_UTIL_CLAMP_MIN',
              'SCHED_FLAG_UTIL_CLAMP_MAX',
            ],
          },
        },
        runtime: uint64,
        deadline: uint64,
        period: uint64,
      },
    },
    selinuxLabel: string,
    ioPriority: {
      type: 'object',
      required: ['class', 'priority'],
      properties: {
        class: { type: 'string', enum: ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] },
        priority: int(0, 7, 'must be an integer between 0 and 7'),
      },
    },
    execCPUAffinity: { type: 'object', properties: { initial: cpuList, final: cpuList } },
  },
};

const mount: SchemaNode = {
  type: 'object',
  required: ['destination'],
  properties: {
    // Relative destinations are allowed (deprecated, relative to "/"): see checks.ts.
    destination: { type: 'string', minLength: 1, problem: 'must not be empty' },
    type: string,
    source: string,
    options: stringArray,
    uidMappings: idMappings,
    gidMappings: idMappings,
  },
};

const namespace: SchemaNode = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] },
    path: absolutePath,
  },
};

const device: SchemaNode = {
  type: 'object',
  required: ['type', 'path'],
  properties: {
    type: { type: 'string', enum: ['c', 'b', 'u', 'p'] },
    path: absolutePath,
    major: int64,
    minor: int64,
    fileMode: uint32,
    uid: posixId,
    gid: posixId,
  },
  // major and minor are REQUIRED unless the device is a fifo.
  if: { properties: { type: { const: 'p' } } },
  else: { required: ['major', 'minor'] },
};

const blockIODevice = (extra: SchemaNode, required: string[] = []): SchemaNode => ({
  type: 'object',
  required: ['major', 'minor', ...required],
  properties: { major: int64, minor: int64, ...extra },
});
const throttleDevices: SchemaNode = { type: 'array', items: blockIODevice({ rate: uint64 }, ['rate']) };

/** `linux.resources` (also `update --resources FILE`): common fields are type-checked, the rest passes through. */
export const resourcesSchema: SchemaNode = {
  type: 'object',
  properties: {
    devices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['allow'],
        properties: {
          allow: boolean,
          type: { type: 'string', enum: ['a', 'b', 'c'] },
          major: int64,
          minor: int64,
          access: { type: 'string', pattern: '^[rwm]*$', problem: 'must consist of the letters r, w and m' },
        },
      },
    },
    memory: {
      type: 'object',
      properties: {
        limit: int64,
        reservation: int64,
        swap: int64,
        kernel: int64,
        kernelTCP: int64,
        swappiness: uint64,
        disableOOMKiller: boolean,
        useHierarchy: boolean,
        checkBeforeUpdate: boolean,
      },
    },
    cpu: {
      type: 'object',
      properties: {
        shares: uint64,
        quota: int64,
        burst: uint64,
        period: uint64,
        realtimeRuntime: int64,
        realtimePeriod: uint64,
        cpus: string,
        mems: string,
        idle: int64,
      },
    },
    pids: { type: 'object', properties: { limit: int64 } },
    blockIO: {
      type: 'object',
      properties: {
        weight: uint16,
        leafWeight: uint16,
        weightDevice: { type: 'array', items: blockIODevice({ weight: uint16, leafWeight: uint16 }) },
        throttleReadBpsDevice: throttleDevices,
        throttleWriteBpsDevice: throttleDevices,
        throttleReadIOPSDevice: throttleDevices,
        throttleWriteIOPSDevice: throttleDevices,
      },
    },
    hugepageLimits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pageSize', 'limit'],
        properties: {
          pageSize: { type: 'string', pattern: '^[1-9][0-9]*[KMG]B$', problem: 'must be a size like "2MB" or "1GB"' },
          limit: uint64,
        },
      },
    },
    network: {
      type: 'object',
      properties: {
        classID: uint32,
        priorities: {
          type: 'array',
          items: { type: 'object', required: ['name', 'priority'], properties: { name: string, priority: uint32 } },
        },
      },
    },
    rdma: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { hcaHandles: uint32, hcaObjects: uint32 } },
    },
    unified: stringMap,
  },
};

/** Seccomp is checked loosely: the seccomp compiler validates names and values. */
const seccomp: SchemaNode = {
  type: 'object',
  required: ['defaultAction'],
  properties: {
    defaultAction: string,
    defaultErrnoRet: uint32,
    architectures: stringArray,
    flags: stringArray,
    listenerPath: string,
    listenerMetadata: string,
    syscalls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['names', 'action'],
        properties: {
          names: { type: 'array', minItems: 1, items: string, problem: 'must contain at least one entry' },
          action: string,
          errnoRet: uint32,
          args: {
            type: 'array',
            items: {
              type: 'object',
              required: ['index', 'value', 'op'],
              properties: { index: uint32, value: uint64, valueTwo: uint64, op: string },
            },
          },
        },
      },
    },
  },
};

const linux: SchemaNode = {
  type: 'object',
  properties: {
    uidMappings: idMappings,
    gidMappings: idMappings,
    sysctl: stringMap,
    resources: resourcesSchema,
    cgroupsPath: string,
    namespaces: { type: 'array', items: namespace },
    devices: { type: 'array', items: device },
    netDevices: { type: 'object', additionalProperties: { type: 'object', properties: { name: string } } },
    seccomp,
    // The spec lists the first four; runc also accepts the recursive r* forms, and engines send them.
    rootfsPropagation: {
      type: 'string',
      enum: ['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable'],
    },
    maskedPaths: { type: 'array', items: absolutePath },
    readonlyPaths: { type: 'array', items: absolutePath },
    mountLabel: string,
    intelRdt: {
      type: 'object',
      properties: {
        closID: string,
        l3CacheSchema: string,
        memBwSchema: { type: 'string', pattern: '^MB:[^\\n]*$', problem: 'must start with "MB:" and be one line' },
        schemata: { type: 'array', items: { type: 'string', pattern: '^[^\\n]*$', problem: 'must be one line' } },
        enableMonitoring: boolean,
      },
    },
    memoryPolicy: {
      type: 'object',
      required: ['mode'],
      properties: { mode: string, nodes: string, flags: stringArray },
    },
    personality: {
      type: 'object',
      required: ['domain'],
      properties: { domain: { type: 'string', enum: ['LINUX', 'LINUX32'] }, flags: stringArray },
    },
    timeOffsets: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { secs: int64, nanosecs: uint32 } },
    },
  },
};

/** The schema of a whole config.json. */
export const configSchema: SchemaNode = {
  $id: 'https://kapsel.dev/schema/config.json',
  type: 'object',
  required: ['ociVersion', 'root'],
  properties: {
    ociVersion: {
      type: 'string',
      // SemVer 2.0.0, as config.md requires ("1.0.2-dev", "1.3.0").
      pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$',
      problem: 'must be a SemVer version such as "1.0.2"',
    },
    // root is REQUIRED on every platform but Windows (config.md "Root").
    root: {
      type: 'object',
      required: ['path'],
      properties: { path: { type: 'string', minLength: 1, problem: 'must not be empty' }, readonly: boolean },
    },
    process: processSchema,
    hostname: string,
    domainname: string,
    mounts: { type: 'array', items: mount },
    hooks: {
      type: 'object',
      properties: {
        prestart: hooks,
        createRuntime: hooks,
        createContainer: hooks,
        startContainer: hooks,
        poststart: hooks,
        poststop: hooks,
      },
    },
    annotations: stringMap,
    linux,
    solaris: { type: 'object' },
    windows: { type: 'object' },
    vm: { type: 'object' },
    zos: { type: 'object' },
    freebsd: { type: 'object' },
  },
};
