/**
 * The plan's part of linux.netDevices: the moves the runtime makes
 * (container/net-devices.ts), refused when the network namespace the
 * config joins by path is the runtime's own or pid 1's (issue 16, hole 7).
 * There a "move" would be a rename of a host interface, brought up with
 * its addresses: the check kernel-settings.ts applies to sysctls and names
 * in such a namespace. The runtime compares again the namespace it
 * actually moves a device into (native/addon/netdev.cc), since a
 * /proc/PID path may name another namespace by the time the init joins it.
 */
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError } from '../errors';
import type { HostFacts } from './facts';
import type { LaunchPlan } from './steps';

export function netDeviceMoves(spec: ValidSpec, host: Pick<HostFacts, 'joinedRuntimeNamespaces'>): NonNullable<LaunchPlan['netDevices']> {
  const moves = Object.entries(spec.linux?.netDevices ?? {}).map(([hostName, d]) => ({ hostName, name: d.name ?? hostName }));
  if (moves.length > 0 && host.joinedRuntimeNamespaces.has('network')) {
    const joined = spec.linux?.namespaces?.find((n) => n.type === 'network')?.path;
    throw new InvalidConfigError(
      '/linux/netDevices',
      `moving devices would rename host interfaces in place: the network namespace joined at ${joined} is the host's (the runtime's own or pid 1's)`,
    );
  }
  return moves;
}
