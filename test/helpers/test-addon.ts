/**
 * The test addon (native/addon/test_module.cc, built by
 * scripts/build-test-addon.js from native/test-addon/binding.gyp): what
 * tests need from C++ that lib/ never calls, so that the library's addon
 * exports only what the library uses (lib/native/addon.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Capabilities, Rlimit, SeccompNotification, SpawnOptions, SpawnResult } from '../../lib/native/addon';

export interface TestAddon {
  // namespaces and mounts, names, credentials, capabilities, prctl flags and
  // rlimits: the syscalls the init helper makes, one by one
  unshare(flags: number): void;
  setns(fd: number, nstype: number): void;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  pivotRoot(newRoot: string, putOld: string): void;
  sethostname(name: string): void;
  setdomainname(name: string): void;
  setresuid(ruid: number, euid: number, suid: number): void;
  setresgid(rgid: number, egid: number, sgid: number): void;
  setgroups(gids: number[]): void;
  capget(pid: number): Capabilities;
  capset(caps: Capabilities): void;
  capBoundingRead(cap: number): boolean;
  capBoundingDrop(cap: number): void;
  capAmbientRaise(cap: number): void;
  capAmbientLower(cap: number): void;
  capAmbientIsSet(cap: number): boolean;
  capAmbientClearAll(): void;
  setNoNewPrivs(): void;
  getNoNewPrivs(): boolean;
  setPdeathsig(signal: number): void;
  getPdeathsig(): number;
  setKeepCaps(keep: boolean): void;
  getKeepCaps(): boolean;
  getrlimit(resource: number): Rlimit;
  setrlimit(resource: number, limit: Rlimit): void;
  /** prlimit(2): sets `limit` when given, returns the old limit. */
  prlimit(pid: number, resource: number, limit?: Rlimit): Rlimit;
  /** Spawns a process into new/joined namespaces; see native/addon/spawn.cc. */
  spawn(options: SpawnOptions): SpawnResult;
  /** A listening SOCK_STREAM unix socket bound to `path`. */
  unixListen(path: string): number;
  /** accept4 without waiting (EAGAIN when nobody connected). */
  unixAccept(fd: number): number;
  /** SECCOMP_IOCTL_NOTIF_RECV without waiting (EAGAIN when none is pending). */
  seccompNotifReceive(listenerFd: number): SeccompNotification;
  /** SECCOMP_IOCTL_NOTIF_SEND: `error` (an errno, 0 for none) or `val` is the syscall's result. */
  seccompNotifRespond(listenerFd: number, id: bigint, val: bigint, error: number, flags: number): void;
  /** SECCOMP_IOCTL_NOTIF_ID_VALID. */
  seccompNotifIdValid(listenerFd: number, id: bigint): boolean;
}

let cached: TestAddon | undefined;

/** Where the test addon is built (outside build/, which is the library's). */
export const TEST_ADDON_PATH = path.resolve(__dirname, '..', '..', '..', 'native', 'test-addon', 'build', 'Release', 'kapsel_native_test.node');

/** Loads the test addon once; it is built by the test set-up (scripts/build-fixtures.js). */
export function testAddon(): TestAddon {
  if (!cached) {
    if (!fs.existsSync(TEST_ADDON_PATH)) throw new Error(`the test addon is not built (${TEST_ADDON_PATH}): run node scripts/build-test-addon.js`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    cached = require(TEST_ADDON_PATH) as TestAddon;
  }
  return cached;
}
