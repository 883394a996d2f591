/**
 * The plan's part of linux.netDevices. The runtime only moves each host
 * interface into the init's network namespace, by fd, before "go"
 * (container/net-devices.ts, native/addon/netdev.cc), under a temporary
 * name; the init names it, adds the host's permanent global addresses
 * (read before the move: HostFacts.netDeviceAddresses) and brings it up,
 * from inside its own namespace ("netdev" steps, native/init/network.cc).
 * So the Node process never enters a container's namespace (DESIGN.md).
 *
 * Refused when the network namespace the config joins by path is the
 * runtime's own or pid 1's (issue 16, hole 7): there a "move" would be a
 * rename of a host interface, brought up with its addresses: the check
 * kernel-settings.ts applies to sysctls and names in such a namespace. The
 * runtime compares again the namespace it actually moves a device into
 * (native/addon/netdev.cc), since a /proc/PID path may name another
 * namespace by the time the init joins it.
 */
import { pointerSegment } from '../config/pointer';
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError } from '../errors';
import type { HostFacts } from './plan-facts';
import type { LaunchPlan, Step } from './steps';

/**
 * The temporary name of the `i`th device while it waits for the init:
 * the final name may be taken inside until then, or be a "%d" template
 * (which the kernel resolves on the rename), and a host name may clash
 * with a link of a joined namespace. A new namespace holds only lo; a
 * joined one that has a link of this name fails the move with EEXIST,
 * naming the field, and nothing is left moved.
 */
function moveAs(i: number): string {
  return `kapsel-nd${i}`;
}

export interface NetDevicePlan {
  moves: NonNullable<LaunchPlan['netDevices']>;
  /** The init's "netdev" steps, one per move. */
  steps: Step[];
}

export function netDevicePlan(spec: ValidSpec, host: Pick<HostFacts, 'joinedRuntimeNamespaces' | 'netDeviceAddresses'>): NetDevicePlan {
  const moves = Object.entries(spec.linux?.netDevices ?? {}).map(([hostName, d], i) => ({
    hostName,
    moveAs: moveAs(i),
    name: d.name ?? hostName,
    addresses: [...(host.netDeviceAddresses?.get(hostName) ?? [])],
  }));
  if (moves.length > 0 && host.joinedRuntimeNamespaces.has('network')) {
    const joined = spec.linux?.namespaces?.find((n) => n.type === 'network')?.path;
    throw new InvalidConfigError(
      '/linux/netDevices',
      `moving devices would rename host interfaces in place: the network namespace joined at ${joined} is the host's (the runtime's own or pid 1's)`,
    );
  }
  const steps: Step[] = moves.map((m) => ({
    op: 'netdev',
    what: `/linux/netDevices/${pointerSegment(m.hostName)}`,
    from: m.moveAs,
    to: m.name,
    addresses: m.addresses,
  }));
  return { moves, steps };
}
