/**
 * Test doubles for the launch's dependencies (lib/container/launch.ts):
 * RecordingSyscalls hands out fake fds and pids and records every call, so
 * a test can assert what was spawned, signalled, reaped and closed, without
 * root and without any process; ScriptedLink plays the init's side of the
 * setup conversation from a script.
 */
import type { LaunchEnv } from '../../lib/container/launch';
import type { InitHookStates, InitLink, SetupEvent } from '../../lib/container/init-link';
import type { ParentSyscalls } from '../../lib/container/syscalls';
import type { MovedNetDevice, SpawnOptions, SpawnResult, WaitResult } from '../../lib/native/addon';
import type { CgroupRecord } from '../../lib/cgroups/driver';
import type { BpfInsn } from '../../lib/cgroups/device-bpf';
import type { CgroupWrite } from '../../lib/cgroups/writes';
import type { CgroupPlan } from '../../lib/plan/runtime-cgroups';
import type { IdmapTree } from '../../lib/plan/steps';
import type { SystemdScope, UnitProperty } from '../../lib/cgroups/systemd';

export type Call = [name: string, ...args: unknown[]];

/** Fake fds start here, far above anything this process has open. */
const FIRST_FAKE_FD = 10_000;

export class RecordingSyscalls implements ParentSyscalls {
  readonly calls: Call[] = [];
  /** Fds handed out and not closed yet. */
  readonly open = new Set<number>();
  /** Pids spawned and not reaped yet. */
  readonly alive = new Set<number>();
  /** Set to make a call throw (a Node-style errno error), by call name. */
  failing = new Map<string, NodeJS.ErrnoException>();
  readonly pid = 4_000_000;
  readonly startTime = 777;
  private nextFd = FIRST_FAKE_FD;
  private readonly pidOf = new Map<number, number>();

  private fd(): number {
    const fd = this.nextFd++;
    this.open.add(fd);
    return fd;
  }

  private record(name: string, ...args: unknown[]): void {
    this.calls.push([name, ...args]);
    const err = this.failing.get(name);
    if (err) throw err;
  }

  /** The recorded calls named `name`, without their names. */
  named(name: string): unknown[][] {
    return this.calls.filter((c) => c[0] === name).map((c) => c.slice(1));
  }

  spawn(options: SpawnOptions): SpawnResult {
    this.record('spawn', options);
    for (const fd of options.fds) {
      // The child gets copies: every fd passed must be open here (or be one
      // of this process's own stdio/preserved fds).
      if (fd >= FIRST_FAKE_FD && !this.open.has(fd)) throw new Error(`spawn was passed closed fd ${fd}`);
    }
    const pidfd = this.fd();
    this.pidOf.set(pidfd, this.pid);
    this.alive.add(this.pid);
    return { pid: this.pid, pidfd };
  }
  poolHandover(socket: number, fds: readonly number[], targets: readonly number[], planFd: number, syncFd: number): void {
    this.record('poolHandover', socket, fds, targets, planFd, syncFd);
    for (const fd of fds) {
      if (fd >= FIRST_FAKE_FD && !this.open.has(fd)) throw new Error(`poolHandover was passed closed fd ${fd}`);
    }
  }
  memfdWith(name: string, data: Uint8Array): number {
    this.record('memfdWith', name, data.length);
    return this.fd();
  }
  seqpacketPair(): [number, number] {
    this.record('seqpacketPair');
    return [this.fd(), this.fd()];
  }
  unixConnect(path: string): number {
    this.record('unixConnect', path);
    return this.fd();
  }
  openPath(path: string): number {
    this.record('openPath', path);
    return this.fd();
  }
  mkfifo(path: string, mode: number): void {
    this.record('mkfifo', path, mode);
  }
  pidfdSendSignal(pidfd: number, signal: number): void {
    this.record('pidfdSendSignal', pidfd, signal);
    if (!this.open.has(pidfd)) throw new Error(`signal through closed pidfd ${pidfd}`);
  }
  async pidfdWait(pidfd: number): Promise<WaitResult> {
    this.record('pidfdWait', pidfd);
    if (!this.open.has(pidfd)) throw new Error(`wait on closed pidfd ${pidfd}`);
    const signalled = this.named('pidfdSendSignal').some(([fd, signal]) => fd === pidfd && signal === 9);
    this.alive.delete(this.pidOf.get(pidfd)!);
    return signalled ? { exitCode: null, signal: 'SIGKILL' } : { exitCode: 0, signal: null };
  }
  processStartTime(pid: number): number {
    this.record('processStartTime', pid);
    return pid === this.pid ? this.startTime : 0;
  }
  writeIdMaps(...args: Parameters<ParentSyscalls['writeIdMaps']>): void {
    this.record('writeIdMaps', ...args);
  }
  close(fd: number): void {
    this.record('close', fd);
    if (!this.open.delete(fd)) throw new Error(`close of fd ${fd}, which is not open`);
  }
  /** Cgroup directories made and not destroyed yet. */
  readonly cgroups = new Set<string>();
  /** Host interfaces moved into a container and not back yet, by name. */
  readonly movedOut = new Set<string>();
  private nextIndex = 100;
  private readonly hostNameOf = new Map<number, string>();

