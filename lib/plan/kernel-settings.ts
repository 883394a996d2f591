/**
 * linux.sysctl and linux.personality. Only sysctls that belong to a
 * namespace the container has its own copy of may be set (as runc
 * enforces): anything else would change the host.
 */
import type { LinuxNamespaceType, Spec } from '../config/types';
import { InvalidConfigError } from '../errors';
import type { Step } from './steps';

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** The namespace a sysctl belongs to, or undefined when it is a host-wide setting. */
export function sysctlNamespace(key: string): LinuxNamespaceType | undefined {
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

export function sysctlSteps(spec: Spec, created: ReadonlySet<LinuxNamespaceType>): Step[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]): Step => {
    const where = `/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_\-]+)+$/.test(key)) throw new InvalidConfigError(where, 'not a sysctl name');
    const ns = sysctlNamespace(key);
    if (!ns) throw new InvalidConfigError(where, `sysctl "${key}" is not namespaced: setting it would change the host`);
    if (!created.has(ns)) {
      throw new InvalidConfigError(where, `sysctl "${key}" needs a ${ns} namespace of the container's own`);
    }
    return { op: 'sysctl', key, value };
  });
}

const PERSONALITIES: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export function personalitySteps(spec: Spec): Step[] {
  const p = spec.linux?.personality;
  if (!p) return [];
  const persona = PERSONALITIES[p.domain];
  if (persona === undefined) throw new InvalidConfigError('/linux/personality/domain', `unknown domain "${p.domain}"`);
  if ((p.flags ?? []).length > 0) throw new InvalidConfigError('/linux/personality/flags', 'personality flags are not supported');
  return [{ op: 'personality', persona }];
}
