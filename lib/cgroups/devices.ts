/**
 * The device rules a container's cgroup gets, as runc builds them: the
 * config's linux.resources.devices in order, then an allow rule (rwm) for
 * every device of linux.devices, then the devices every container may use
 * (the default nodes, /dev/pts, ptmx, tun, and mknod of anything). v1
 * writes them to devices.deny/devices.allow (devicesV1Writes); cgroup2
 * compiles them into an eBPF program (device-bpf.ts).
 */
import type { LinuxDevice, LinuxDeviceCgroup } from '../config/types';
import type { DeviceRule } from './device-rule';
import type { CgroupWrite } from './writes';

export type { DeviceRule } from './device-rule';


function rule(type: 'c' | 'b', major: number, minor: number, access: string): DeviceRule {
  return { allow: true, type, major, minor, access };
}

/** runc's AllowedDevices: what every container may use whatever its config says. */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceRule[] = [
  rule('c', -1, -1, 'm'), // mknod of any char device (opening needs a rule)
  rule('b', -1, -1, 'm'), // and of any block device
  rule('c', 1, 3, 'rwm'), // /dev/null
  rule('c', 1, 8, 'rwm'), // /dev/random
  rule('c', 1, 7, 'rwm'), // /dev/full
  rule('c', 5, 0, 'rwm'), // /dev/tty
  rule('c', 1, 5, 'rwm'), // /dev/zero
  rule('c', 1, 9, 'rwm'), // /dev/urandom
  rule('c', 5, 1, 'rwm'), // /dev/console
  rule('c', 136, -1, 'rwm'), // /dev/pts/*
  rule('c', 5, 2, 'rwm'), // /dev/ptmx
  rule('c', 10, 200, 'rwm'), // /dev/net/tun
];

function normalize(r: LinuxDeviceCgroup): DeviceRule {
  const type = r.type === 'c' || r.type === 'b' ? r.type : 'a';
  const access = (r.access ?? 'rwm').split('').filter((ch, i, all) => 'rwm'.includes(ch) && all.indexOf(ch) === i).join('');
  return { allow: r.allow, type, major: r.major ?? -1, minor: r.minor ?? -1, access: access || 'rwm' };
}

/** Every rule of the container, in the order they take effect (later rules win). */
export function deviceRules(resources: readonly LinuxDeviceCgroup[] | undefined, devices: readonly LinuxDevice[] | undefined): DeviceRule[] {
  const out = (resources ?? []).map(normalize);
  for (const d of devices ?? []) {
    if (d.type === 'c' || d.type === 'u' || d.type === 'b') {
      out.push(rule(d.type === 'b' ? 'b' : 'c', d.major ?? -1, d.minor ?? -1, 'rwm'));
    }
  }
  out.push(...DEFAULT_ALLOWED_DEVICES);
  return out;
}

function v1Line(r: DeviceRule): string {
  if (r.type === 'a' && r.major === -1 && r.minor === -1) return 'a';
  const n = (x: number): string => (x < 0 ? '*' : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/**
 * The v1 writes: deny everything first (the v1 controller starts from
 * the parent's list), then each rule in order.
 */
export function devicesV1Writes(rules: readonly DeviceRule[]): CgroupWrite[] {
  const writes: CgroupWrite[] = [{ controller: 'devices', file: 'devices.deny', value: 'a' }];
  for (const r of rules) writes.push({ controller: 'devices', file: r.allow ? 'devices.allow' : 'devices.deny', value: v1Line(r) });
  return writes;
}
