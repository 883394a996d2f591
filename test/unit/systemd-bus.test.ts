// The addon's D-Bus entry (native/addon/sd_bus.cc) and its typed face
// (lib/cgroups/systemd-bus.ts), without a systemd: bad requests are
// TypeErrors thrown before anything is sent (never a crash of the host
// process), and an unreachable bus is a rejected promise (ERR_CGROUP from
// the driver) naming the unit and the call. The real systemd is
// test/system/systemd-driver.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native, type SystemdUnitRequest } from '../../lib/native/addon';
import { systemdBus } from '../../lib/cgroups/systemd-bus';

const base: SystemdUnitRequest = { op: 'set', bus: 'system', unit: 'kapsel-x.scope', properties: [], timeoutMs: 1000 };
const libsystemd = ['/usr/lib/x86_64-linux-gnu/libsystemd.so.0', '/lib/x86_64-linux-gnu/libsystemd.so.0', '/usr/lib64/libsystemd.so.0', '/usr/lib/aarch64-linux-gnu/libsystemd.so.0'].some((f) => fs.existsSync(f));
const skip = libsystemd ? false : 'libsystemd.so.0 is not installed here';

test('bad systemd requests are TypeErrors thrown before anything is sent', { skip }, () => {
  const bad: unknown[] = [
    undefined,
    'start',
    { ...base, op: 'restart' },
    { ...base, bus: 'session' },
    { ...base, unit: '' },
    { ...base, unit: 'a\0b.scope' },
    { ...base, timeoutMs: 0 },
    { ...base, timeoutMs: -1 },
    { ...base, timeoutMs: 2 ** 40 },
    { ...base, properties: {} },
    { ...base, properties: [{ name: 'X', type: 'v', value: 1 }] },
    { ...base, properties: [{ name: '', type: 's', value: 'a' }] },
    { ...base, properties: [{ name: 'MemoryMax', type: 't', value: 5 }] },
    { ...base, properties: [{ name: 'MemoryMax', type: 't', value: '-5' }] },
    { ...base, properties: [{ name: 'MemoryMax', type: 't', value: '18446744073709551616' }] },
    { ...base, properties: [{ name: 'AllowedCPUs', type: 'ay', value: [256] }] },
    { ...base, properties: [{ name: 'PIDs', type: 'au', value: [-1] }] },
    { ...base, properties: [{ name: 'DeviceAllow', type: 'a(ss)', value: [['/dev/null']] }] },
    { ...base, properties: [{ name: 'Delegate', type: 'b', value: 'yes' }] },
  ];
  for (const request of bad) {
    assert.throws(() => native().systemdUnitAsync(request as SystemdUnitRequest), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, JSON.stringify(request));
  }
});

test('an unreachable system bus rejects with the errno and the call; the driver says ERR_CGROUP and names the unit', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-sdbus-'));
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${path.join(dir, 'none')}`;
  try {
    await assert.rejects(native().systemdUnitAsync({ ...base, op: 'start' }), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ENOENT');
      return true;
    });
    const scope = { unit: 'kapsel-x.scope', slice: 'system.slice', bus: 'system' as const };
    await assert.rejects(systemdBus.startScope(scope, []), { code: 'ERR_CGROUP', message: /kapsel-x\.scope/ });
    await assert.rejects(systemdBus.stopScope(scope), { code: 'ERR_CGROUP' });
  } finally {
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
    else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
