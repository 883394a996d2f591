/**
 * The runtime's part of linux.netDevices: each interface is moved into the
 * init's network namespace once the init exists and before it is told to
 * go, under its temporary name, and nothing more: the init's "netdev"
 * steps name it, address it and bring it up from inside
 * (plan/net-devices.ts). The Node process never enters the container's
 * namespace: where the addon needs a netlink socket inside (to find the
 * moved link, to move it back), a short-lived child of its own makes one
 * there and hands it over (native/addon/netdev.cc).
 * A created container keeps them: config-linux.md says the runtime
 * MUST NOT move them back (the kernel returns physical devices to the
 * initial namespace when the namespace dies, and destroys virtual ones).
 * A create that fails is another matter: it must leave nothing, so the
 * devices it moved go back to the host under their host names, with their
 * addresses and up state (issue 16, hole 7).
 */
import { pointerSegment } from '../config/pointer';
import { InvalidConfigError, SyscallError } from '../errors';
import type { MovedNetDevice } from '../native/addon';
import type { LaunchPlan } from '../plan/steps';
import type { ParentSyscalls } from './syscalls';

type NetDevice = NonNullable<LaunchPlan['netDevices']>[number];

/** A failure of the native call as the field's error. */
function fieldError(err: unknown, hostName: string, what: string): unknown {
  const wrapped = SyscallError.from(err);
  if (!(wrapped instanceof SyscallError)) return wrapped;
  return new InvalidConfigError(`/linux/netDevices/${pointerSegment(hostName)}`, `${what}: ${wrapped.message}`);
}

/** The devices one launch moved, to undo if the launch fails. */
export class NetDeviceMoves {
  private readonly moved: Array<MovedNetDevice & { device: NetDevice }> = [];
  private pid = 0;
  /**
   * The init's network namespace, held from the first move until the
   * launch is done: an init that fails exits at once, and its namespace,
   * with a virtual device in it, would die before the undo could reach it.
   */
  private nsFd = -1;

  constructor(private readonly sys: ParentSyscalls) {}

  /**
   * Moves each device into the network namespace of `pid`. A failure (no
   * such device, a name taken inside, the namespace is the host's) is the
   * field's error; what moved before it stays recorded for undo().
   */
  moveAll(pid: number, devices: readonly NetDevice[]): void {
    if (devices.length === 0) return;
    this.pid = pid;
    this.nsFd = this.sys.openNetNamespace(pid);
    for (const d of devices) {
      try {
        this.moved.push({ ...this.sys.moveNetDevice(this.nsFd, d.hostName, d.moveAs), device: d });
      } catch (err) {
        throw fieldError(err, d.hostName, `cannot move "${d.hostName}" into the container as "${d.name}"`);
      }
    }
  }

  /** The launch succeeded: the devices stay, the namespace is the init's to hold. */
  release(): void {
    if (this.nsFd >= 0) this.sys.close(this.nsFd);
    this.nsFd = -1;
  }

  /**
   * Moves every recorded device back to the host, last first, with the
   * addresses it had there (the plan's, read before the move) and up if it
   * was: whether or not the init got to name it. After
   * release() the init must still live (a created init waits for start).
   * Returns the problems; the caller reports them with the failure that
   * made it undo.
   */
  undo(): string[] {
    const problems: string[] = [];
    if (this.moved.length === 0) {
      this.release();
      return problems;
    }
    try {
      if (this.nsFd < 0) this.nsFd = this.sys.openNetNamespace(this.pid);
      for (const { index, up, device } of this.moved.splice(0).reverse()) {
        try {
          this.sys.returnNetDevice(this.nsFd, index, device.hostName, up, device.addresses);
        } catch (err) {
          const e = fieldError(err, device.hostName, `cannot move "${device.hostName}" back to the host`);
          problems.push(e instanceof Error ? e.message : String(e));
        }
      }
    } catch (err) {
      problems.push(`cannot move the network devices back to the host: ${(err as Error).message}`);
    } finally {
      this.release();
    }
    return problems;
  }
}

/**
 * undo() for a launch that failed with `err`: problems are added to its
 * message (the failure stays the one reported, with its code).
 */
export function undoNetDeviceMoves(moves: NetDeviceMoves, err: unknown): void {
  const problems = moves.undo();
  if (problems.length > 0 && err instanceof Error) err.message += `; and after it: ${problems.join('; ')}`;
}
