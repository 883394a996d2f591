/**
 * Id-mapped bind mounts (mounts[].uidMappings/gidMappings, idmap, ridmap):
 * the ownership of files seen through the mount, from inside the
 * container, against the same files through a plain bind. Config errors
 * name the field and leave nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import type { Spec } from '../../lib/config/types';
import { childProcesses } from '../helpers/leaks';
import { probeReport, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { TEST_USER } from '../helpers/bundle';

const suite = systemSuite();
const { skip } = suite;

/** A host directory with a file owned by 0:0 and one by 1000:1000. */
function sourceDir(): string {
  const dir = tempDir('idmap-src');
  // The probe has no CAP_DAC_OVERRIDE: the directory must be searchable by anyone.
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'root-file'), 'r');
  fs.writeFileSync(path.join(dir, 'user-file'), 'u');
  fs.chownSync(path.join(dir, 'user-file'), 1000, 1000);
  return dir;
}

async function ownersInside(
  edit: (spec: Spec) => void,
  paths: string[],
  userns = false,
): Promise<Record<string, { uid: number; gid: number }>> {
  // With a user namespace: the rootless spec mapping TEST_USER to root, its bundle owned by that user.
  const bundle = suite.bundle(userns ? { rootless: true, owner: TEST_USER, edit } : { edit });
  const report = await probeReport(bundle, paths, { root: suite.root });
  const out: Record<string, { uid: number; gid: number }> = {};
  for (const p of paths) {
    const st = report.stat[p] as { uid?: number; gid?: number; error?: string };
    assert.equal(st.error, undefined, `${p}: ${JSON.stringify(st)}`);
    out[p] = { uid: st.uid!, gid: st.gid! };
  }
  return out;
}

test('uidMappings/gidMappings on a bind: on-disk ids appear mapped, without a user namespace', { skip }, async () => {
  const src = sourceDir();
  try {
    const got = await ownersInside(
      (s) => {
        s.mounts!.push(
          {
            destination: '/mapped',
            type: 'bind',
            source: src,
            options: ['bind', 'idmap'],
            uidMappings: [{ containerID: 0, hostID: 4000, size: 1 }],
            gidMappings: [{ containerID: 0, hostID: 5000, size: 1 }],
          },
          { destination: '/plain', type: 'bind', source: src, options: ['bind'] },
        );
      },
      ['/mapped/root-file', '/mapped/user-file', '/plain/root-file', '/plain/user-file'],
    );
    assert.deepEqual(got['/plain/root-file'], { uid: 0, gid: 0 });
    assert.deepEqual(got['/plain/user-file'], { uid: 1000, gid: 1000 });
    // On-disk 0 is shown as 4000/5000; 1000 is outside the mapping: the overflow id.
    assert.deepEqual(got['/mapped/root-file'], { uid: 4000, gid: 5000 });
    assert.deepEqual(got['/mapped/user-file'], { uid: 65534, gid: 65534 });
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('idmap without mappings takes the container user namespace: root files are root inside', { skip }, async () => {
  const src = sourceDir();
  try {
    const got = await ownersInside(
      (s) => {
        // Host root mapped too (as 1): the init creates the rootfs directories as host root
        // until it changes its uid, and a directory owner must be mapped in its namespace.
        s.linux!.uidMappings!.push({ containerID: 1, hostID: 0, size: 1 });
        s.linux!.gidMappings!.push({ containerID: 1, hostID: 0, size: 1 });
        s.mounts!.push(
          { destination: '/own', type: 'bind', source: src, options: ['rbind', 'ridmap'] },
          { destination: '/plain', type: 'bind', source: src, options: ['bind'] },
          {
            destination: '/mapped',
            type: 'bind',
            source: src,
            options: ['bind', 'idmap'],
            // Host id 1000 (root inside) shows on-disk 1000: the init writes the
            // mapping from inside, translated to "1000 0 1".
            uidMappings: [{ containerID: 1000, hostID: TEST_USER.uid, size: 1 }],
            gidMappings: [{ containerID: 1000, hostID: TEST_USER.gid, size: 1 }],
          },
        );
      },
      ['/own/root-file', '/own/user-file', '/plain/root-file', '/plain/user-file', '/mapped/root-file', '/mapped/user-file'],
      true,
    );
    // The container maps root to TEST_USER and 1 to host root. Through its own mapping,
    // on-disk 0 is host TEST_USER (root inside) and on-disk 1000 is unmapped.
    assert.deepEqual(got['/own/root-file'], { uid: 0, gid: 0 });
    assert.deepEqual(got['/own/user-file'], { uid: 65534, gid: 65534 });
    // Without the idmap, host root is 1 inside and TEST_USER is root.
    assert.deepEqual(got['/plain/root-file'], { uid: 1, gid: 1 });
    assert.deepEqual(got['/plain/user-file'], { uid: 0, gid: 0 });
    assert.deepEqual(got['/mapped/root-file'], { uid: 65534, gid: 65534 });
    assert.deepEqual(got['/mapped/user-file'], { uid: 0, gid: 0 });
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('config errors name the mount, and nothing is left', { skip }, async () => {
  const cases: Array<[(s: Spec) => void, RegExp]> = [
    [(s) => s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['bind', 'idmap'] }), /\/mounts\/\d+\/options: an idmap mount needs uidMappings/],
    [
      (s) => {
        s.linux!.namespaces!.push({ type: 'user', path: '/proc/self/ns/user' });
        s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['bind', 'idmap'] });
      },
      /\/mounts\/\d+\/options: idmap with the mappings of a joined user namespace/,
    ],
    [
      (s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }),
      /\/mounts\/\d+\/options: an id-mapped mount of a new filesystem/,
    ],
  ];
  for (const [edit, message] of cases) {
    const bundle = suite.bundle({ edit });
    await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), message);
    assert.deepEqual(fs.readdirSync(suite.root), []);
    assert.deepEqual(childProcesses(), []);
  }
});
