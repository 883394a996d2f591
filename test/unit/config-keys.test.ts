// Keys matched as runc (Go's encoding/json) matches them: case-insensitively,
// to the schema's spelling, before validation (config/keys.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import { normalizeKeys } from '../../lib/config/keys';
import { loadBundle } from '../../lib/config/load';
import { configSchema } from '../../lib/config/schema';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-config-keys-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function normalize(value: unknown): { value: Json; renamed: { path: string; canonical: string }[] } {
  return normalizeKeys(value, configSchema) as Json;
}

test('the tutorial\'s hook spellings are read as the spec\'s keys', () => {
  const { value, renamed } = normalize({
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    hooks: { createcontainer: [{ path: '/bin/a' }], postStop: [{ path: '/bin/b' }] },
  });
  assert.deepEqual(value.hooks, { createContainer: [{ path: '/bin/a' }], poststop: [{ path: '/bin/b' }] });
  assert.deepEqual(renamed, [
    { path: '/hooks/createcontainer', canonical: 'createContainer' },
    { path: '/hooks/postStop', canonical: 'poststop' },
  ]);
});

test('keys are matched at every level, inside arrays too', () => {
  const { value } = normalize({
    OCIVersion: '1.0.2',
    Root: { Path: 'rootfs', READONLY: true },
    Process: { Args: ['sh'], CWD: '/', User: { UID: 1, GID: 2 }, Rlimits: [{ Type: 'RLIMIT_NOFILE', Soft: 1, Hard: 2 }] },
    Mounts: [{ Destination: '/x', Type: 'tmpfs' }],
    Linux: { Namespaces: [{ Type: 'mount' }], UIDMappings: [{ ContainerID: 0, HostID: 1, Size: 1 }] },
  });
  assert.deepEqual(value, {
    ociVersion: '1.0.2',
    root: { path: 'rootfs', readonly: true },
    process: { args: ['sh'], cwd: '/', user: { uid: 1, gid: 2 }, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }] },
    mounts: [{ destination: '/x', type: 'tmpfs' }],
    linux: { namespaces: [{ type: 'mount' }], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] },
  });
});

test('free-form maps keep their keys; their values are still matched', () => {
  const { value, renamed } = normalize({
    annotations: { 'Org.Example.Key': 'v', PATH: 'x' },
    linux: { sysctl: { 'net.IPv4.ip_forward': '1' }, netDevices: { ETH0: { Name: 'eth1' } } },
  });
  assert.deepEqual(value.annotations, { 'Org.Example.Key': 'v', PATH: 'x' });
  assert.deepEqual(value.linux.sysctl, { 'net.IPv4.ip_forward': '1' });
  assert.deepEqual(value.linux.netDevices, { ETH0: { name: 'eth1' } });
  assert.deepEqual(renamed, [{ path: '/linux/netDevices/ETH0/Name', canonical: 'name' }]);
});

test('unknown keys are kept as written (and ignored later)', () => {
  const { value, renamed } = normalize({ futureField: 1, process: { futureThing: { Args: 1 } } });
  assert.deepEqual(value, { futureField: 1, process: { futureThing: { Args: 1 } } });
  assert.deepEqual(renamed, []);
});

test('two spellings of one field: the later wins, objects merge into the earlier, as Go decodes them', () => {
  assert.deepEqual(normalize({ hooks: { poststop: [{ path: '/a' }], postStop: [{ path: '/b' }] } }).value.hooks, { poststop: [{ path: '/b' }] });
  assert.deepEqual(normalize({ hooks: { postStop: [{ path: '/b' }], poststop: [{ path: '/a' }] } }).value.hooks, { poststop: [{ path: '/a' }] });
  assert.deepEqual(
    normalize({ process: { cwd: '/a', args: ['x'] }, Process: { cwd: '/b' } }).value.process,
    { cwd: '/b', args: ['x'] },
  );
  assert.deepEqual(normalize({ hostname: 'a', HostName: 'b' }).value.hostname, 'b');
});

test('the input is not modified, and a "__proto__" key stays an own key', () => {
  const input = JSON.parse('{"Hostname":"h","annotations":{"__proto__":"x"}}');
  const copy = structuredClone(input);
  const { value } = normalize(input);
  assert.deepEqual(input, copy);
  assert.equal(value.hostname, 'h');
  assert.ok(Object.prototype.hasOwnProperty.call(value.annotations, '__proto__'));
  assert.equal(Object.getPrototypeOf(value.annotations), Object.prototype);
});

test('loadBundle: a config with "postStop" has hooks.poststop, and a warning names the key', () => {
  const bundle = path.join(tmp, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const config: Json = defaultSpec({ rootless: false, cgroupNamespace: false });
  config.hooks = { createContainer: [{ path: '/usr/bin/touch', args: ['touch', '/tmp/a'] }], postStop: [{ path: '/usr/bin/touch', args: ['touch', '/tmp/b'] }] };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const loaded = loadBundle(bundle);
  assert.deepEqual(loaded.config.hooks?.poststop, [{ path: '/usr/bin/touch', args: ['touch', '/tmp/b'] }]);
  assert.equal(loaded.warnings.length, 1);
  assert.match(loaded.warnings[0], /\/hooks\/postStop read as "poststop"/);
  assert.ok(loaded.warnings[0].includes(path.join(bundle, 'config.json')));
});

test('loadBundle: a config in the spec\'s spelling gives no warning', () => {
  const bundle = path.join(tmp, 'plain');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(defaultSpec({ rootless: true, uid: 1000, gid: 1000 })));
  assert.deepEqual(loadBundle(bundle).warnings, []);
});
