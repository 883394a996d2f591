// The addon's D-Bus entry (native/addon/sd_bus.cc) and its typed face
// (lib/cgroups/systemd-bus.ts), without a systemd: bad requests are
// typed errors thrown before anything is sent (never a crash of the host
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

// Checked before libsystemd is loaded: a bad call is the caller's error on every host.
test('bad systemd requests are typed errors (Node\'s codes) thrown before anything is sent', () => {
  const TYPE = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
  const VALUE = { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' };
  const RANGE = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
  const bad: Array<[unknown, object]> = [
    [undefined, TYPE],
    ['start', TYPE],
    [{ ...base, op: 'restart' }, VALUE],
    [{ ...base, bus: 'session' }, VALUE],
    [{ ...base, unit: '' }, VALUE],
    [{ ...base, unit: 'a\0b.scope' }, VALUE],
    [{ ...base, timeoutMs: 0 }, RANGE],
    [{ ...base, timeoutMs: -1 }, RANGE],
    [{ ...base, timeoutMs: 2 ** 40 }, RANGE],
    [{ ...base, properties: {} }, TYPE],
    [{ ...base, properties: [{ name: 'X', type: 'v', value: 1 }] }, VALUE],
    [{ ...base, properties: [{ name: '', type: 's', value: 'a' }] }, VALUE],
    [{ ...base, properties: [{ name: 'MemoryMax', type: 't', value: 5 }] }, TYPE],
    [{ ...base, properties: [{ name: 'MemoryMax', type: 't', value: '-5' }] }, VALUE],
    [{ ...base, properties: [{ name: 'MemoryMax', type: 't', value: '18446744073709551616' }] }, VALUE],
    [{ ...base, properties: [{ name: 'AllowedCPUs', type: 'ay', value: [256] }] }, RANGE],
    [{ ...base, properties: [{ name: 'PIDs', type: 'au', value: [-1] }] }, RANGE],
    [{ ...base, properties: [{ name: 'DeviceAllow', type: 'a(ss)', value: [['/dev/null']] }] }, VALUE],
    [{ ...base, properties: [{ name: 'Delegate', type: 'b', value: 'yes' }] }, TYPE],
  ];
  for (const [request, error] of bad) {
    assert.throws(() => native().systemdUnitAsync(request as SystemdUnitRequest), error, JSON.stringify(request));
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