  async makeCgroups(plan: CgroupPlan, beforeMaking: (dirs: string[]) => void): Promise<CgroupRecord> {
    beforeMaking(plan.directories);
    this.record('makeCgroups', plan.directories);
    for (const dir of plan.directories) this.cgroups.add(dir);
    return { version: plan.layout === 'v2' ? 2 : 1, v1: { ...plan.v1 }, ...(plan.unified ? { unified: plan.unified } : {}), created: [...plan.directories] };
  }
  async writeCgroups(record: CgroupRecord, writes: readonly CgroupWrite[]): Promise<void> {
    this.record('writeCgroups', record.created, writes.length);
  }
  attachDeviceProgram(dir: string, program: readonly BpfInsn[]): void {
    this.record('attachDeviceProgram', dir, program.length);
  }
  openDirectory(path: string): number {
    this.record('openDirectory', path);
    return this.fd();
  }
  async joinCgroups(pid: number, dirs: readonly string[]): Promise<void> {
    this.record('joinCgroups', pid, dirs);
  }
  async destroyCgroups(record: CgroupRecord): Promise<void> {
    this.record('destroyCgroups', record.created, record.systemd?.unit);
    for (const dir of record.created) this.cgroups.delete(dir);
    if (record.systemd) this.scopes.delete(record.systemd.unit);
  }
  /** systemd scopes started and not stopped yet. */
  readonly scopes = new Set<string>();
  async startSystemdScope(scope: SystemdScope, properties: readonly UnitProperty[]): Promise<void> {
    this.record('startSystemdScope', scope.unit, properties.map((p) => p.name));
    this.scopes.add(scope.unit);
  }
  idmappedTree(tree: IdmapTree): number {
    this.record('idmappedTree', tree.source);
    return this.fd();
  }
  openNetNamespace(pid: number): number {
    this.record('openNetNamespace', pid);
    return this.fd();
  }
  moveNetDevice(nsFd: number, hostName: string, moveAs: string): MovedNetDevice {
    this.record('moveNetDevice', nsFd, hostName, moveAs);
    if (!this.open.has(nsFd)) throw new Error(`move into closed namespace fd ${nsFd}`);
    const index = this.nextIndex++;
    this.hostNameOf.set(index, hostName);
    this.movedOut.add(hostName);
    return { index, up: true };
  }
  returnNetDevice(nsFd: number, index: number, hostName: string): void {
    this.record('returnNetDevice', nsFd, index, hostName);
    if (!this.open.has(nsFd)) throw new Error(`return from closed namespace fd ${nsFd}`);
    if (!this.alive.has(this.pid)) throw new Error('return from the namespace of a dead init');
    if (this.hostNameOf.get(index) !== hostName) throw new Error(`device ${index} is not ${hostName}`);
    this.movedOut.delete(hostName);
  }
}

/** The init's side of the setup conversation, from a script of events. */
export class ScriptedLink implements InitLink {
  /** What the runtime said: "go", "proceed", "abort". */
  readonly said: string[] = [];
  goStates?: InitHookStates;
  closed = false;
  constructor(
    private readonly fd: number,
    private readonly sys: RecordingSyscalls,
    private readonly script: SetupEvent[],
  ) {}
  go(states: InitHookStates | undefined): void {
    this.said.push('go');
    this.goStates = states;
  }
  async next(): Promise<SetupEvent> {
    // A script that runs out behaves as an init that exited.
    return this.script.shift() ?? { kind: 'exited' };
  }
  proceed(): void {
    this.said.push('proceed');
  }
  abort(): void {
    this.said.push('abort');
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sys.close(this.fd);
  }
}

/** A LaunchEnv over a RecordingSyscalls whose init follows `script`. */
export function scriptedEnv(script: SetupEvent[]): { env: LaunchEnv; sys: RecordingSyscalls; links: ScriptedLink[] } {
  const sys = new RecordingSyscalls();
  const links: ScriptedLink[] = [];
  const env: LaunchEnv = {
    sys,
    openLink(fd) {
      const link = new ScriptedLink(fd, sys, script);
      links.push(link);
      return link;
    },
  };
  return { env, sys, links };
}
