/**
 * The runtime's part of linux.netDevices: each interface is moved into the
 * init's network namespace once the init exists and before it is told to
 * go. Nothing moves them back: config-linux.md says the runtime MUST NOT
 * (the kernel returns physical devices to the initial namespace when the
 * namespace dies, and destroys virtual ones).
 */
import { pointerSegment } from '../config/pointer';
import { InvalidConfigError, SyscallError } from '../errors';
import { native } from '../native/addon';

/** Moves one device; a failure (no such device, a name taken inside) is the field's error. */
export function moveNetDevice(pid: number, hostName: string, name: string): void {
  try {
    native().moveNetDevice(pid, hostName, name);
  } catch (err) {
    const wrapped = SyscallError.from(err);
    if (!(wrapped instanceof SyscallError)) throw wrapped;
    throw new InvalidConfigError(`/linux/netDevices/${pointerSegment(hostName)}`, `cannot move "${hostName}" into the container as "${name}": ${wrapped.message}`);
  }
}
