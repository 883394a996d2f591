/** Which namespace a sysctl belongs to (the rule of config/checks.ts, as runc has it). */
import type { LinuxNamespaceType } from './types';

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/**
 * The dotted name of a sysctl given in either of runc's forms:
 * `net.ipv4.ip_forward` or its /proc/sys path `net/ipv4/ip_forward`.
 */
export function sysctlName(key: string): string {
  return key.includes('/') ? key.replace(/\//g, '.') : key;
}

/** The namespace a sysctl (either form) belongs to, or undefined when it is a host-wide setting. */
export function sysctlNamespace(rawKey: string): LinuxNamespaceType | undefined {
  const key = sysctlName(rawKey);
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}
