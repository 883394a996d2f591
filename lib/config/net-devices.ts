/**
 * linux.netDevices (config-linux.md "Network Devices"): host interfaces
 * moved into the container's network namespace, keyed by their host name,
 * optionally renamed (`name`, where a "%d" lets the kernel pick a free
 * number). Rules: a network namespace of the container's own to move them
 * into (without one they would stay where they are), names the kernel
 * accepts, and no two devices with one name inside.
 */
import { InvalidConfigError } from '../errors';
import { pointerSegment } from './pointer';
import type { Spec } from './types';

/** IFNAMSIZ - 1: the kernel's limit on an interface name. */
const MAX_IFNAME = 15;

/** Why `name` is no interface name the kernel takes (dev_valid_name), or undefined. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `"${name}" is not an interface name`;
  if (Buffer.byteLength(name) > MAX_IFNAME) return `"${name}" is longer than ${MAX_IFNAME} bytes`;
  if (/[/:\s]/.test(name)) return `"${name}" holds a "/", ":" or white space`;
  return undefined;
}

export function checkNetDevices(spec: Spec, networkNamespace: { path?: string } | undefined): void {
  const devices = spec.linux?.netDevices;
  if (!devices || Object.keys(devices).length === 0) return;
  if (!networkNamespace) {
    throw new InvalidConfigError('/linux/netDevices', 'moving network devices needs a network namespace in /linux/namespaces');
  }
  const inside = new Map<string, string>();
  for (const [hostName, device] of Object.entries(devices)) {
    const at = `/linux/netDevices/${pointerSegment(hostName)}`;
    const hostProblem = interfaceNameProblem(hostName);
    if (hostProblem) throw new InvalidConfigError(at, hostProblem);
    const name = device.name ?? hostName;
    const problem = interfaceNameProblem(name);
    if (problem) throw new InvalidConfigError(`${at}/name`, problem);
    const other = inside.get(name);
    if (other !== undefined && !name.includes('%d')) {
      throw new InvalidConfigError(`${at}/name`, `"${name}" is also the name of ${other} inside the container`);
    }
    inside.set(name, hostName);
  }
}
