/**
 * The bundles of the checks: a config.json for root or rootless (a user
 * namespace mapping the caller's ids to root) over the run's shared rootfs,
 * with the test's output directory bind-mounted at /out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OUT } from './rootfs';

/** A config.json as the checks edit it (plain JSON, unvalidated on purpose). */
export type Config = Record<string, any>;

/** One entry of config.json's `hooks` lists, as the checks write it. */
export interface HookEntry {
  /** The hook's executable. */
  path: string;
  /** Its argv. */
  args?: string[];
  /** Its environment ("KEY=VALUE"). */
  env?: string[];
  /** Seconds after which the runtime must kill it. */
  timeout?: number;
}

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
/** Hooks get a PATH: runtimes start them with exactly the configured env. */
export const HOOK_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

export interface ConfigInput {
  rootfs: string;
  out: string;
  rootless: boolean;
  args: string[];
}

/** The base config: what `runc spec` (or `runc spec --rootless`) gives, pared down. */
export function baseConfig(input: ConfigInput): Config {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  const config: Config = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: input.args,
      env: ['PATH=/bin', 'HOME=/'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    hostname: 'conformance',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: OUT, type: 'bind', source: input.out, options: ['rbind', 'rw'] },
    ],
    linux: { namespaces },
  };
  if (input.rootless) {
    namespaces.push({ type: 'user' });
    config.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
    config.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  } else {
    namespaces.push({ type: 'network' });
  }
  return config;
}

/** Writes `config` as DIR/config.json (DIR made if missing). */
export function writeBundle(dir: string, config: Config): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}
