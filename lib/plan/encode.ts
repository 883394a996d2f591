/**
 * Binary encoding of a plan for the init helper (native/init/plan_reader.h):
 * "KPL1", then per step a u32 field count and per field a u32 length and the
 * bytes (little endian). Field 0 is the op; a list is a count field followed
 * by its items. The field order of each op is fixed here and in steps.cc.
 */
import type { Step } from './steps';

type Field = string | number | bigint | boolean | string[] | number[];

function fieldsOf(step: Step): Field[] {
  switch (step.op) {
    case 'root': return [step.path];
    case 'mount': return [step.source, step.target, step.fstype, step.flags, step.data, step.inContainer];
    case 'setattr': return [step.target, step.set, step.clear, step.propagation, step.recursive];
    case 'mkdir': return [step.path, step.mode];
    case 'touch': return [step.path];
    case 'mknod': return [step.path, step.type, step.mode, step.major, step.minor, step.uid, step.gid];
    case 'symlink': return [step.target, step.path];
    case 'mask': return [step.path];
    case 'readonly': return [step.path];
    case 'pivot-root': return [step.rootfs];
    case 'move-root': return [step.rootfs];
    case 'sync': return [step.name];
    case 'hook': return [step.kind, step.path, step.timeout, step.args, step.env];
    case 'sysctl': return [step.key, step.value];
    case 'personality': return [step.persona];
    case 'console': return [step.socketFd, step.rows, step.cols];
    case 'hostname': return [step.name];
    case 'domainname': return [step.name];
    case 'rlimit': return [step.resource, step.soft, step.hard];
    case 'oom-score-adj': return [step.value];
    case 'bounding': return [step.keep];
    case 'keep-caps': return [step.keep];
    case 'setgroups': return [step.gids];
    case 'setresgid': return [step.gid];
    case 'setresuid': return [step.uid];
    case 'capset': return [step.effective, step.permitted, step.inheritable];
    case 'ambient': return [step.raise];
    case 'no-new-privs': return [];
    case 'umask': return [step.mask];
    case 'chdir': return [step.path];
    case 'check-exec': return [step.file, step.env];
    case 'wait-start': return [step.fifoFd];
    case 'exec': return [step.args, step.env];
  }
}

function scalar(value: string | number | bigint | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** Encodes the steps of a plan into the bytes the init helper reads. */
export function encodeSteps(steps: readonly Step[]): Buffer {
  const chunks: Buffer[] = [Buffer.from('KPL1')];
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  for (const step of steps) {
    const strings: string[] = [step.op];
    for (const field of fieldsOf(step)) {
      if (Array.isArray(field)) {
        strings.push(String(field.length), ...field.map((v) => String(v)));
      } else {
        strings.push(scalar(field));
      }
    }
    chunks.push(u32(strings.length));
    for (const s of strings) {
      const bytes = Buffer.from(s, 'utf8');
      chunks.push(u32(bytes.length), bytes);
    }
  }
  return Buffer.concat(chunks);
}

/** Decodes what encodeSteps wrote into raw field lists (for tests and debugging). */
export function decodeFields(data: Buffer): string[][] {
  if (data.subarray(0, 4).toString() !== 'KPL1') throw new Error('plan: bad magic');
  const out: string[][] = [];
  let pos = 4;
  while (pos < data.length) {
    const count = data.readUInt32LE(pos);
    pos += 4;
    const fields: string[] = [];
    for (let i = 0; i < count; i++) {
      const len = data.readUInt32LE(pos);
      pos += 4;
      fields.push(data.subarray(pos, pos + len).toString('utf8'));
      pos += len;
    }
    out.push(fields);
  }
  return out;
}
