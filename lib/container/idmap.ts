/**
 * Writes the uid/gid maps of a new user namespace from the runtime process
 * (the child waits for "go" meanwhile). An unprivileged runtime may only map
 * its own ids, after denying setgroups; anything more needs the setuid
 * newuidmap/newgidmap helpers, used when they are installed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { LinuxIDMapping } from '../config/types';
import { SyscallError } from '../errors';

function mapText(mappings: readonly LinuxIDMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function which(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    const p = `${dir}/${name}`;
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

function writeProcFile(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw SyscallError.from(err);
  }
}

function writeMap(pid: number, kind: 'uid' | 'gid', mappings: readonly LinuxIDMapping[], privileged: boolean): void {
  const file = `/proc/${pid}/${kind}_map`;
  const ownId = kind === 'uid' ? process.geteuid!() : process.getegid!();
  const simple = mappings.length === 1 && mappings[0].size === 1 && mappings[0].hostID === ownId;
  if (privileged || simple) {
    writeProcFile(file, mapText(mappings));
    return;
  }
  const helper = which(kind === 'uid' ? 'newuidmap' : 'newgidmap');
  if (!helper) {
    throw new SyscallError({
      errnoName: 'EPERM',
      errno: 1,
      syscall: 'write',
      path: file,
      message: `write ${file}: operation not permitted: an unprivileged user can only map its own ${kind} (install ${kind === 'uid' ? 'newuidmap' : 'newgidmap'} for more)`,
    });
  }
  const args = [String(pid), ...mappings.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
  const res = spawnSync(helper, args, { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new SyscallError({
      errnoName: 'EPERM',
      errno: 1,
      syscall: 'write',
      path: file,
      message: `${helper} failed: ${(res.stderr || res.error?.message || '').trim()}`,
    });
  }
}

export function writeIdMaps(
  pid: number,
  uidMappings: readonly LinuxIDMapping[],
  gidMappings: readonly LinuxIDMapping[],
  denySetgroups: boolean,
  privileged: boolean,
): void {
  if (denySetgroups) writeProcFile(`/proc/${pid}/setgroups`, 'deny');
  writeMap(pid, 'uid', uidMappings, privileged);
  writeMap(pid, 'gid', gidMappings, privileged);
}
