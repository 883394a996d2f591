import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, isCgroup2UnifiedMode, OCI_VERSION, toRootless } from '../../lib/config/default-spec';
import { validateConfig } from '../../lib/config/validate';
import * as config from '../../lib/config';

/**
 * `runc spec` (runc 1.1, cgroup v1 host) output, with kapsel's two
 * differences: ociVersion (OCI_VERSION) and hostname.
 */
const RUNC_SPEC = `{
	"ociVersion": "${OCI_VERSION}",
	"process": {
		"terminal": true,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "kapsel",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620",
				"gid=5"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			]
		},
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "network"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
}`;

/** The same with `--rootless`, for euid/egid 1000. */
const RUNC_SPEC_ROOTLESS = (() => {
  const s = JSON.parse(RUNC_SPEC);
  s.mounts[2].options = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  s.mounts[5] = { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  s.linux = {
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }],
    maskedPaths: s.linux.maskedPaths,
    readonlyPaths: s.linux.readonlyPaths,
  };
  return JSON.stringify(s, null, '\t');
})();

test('OCI_VERSION is the implemented spec version (1.3.0)', () => {
  assert.equal(OCI_VERSION, '1.3.0');
});

test('defaultSpec matches runc spec byte for byte, key order included', () => {
  assert.equal(JSON.stringify(defaultSpec({ rootless: false, cgroupNamespace: false }), null, '\t'), RUNC_SPEC);
});

test('defaultSpec adds a cgroup namespace last on cgroup v2 hosts', () => {
  const s = defaultSpec({ rootless: false, cgroupNamespace: true });
  assert.deepEqual(
    s.linux?.namespaces?.map((n) => n.type),
    ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
  );
});

test('defaultSpec detects the cgroup mode when not told', () => {
  const types = defaultSpec({ rootless: false }).linux?.namespaces?.map((n) => n.type) ?? [];
  assert.equal(types.includes('cgroup'), isCgroup2UnifiedMode());
});

test('defaultSpec --rootless matches runc spec --rootless byte for byte', () => {
  const s = defaultSpec({ rootless: true, uid: 1000, gid: 1000, cgroupNamespace: false });
  assert.equal(JSON.stringify(s, null, '\t'), RUNC_SPEC_ROOTLESS);
});

test('rootless: no network namespace, a user namespace, mappings for the given ids', () => {
  const s = defaultSpec({ rootless: true, uid: 1234, gid: 5678, cgroupNamespace: true });
  const types = s.linux?.namespaces?.map((n) => n.type);
  assert.deepEqual(types, ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
  assert.deepEqual(s.linux?.uidMappings, [{ containerID: 0, hostID: 1234, size: 1 }]);
  assert.deepEqual(s.linux?.gidMappings, [{ containerID: 0, hostID: 5678, size: 1 }]);
  assert.equal(s.linux?.resources, undefined);
  assert.ok(!('resources' in (s.linux ?? {})));
  for (const m of s.mounts ?? []) {
    assert.ok(!(m.options ?? []).some((o) => o.startsWith('uid=') || o.startsWith('gid=')), m.destination);
  }
  assert.deepEqual(
    s.mounts?.find((m) => m.destination === '/sys'),
    { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] },
  );
});

test('rootless: uid and gid default to the effective ids of the process', () => {
  const s = defaultSpec({ rootless: true });
  assert.equal(s.linux?.uidMappings?.[0]?.hostID, process.geteuid!());
  assert.equal(s.linux?.gidMappings?.[0]?.hostID, process.getegid!());
});

test('both variants validate', () => {
  validateConfig(defaultSpec({ rootless: false }));
  validateConfig(defaultSpec({ rootless: true }));
});

test('every call returns a fresh object', () => {
  const a = defaultSpec({ rootless: false, cgroupNamespace: false });
  a.process!.capabilities!.bounding!.push('CAP_SYS_ADMIN');
  a.process!.env!.push('X=1');
  a.mounts![1]!.options!.push('ro');
  a.linux!.namespaces!.pop();
  assert.equal(JSON.stringify(defaultSpec({ rootless: false, cgroupNamespace: false }), null, '\t'), RUNC_SPEC);
});

test('toRootless does not modify its input, and does not duplicate a user namespace', () => {
  const input = defaultSpec({ rootless: false, cgroupNamespace: false });
  input.linux!.namespaces!.push({ type: 'user' });
  const before = JSON.stringify(input);
  const out = toRootless(input, 1, 2);
  assert.equal(JSON.stringify(input), before);
  assert.equal(out.linux?.namespaces?.filter((n) => n.type === 'user').length, 1);
});

test('toRootless drops the options key of a mount left without options, like runc', () => {
  const input = defaultSpec({ rootless: false, cgroupNamespace: false });
  input.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['uid=1', 'gid=2'] });
  input.mounts!.push({ destination: '/sys/', type: 'sysfs', source: 'sysfs' });
  const out = toRootless(input, 1000, 1000);
  assert.deepEqual(out.mounts?.at(-2), { destination: '/mnt', type: 'tmpfs', source: 'tmpfs' });
  assert.equal(out.mounts?.at(-1)?.type, 'none');
});

test('lib/config index re-exports the public pieces', () => {
  for (const name of ['validateConfig', 'validateProcess', 'validateResources', 'loadBundle', 'defaultSpec', 'toRootless', 'OCI_VERSION', 'configSchema']) {
    assert.ok(name in config, name);
  }
});
