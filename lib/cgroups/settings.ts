/**
 * From linux.resources and linux.devices to the cgroup settings of a
 * layout, as data (writes.ts): a pure function, so the plan compiler
 * (lib/plan/runtime-cgroups.ts) can call it without reaching any file or
 * the addon.
 */
import type { LinuxDevice, LinuxResources } from '../config/types';
import { deviceProgram } from './device-bpf';
import { deviceRules, devicesV1Writes } from './devices';
import type { CgroupLayout } from './layout';
import { RESOURCES, resourcesV1 } from './resources-v1';
import { resourcesV2 } from './resources-v2';
import type { CgroupSettings } from './writes';

/**
 * The writes for `resources` on `layout` (errors name fields below
 * `options.at`, config.json's "/linux/resources" by default). v1 gets the device rules as
 * devices.deny/allow writes; on cgroup2 the device rules become an eBPF
 * program instead (device-bpf.ts), not a write.
 */
export function cgroupSettings(
  layout: Pick<CgroupLayout, 'kind'>,
  resources: LinuxResources | undefined,
  devices?: readonly LinuxDevice[],
  options: { withDevices: boolean; at?: string } = { withDevices: true },
): CgroupSettings {
  const r = resources ?? {};
  const at = options.at ?? RESOURCES;
  if (layout.kind === 'v2') {
    const settings = resourcesV2(r, at);
    if (options.withDevices) settings.deviceProgram = deviceProgram(deviceRules(r.devices, devices));
    return settings;
  }
  const settings = resourcesV1(r, layout.kind === 'hybrid', at);
  if (options.withDevices) settings.writes.push(...devicesV1Writes(deviceRules(r.devices, devices)));
  return settings;
}
