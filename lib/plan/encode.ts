/**
 * Binary encoding of a plan for the init helper (native/init/plan_reader.h,
 * step_types.h): "KPL1", then one record (record.ts) per step, the header
 * step first. A wire enum (steps.ts) is sent as its index. Field 0 is
 * the op; the field order of each op is fixed here and in the op's Visit()
 * in step_types.h, and test/unit/plan-wire.test.ts checks the two agree by
 * running the C++ decoder (kapsel-init --dry-run).
 */
import { decodeRecord, encodeRecord, flattenFields, type Field } from './record';
import { CHECKED_NAMESPACES, DEVICE_TYPES, HOOKS_IN_CONTAINER, MOUNT_FILESYSTEMS, PLAN_KINDS, PROCFS_SOURCES, type Step } from './steps';
import { InternalError, ProtocolError } from '../errors';

/** A wire enum's value (steps.ts): its index in the list. */
export function wireEnum<T extends string>(values: readonly T[], value: T): number {
  const index = values.indexOf(value);
  if (index < 0) throw new InternalError(`plan: ${JSON.stringify(value)} is none of ${values.join(', ')}`);
  return index;
}

export const PLAN_MAGIC = 'KPL1';

function fieldsOf(step: Step, runtimeEnv: readonly string[] | undefined): Field[] {
  switch (step.op) {
    case 'header': return [wireEnum(PLAN_KINDS, step.kind), wireEnum(PROCFS_SOURCES, step.procfs), step.procBinds];
    case 'root': return [step.path];
    case 'mount':
      return [step.source, step.target, step.fstype, step.flags, step.data, step.inContainer, wireEnum(MOUNT_FILESYSTEMS, step.filesystem), step.inheritMode];
    case 'setattr': return [step.target, step.set, step.clear, step.propagation, step.recursive];
    case 'mkdir': return [step.path, step.mode];
    case 'touch': return [step.path];
    case 'mknod': return [step.path, wireEnum(DEVICE_TYPES, step.type), step.mode, step.major, step.minor, step.uid, step.gid];
    case 'symlink': return [step.target, step.path, step.replace];
    case 'mask': return [step.path, step.missingOk, step.dirFstype, step.dirFlags, step.dirData, step.fileSource];
    case 'readonly': return [step.path, step.missingOk];
    case 'pivot-root': return [step.rootfs];
    case 'move-root': return [step.rootfs];
    case 'sync': return [step.name];
    case 'hook': return [wireEnum(HOOKS_IN_CONTAINER, step.kind), step.path, step.timeout, step.args, step.env ?? inheritedEnv(step.path, runtimeEnv)];
    case 'sysctl': return [step.key, step.value];
    case 'personality': return [step.persona];
    case 'console': return [step.socketFd, step.rows, step.cols, step.bindConsole];
    case 'hostname': return [step.name];
    case 'domainname': return [step.name];
    case 'rlimit': return [step.type, step.resource, step.soft, step.hard];
    case 'bounding': return [step.keep];
    case 'keep-caps': return [step.keep];
    case 'setgroups': return [step.gids];
    case 'setresgid': return [step.gid];
    case 'setresuid': return [step.uid];
    case 'capset': return [step.effective, step.permitted, step.inheritable];
    case 'ambient': return [step.raise];
    case 'no-new-privs': return [];
    case 'seccomp': return [step.program, step.flags, step.listenerFd, step.allowsIdleRelease];
    case 'umask': return [step.mask];
    case 'chdir': return [step.path];
    case 'check-exec': return [step.file, step.env, step.searchPath];
    case 'wait-start': return [step.fifoFd];
    case 'exec': return [step.args, step.env, step.searchPath];
    case 'exec-label': return [step.what, step.attr, step.value];
    case 'bind-device': return [step.path, wireEnum(DEVICE_TYPES, step.type), step.major, step.minor, step.source];
    case 'bind-socket': return [step.what, step.source, step.dev, step.ino, step.target];
    case 'tmpfs-copyup': return [step.target, step.flags, step.data, step.inheritMode];
    case 'unshare': return [step.flags];
    case 'affinity': return [step.what, step.cpus];
    case 'scheduler': return [step.what, step.policy, step.flags, step.nice, step.priority, step.runtime, step.deadline, step.period];
    case 'ioprio': return [step.what, step.ioClass, step.level];
    case 'mempolicy': return [step.what, step.mode, step.flags, step.nodes];
    case 'check-timens': return [];
    case 'attach-tree': return [step.fd, step.source, step.target];
    case 'loopback-up': return [];
    case 'netdev': return [step.what, step.from, step.to, step.addresses];
    case 'chroot': return [step.rootfs];
    case 'check-ns': return [wireEnum(CHECKED_NAMESPACES, step.ns), step.forbiddenDevs, step.forbiddenInodes];
  }
}

/**
 * The environment of a hook without `env`: the runtime's own (the init
 * runs with an empty one, so the wire carries it). Required when a plan
 * has such a hook: an empty environment by omission would be a silent
 * change of what the hook gets.
 */
function inheritedEnv(hook: string, runtimeEnv: readonly string[] | undefined): readonly string[] {
  if (!runtimeEnv) throw new InternalError(`plan: hook ${hook} inherits the runtime's environment, and the encoder was given none`);
  return runtimeEnv;
}

/**
 * Encodes the steps of a plan into the bytes the init helper reads.
 * `runtimeEnv` ("KEY=value"): the environment of the hooks without `env`
 * (plan/hooks.ts), the launching runtime's; needed only when there are any.
 */
export function encodeSteps(steps: readonly Step[], runtimeEnv?: readonly string[]): Buffer {
  const chunks: Buffer[] = [Buffer.from(PLAN_MAGIC)];
  for (const step of steps) chunks.push(encodeRecord(flattenFields([step.op, ...fieldsOf(step, runtimeEnv)])));
  return Buffer.concat(chunks);
}

/** Decodes what encodeSteps wrote into raw field lists (for tests and debugging). */
export function decodeFields(data: Buffer): Buffer[][] {
  if (data.subarray(0, 4).toString() !== PLAN_MAGIC) throw new ProtocolError('plan: bad magic');
  const out: Buffer[][] = [];
  let pos = 4;
  while (pos < data.length) {
    const { fields, next } = decodeRecord(data, pos);
    out.push(fields);
    pos = next;
  }
  return out;
}
