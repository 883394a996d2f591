import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError } from '../../lib/errors';
import { defaultSpec } from '../../lib/config/default-spec';
import { validateConfig, validateProcess, validateResources } from '../../lib/config/validate';
import { CAPABILITIES, RLIMIT } from '../../lib/native/constants';

// Tests mutate plain JSON freely, so the configs are typed loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A valid config to break: runc's default (no cgroup namespace, so it does not depend on the host). */
function base(): Json {
  return structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
}

/** A valid config with a user namespace and mappings. */
function withUserns(): Json {
  const s = base();
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  return s;
}

function invalid(value: unknown, jsonPath: string, problem: string | RegExp): void {
  assert.throws(
    () => validateConfig(value),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError, `expected InvalidConfigError, got ${String(err)}`);
      assert.equal(err.code, 'ERR_INVALID_CONFIG');
      assert.equal(err.jsonPath, jsonPath);
      if (typeof problem === 'string') assert.equal(err.problem, problem);
      else assert.match(err.problem, problem);
      assert.equal(err.message, `invalid config.json: ${jsonPath}: ${err.problem}`);
      return true;
    },
  );
}

interface Case {
  name: string;
  from?: () => Json;
  mutate: (s: Json) => void;
  path: string;
  problem: string | RegExp;
}

const cases: Case[] = [
  // top level
  { name: 'ociVersion missing', mutate: (s) => delete s.ociVersion, path: '/ociVersion', problem: 'is required' },
  { name: 'ociVersion not a string', mutate: (s) => (s.ociVersion = 1), path: '/ociVersion', problem: 'must be string' },
  { name: 'ociVersion not SemVer', mutate: (s) => (s.ociVersion = 'latest'), path: '/ociVersion', problem: /SemVer/ },
  { name: 'ociVersion with two parts', mutate: (s) => (s.ociVersion = '1.0'), path: '/ociVersion', problem: /SemVer/ },
  { name: 'root missing', mutate: (s) => delete s.root, path: '/root', problem: 'is required' },
  { name: 'root.path missing', mutate: (s) => delete s.root.path, path: '/root/path', problem: 'is required' },
  { name: 'root.path not a string', mutate: (s) => (s.root.path = 7), path: '/root/path', problem: 'must be string' },
  { name: 'root.path empty', mutate: (s) => (s.root.path = ''), path: '/root/path', problem: 'must not be empty' },
  { name: 'root.readonly not a boolean', mutate: (s) => (s.root.readonly = 'yes'), path: '/root/readonly', problem: 'must be boolean' },
  { name: 'hostname not a string', mutate: (s) => (s.hostname = 5), path: '/hostname', problem: 'must be string' },
  { name: 'mounts not an array', mutate: (s) => (s.mounts = {}), path: '/mounts', problem: 'must be array' },

  // process
  { name: 'process not an object', mutate: (s) => (s.process = []), path: '/process', problem: 'must be object' },
  { name: 'process.args missing', mutate: (s) => delete s.process.args, path: '/process/args', problem: 'is required' },
  { name: 'process.args empty', mutate: (s) => (s.process.args = []), path: '/process/args', problem: 'must contain at least one entry' },
  { name: 'process.args not an array', mutate: (s) => (s.process.args = 'sh'), path: '/process/args', problem: 'must be array' },
  { name: 'process.args entry not a string', mutate: (s) => (s.process.args = ['sh', 1]), path: '/process/args/1', problem: 'must be string' },
  { name: 'process.cwd missing', mutate: (s) => delete s.process.cwd, path: '/process/cwd', problem: 'is required' },
  { name: 'process.cwd relative', mutate: (s) => (s.process.cwd = 'home'), path: '/process/cwd', problem: 'must be an absolute path' },
  { name: 'process.cwd not a string', mutate: (s) => (s.process.cwd = null), path: '/process/cwd', problem: 'must be string' },
  { name: 'process.terminal not a boolean', mutate: (s) => (s.process.terminal = 1), path: '/process/terminal', problem: 'must be boolean' },
  { name: 'consoleSize without width', mutate: (s) => (s.process.consoleSize = { height: 24 }), path: '/process/consoleSize/width', problem: 'is required' },
  { name: 'consoleSize negative', mutate: (s) => (s.process.consoleSize = { height: -1, width: 80 }), path: '/process/consoleSize/height', problem: 'must be >= 0' },
  { name: 'env not an array', mutate: (s) => (s.process.env = 'A=b'), path: '/process/env', problem: 'must be array' },
  { name: 'env entry not a string', mutate: (s) => s.process.env.push(3), path: '/process/env/2', problem: 'must be string' },
  { name: 'env entry without =', mutate: (s) => s.process.env.push('FOO'), path: '/process/env/2', problem: 'must be of the form NAME=value' },
  { name: 'env entry with empty name', mutate: (s) => (s.process.env = ['=x']), path: '/process/env/0', problem: 'must be of the form NAME=value' },
  { name: 'noNewPrivileges not a boolean', mutate: (s) => (s.process.noNewPrivileges = 'true'), path: '/process/noNewPrivileges', problem: 'must be boolean' },
  { name: 'oomScoreAdj out of range', mutate: (s) => (s.process.oomScoreAdj = 1001), path: '/process/oomScoreAdj', problem: /between -1000 and 1000/ },
  { name: 'oomScoreAdj not an integer', mutate: (s) => (s.process.oomScoreAdj = 1.5), path: '/process/oomScoreAdj', problem: 'must be integer' },
  { name: 'ioPriority class unknown', mutate: (s) => (s.process.ioPriority = { class: 'RT', priority: 0 }), path: '/process/ioPriority/class', problem: /^must be one of "IOPRIO_CLASS_RT"/ },
  { name: 'ioPriority priority out of range', mutate: (s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }), path: '/process/ioPriority/priority', problem: 'must be an integer between 0 and 7' },
  { name: 'scheduler without policy', mutate: (s) => (s.process.scheduler = { nice: 1 }), path: '/process/scheduler/policy', problem: 'is required' },
  { name: 'scheduler flag unknown', mutate: (s) => (s.process.scheduler = { policy: 'SCHED_OTHER', flags: ['FAST'] }), path: '/process/scheduler/flags/0', problem: /^must be one of/ },
  { name: 'execCPUAffinity not a cpu list', mutate: (s) => (s.process.execCPUAffinity = { final: 'all' }), path: '/process/execCPUAffinity/final', problem: /cpu list/ },

  // process.user
  { name: 'user.uid missing', mutate: (s) => delete s.process.user.uid, path: '/process/user/uid', problem: 'is required' },
  { name: 'user.gid missing', mutate: (s) => delete s.process.user.gid, path: '/process/user/gid', problem: 'is required' },
  { name: 'user.uid negative', mutate: (s) => (s.process.user.uid = -1), path: '/process/user/uid', problem: 'must be an integer between 0 and 2147483647 (2^31-1)' },
  { name: 'user.uid fractional', mutate: (s) => (s.process.user.uid = 1.5), path: '/process/user/uid', problem: 'must be integer' },
  { name: 'user.uid a string', mutate: (s) => (s.process.user.uid = '0'), path: '/process/user/uid', problem: 'must be integer' },
  { name: 'user.gid above uint32', mutate: (s) => (s.process.user.gid = 2 ** 32), path: '/process/user/gid', problem: 'must be an integer between 0 and 2147483647 (2^31-1)' },
  { name: 'user.umask above 0777', mutate: (s) => (s.process.user.umask = 0o1000), path: '/process/user/umask', problem: /between 0 and 511/ },
  { name: 'user.umask negative', mutate: (s) => (s.process.user.umask = -2), path: '/process/user/umask', problem: /between 0 and 511/ },
  { name: 'additionalGids entry not an integer', mutate: (s) => (s.process.user.additionalGids = [5, '6']), path: '/process/user/additionalGids/1', problem: 'must be integer' },

  // capabilities
  { name: 'capabilities not an object', mutate: (s) => (s.process.capabilities = ['CAP_KILL']), path: '/process/capabilities', problem: 'must be object' },
  { name: 'capability set not an array', mutate: (s) => (s.process.capabilities.bounding = 'CAP_KILL'), path: '/process/capabilities/bounding', problem: 'must be array' },
  { name: 'capability not a string', mutate: (s) => (s.process.capabilities.effective = [5]), path: '/process/capabilities/effective/0', problem: 'must be string' },
  { name: 'unknown capability', mutate: (s) => s.process.capabilities.permitted.push('CAP_FLY'), path: '/process/capabilities/permitted/3', problem: 'unknown capability "CAP_FLY"' },
  { name: 'lower-case capability', mutate: (s) => (s.process.capabilities.ambient = ['cap_kill']), path: '/process/capabilities/ambient/0', problem: 'unknown capability "cap_kill"' },
  { name: 'capability without CAP_ prefix', mutate: (s) => (s.process.capabilities.inheritable = ['KILL']), path: '/process/capabilities/inheritable/0', problem: 'unknown capability "KILL"' },
  { name: 'capability named like an Object method', mutate: (s) => (s.process.capabilities.bounding = ['constructor']), path: '/process/capabilities/bounding/0', problem: 'unknown capability "constructor"' },

  // rlimits
  { name: 'rlimits not an array', mutate: (s) => (s.process.rlimits = {}), path: '/process/rlimits', problem: 'must be array' },
  { name: 'rlimit type not RLIMIT_*', mutate: (s) => (s.process.rlimits[0].type = 'NOFILE'), path: '/process/rlimits/0/type', problem: 'must be an RLIMIT_* name' },
  { name: 'rlimit type unknown', mutate: (s) => (s.process.rlimits[0].type = 'RLIMIT_FOO'), path: '/process/rlimits/0/type', problem: 'unknown resource limit "RLIMIT_FOO"' },
  { name: 'rlimit soft missing', mutate: (s) => delete s.process.rlimits[0].soft, path: '/process/rlimits/0/soft', problem: 'is required' },
  { name: 'rlimit hard missing', mutate: (s) => delete s.process.rlimits[0].hard, path: '/process/rlimits/0/hard', problem: 'is required' },
  { name: 'rlimit type missing', mutate: (s) => delete s.process.rlimits[0].type, path: '/process/rlimits/0/type', problem: 'is required' },
  { name: 'rlimit hard negative', mutate: (s) => (s.process.rlimits[0].hard = -1), path: '/process/rlimits/0/hard', problem: 'must be >= 0' },
  {
    name: 'rlimit duplicated',
    mutate: (s) => s.process.rlimits.push({ type: 'RLIMIT_CORE', soft: 0, hard: 0 }, { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }),
    path: '/process/rlimits/2/type',
    problem: 'duplicate rlimit type "RLIMIT_NOFILE" (also at /process/rlimits/0)',
  },
  { name: 'rlimit soft above hard', mutate: (s) => (s.process.rlimits[0] = { type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 }), path: '/process/rlimits/0/soft', problem: 'must not exceed hard (1024)' },

  // mounts
  { name: 'mount destination missing', mutate: (s) => delete s.mounts[2].destination, path: '/mounts/2/destination', problem: 'is required' },
  { name: 'mount destination empty', mutate: (s) => (s.mounts[0].destination = ''), path: '/mounts/0/destination', problem: 'must not be empty' },
  { name: 'mount destination not a string', mutate: (s) => (s.mounts[0].destination = ['/proc']), path: '/mounts/0/destination', problem: 'must be string' },
  { name: 'mount options not an array', mutate: (s) => (s.mounts[1].options = 'ro'), path: '/mounts/1/options', problem: 'must be array' },
  { name: 'mount option not a string', mutate: (s) => (s.mounts[1].options = [true]), path: '/mounts/1/options/0', problem: 'must be string' },
  { name: 'mount source not a string', mutate: (s) => (s.mounts[0].source = 0), path: '/mounts/0/source', problem: 'must be string' },
  {
    name: 'mount uidMappings without gidMappings',
    mutate: (s) => (s.mounts[0].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    path: '/mounts/0/gidMappings',
    problem: 'is required when uidMappings is set',
  },
  {
    name: 'mount gidMappings without uidMappings',
    mutate: (s) => (s.mounts[3].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    path: '/mounts/3/uidMappings',
    problem: 'is required when gidMappings is set',
  },
  { name: 'mount mapping size not an integer', mutate: (s) => { s.mounts[0].uidMappings = [{ containerID: 0, hostID: 1, size: 'one' }]; s.mounts[0].gidMappings = []; }, path: '/mounts/0/uidMappings/0/size', problem: 'must be integer' },

  { name: 'bind mount without a source', mutate: (s) => s.mounts.push({ destination: '/data', type: 'bind', options: ['rbind'] }), path: '/mounts/7/source', problem: 'a bind mount needs a source' },
  { name: 'bind option without a source', mutate: (s) => s.mounts.push({ destination: '/data', options: ['bind'], source: '' }), path: '/mounts/7/source', problem: 'a bind mount needs a source' },

  // hooks
  { name: 'hooks not an object', mutate: (s) => (s.hooks = []), path: '/hooks', problem: 'must be object' },
  { name: 'hook list not an array', mutate: (s) => (s.hooks = { createRuntime: { path: '/bin/true' } }), path: '/hooks/createRuntime', problem: 'must be array' },
  { name: 'hook path missing', mutate: (s) => (s.hooks = { createContainer: [{ args: ['x'] }] }), path: '/hooks/createContainer/0/path', problem: 'is required' },
  { name: 'hook path relative', mutate: (s) => (s.hooks = { poststart: [{ path: '/bin/true' }, { path: 'bin/true' }] }), path: '/hooks/poststart/1/path', problem: 'must be an absolute path' },
  { name: 'hook timeout zero', mutate: (s) => (s.hooks = { prestart: [{ path: '/bin/true', timeout: 0 }] }), path: '/hooks/prestart/0/timeout', problem: 'must be an integer greater than 0' },
  { name: 'hook timeout negative', mutate: (s) => (s.hooks = { startContainer: [{ path: '/bin/true', timeout: -5 }] }), path: '/hooks/startContainer/0/timeout', problem: 'must be an integer greater than 0' },
  { name: 'hook timeout fractional', mutate: (s) => (s.hooks = { poststop: [{ path: '/bin/true', timeout: 1.5 }] }), path: '/hooks/poststop/0/timeout', problem: 'must be integer' },
  { name: 'hook args entry not a string', mutate: (s) => (s.hooks = { poststop: [{ path: '/bin/true', args: ['true', 2] }] }), path: '/hooks/poststop/0/args/1', problem: 'must be string' },
  { name: 'hook env entry without =', mutate: (s) => (s.hooks = { poststop: [{ path: '/bin/true', env: ['X'] }] }), path: '/hooks/poststop/0/env/0', problem: 'must be of the form NAME=value' },

  // namespaces and id mappings
  { name: 'namespaces not an array', mutate: (s) => (s.linux.namespaces = { pid: {} }), path: '/linux/namespaces', problem: 'must be array' },
  { name: 'namespace type unknown', mutate: (s) => (s.linux.namespaces[1].type = 'net'), path: '/linux/namespaces/1/type', problem: 'must be one of "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"' },
  { name: 'namespace type missing', mutate: (s) => (s.linux.namespaces[0] = { path: '/proc/1/ns/pid' }), path: '/linux/namespaces/0/type', problem: 'is required' },
  { name: 'namespace path relative', mutate: (s) => (s.linux.namespaces[0].path = 'proc/1/ns/pid'), path: '/linux/namespaces/0/path', problem: 'must be an absolute path' },
  { name: 'namespace duplicated', mutate: (s) => s.linux.namespaces.push({ type: 'ipc', path: '/proc/1/ns/ipc' }), path: '/linux/namespaces/5/type', problem: 'duplicate namespace type "ipc" (also at /linux/namespaces/2)' },
  { name: 'uidMappings without a user namespace', mutate: (s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), path: '/linux/uidMappings', problem: 'user namespace mappings specified, but no user namespace in /linux/namespaces' },
  { name: 'gidMappings without a user namespace', mutate: (s) => (s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), path: '/linux/gidMappings', problem: 'user namespace mappings specified, but no user namespace in /linux/namespaces' },
  { name: 'user namespace without uidMappings', from: withUserns, mutate: (s) => delete s.linux.uidMappings, path: '/linux/uidMappings', problem: 'user namespaces enabled, but no uid mappings found' },
  { name: 'user namespace with empty uidMappings', from: withUserns, mutate: (s) => (s.linux.uidMappings = []), path: '/linux/uidMappings', problem: 'user namespaces enabled, but no uid mappings found' },
  { name: 'user namespace without gidMappings', from: withUserns, mutate: (s) => delete s.linux.gidMappings, path: '/linux/gidMappings', problem: 'user namespaces enabled, but no gid mappings found' },
  { name: 'uidMapping containerID a string', from: withUserns, mutate: (s) => (s.linux.uidMappings[0].containerID = '0'), path: '/linux/uidMappings/0/containerID', problem: 'must be integer' },
  { name: 'uidMapping hostID missing', from: withUserns, mutate: (s) => delete s.linux.uidMappings[0].hostID, path: '/linux/uidMappings/0/hostID', problem: 'is required' },
  { name: 'gidMapping size negative', from: withUserns, mutate: (s) => (s.linux.gidMappings[0].size = -1), path: '/linux/gidMappings/0/size', problem: 'must be >= 0' },
  { name: 'hostname without a uts namespace', mutate: (s) => (s.linux.namespaces = [{ type: 'mount' }]), path: '/hostname', problem: /uts namespace/ },
  { name: 'domainname without a uts namespace', mutate: (s) => { delete s.hostname; s.domainname = 'example.org'; s.linux.namespaces = [{ type: 'mount' }]; }, path: '/domainname', problem: /uts namespace/ },
  { name: 'timeOffsets without a time namespace', mutate: (s) => (s.linux.timeOffsets = { monotonic: { secs: 1 } }), path: '/linux/timeOffsets', problem: /time namespace/ },
  { name: 'timeOffsets secs not an integer', mutate: (s) => { s.linux.namespaces.push({ type: 'time' }); s.linux.timeOffsets = { boottime: { secs: '1' } }; }, path: '/linux/timeOffsets/boottime/secs', problem: 'must be integer' },

  // other linux fields
  { name: 'device path relative', mutate: (s) => (s.linux.devices = [{ type: 'c', path: 'dev/null', major: 1, minor: 3 }]), path: '/linux/devices/0/path', problem: 'must be an absolute path' },
  { name: 'device path the root', mutate: (s) => (s.linux.devices = [{ type: 'c', path: '/../.', major: 1, minor: 3 }]), path: '/linux/devices/0/path', problem: 'must be an absolute path naming a file' },
  { name: 'sysctl not a sysctl name', mutate: (s) => (s.linux.sysctl = { 'net..x': '1' }), path: '/linux/sysctl/net..x', problem: 'not a sysctl name' },
  { name: 'sysctl kernel.hostname', mutate: (s) => (s.linux.sysctl = { 'kernel.hostname': 'x' }), path: '/linux/sysctl/kernel.hostname', problem: /conflicts with the "hostname" field/ },
  { name: 'sysctl kernel.domainname', mutate: (s) => (s.linux.sysctl = { 'kernel.domainname': 'x' }), path: '/linux/sysctl/kernel.domainname', problem: /conflicts with the "domainname" field/ },
  { name: 'sysctl not namespaced', mutate: (s) => (s.linux.sysctl = { 'kernel.panic': '1' }), path: '/linux/sysctl/kernel.panic', problem: /not namespaced/ },
  { name: 'sysctl without its namespace', mutate: (s) => { s.linux.namespaces = s.linux.namespaces.filter((n: Json) => n.type !== 'network'); s.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; }, path: '/linux/sysctl/net.ipv4.ip_forward', problem: /needs a network namespace/ },
  { name: 'linux not an object', mutate: (s) => (s.linux = 'yes'), path: '/linux', problem: 'must be object' },
  { name: 'device type unknown', mutate: (s) => (s.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]), path: '/linux/devices/0/type', problem: 'must be one of "c", "b", "u", "p"' },
  { name: 'device path relative', mutate: (s) => (s.linux.devices = [{ type: 'c', path: 'dev/fuse', major: 10, minor: 229 }]), path: '/linux/devices/0/path', problem: 'must be an absolute path' },
  { name: 'char device without major', mutate: (s) => (s.linux.devices = [{ type: 'c', path: '/dev/fuse', minor: 229 }]), path: '/linux/devices/0/major', problem: 'is required' },
  { name: 'block device without minor', mutate: (s) => (s.linux.devices = [{ type: 'b', path: '/dev/sda', major: 8 }]), path: '/linux/devices/0/minor', problem: 'is required' },
  { name: 'device fileMode negative', mutate: (s) => (s.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: -1 }]), path: '/linux/devices/0/fileMode', problem: 'must be >= 0' },
  { name: 'maskedPaths entry relative', mutate: (s) => s.linux.maskedPaths.push('proc/kcore'), path: '/linux/maskedPaths/10', problem: 'must be an absolute path' },
  { name: 'readonlyPaths entry not a string', mutate: (s) => (s.linux.readonlyPaths = [1]), path: '/linux/readonlyPaths/0', problem: 'must be string' },
  { name: 'rootfsPropagation unknown', mutate: (s) => (s.linux.rootfsPropagation = 'everywhere'), path: '/linux/rootfsPropagation', problem: /^must be one of "shared"/ },
  { name: 'sysctl value not a string', mutate: (s) => (s.linux.sysctl = { 'net.ipv4.ip_forward': 1 }), path: '/linux/sysctl/net.ipv4.ip_forward', problem: 'must be string' },
  { name: 'cgroupsPath not a string', mutate: (s) => (s.linux.cgroupsPath = 5), path: '/linux/cgroupsPath', problem: 'must be string' },
  { name: 'seccomp without defaultAction', mutate: (s) => (s.linux.seccomp = { syscalls: [] }), path: '/linux/seccomp/defaultAction', problem: 'is required' },
  { name: 'seccomp rule without names', mutate: (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }), path: '/linux/seccomp/syscalls/0/names', problem: 'must contain at least one entry' },
  { name: 'seccomp rule without action', mutate: (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['chmod'] }] }), path: '/linux/seccomp/syscalls/0/action', problem: 'is required' },
  { name: 'seccomp arg without op', mutate: (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1 }] }] }), path: '/linux/seccomp/syscalls/0/args/0/op', problem: 'is required' },
  { name: 'seccomp listenerMetadata without listenerPath', mutate: (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }), path: '/linux/seccomp/listenerMetadata', problem: 'must not be set without listenerPath' },
  { name: 'resources.memory.limit a string', mutate: (s) => (s.linux.resources.memory = { limit: '1g' }), path: '/linux/resources/memory/limit', problem: 'must be integer' },
  { name: 'resources device rule without allow', mutate: (s) => (s.linux.resources.devices = [{ access: 'rwm' }]), path: '/linux/resources/devices/0/allow', problem: 'is required' },
  { name: 'resources device access bad', mutate: (s) => (s.linux.resources.devices = [{ allow: true, access: 'rwx' }]), path: '/linux/resources/devices/0/access', problem: /letters r, w and m/ },
  { name: 'resources.pids.limit fractional', mutate: (s) => (s.linux.resources.pids = { limit: 1.5 }), path: '/linux/resources/pids/limit', problem: 'must be integer' },
  { name: 'hugepage size malformed', mutate: (s) => (s.linux.resources.hugepageLimits = [{ pageSize: '64kB', limit: 1 }]), path: '/linux/resources/hugepageLimits/0/pageSize', problem: /"2MB"/ },
  { name: 'rdma limit not an integer', mutate: (s) => (s.linux.resources.rdma = { mlx5_1: { hcaHandles: 'many' } }), path: '/linux/resources/rdma/mlx5_1/hcaHandles', problem: 'must be integer' },
  { name: 'throttle device without rate', mutate: (s) => (s.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 8, minor: 0 }] }), path: '/linux/resources/blockIO/throttleReadBpsDevice/0/rate', problem: 'is required' },
  { name: 'unified value not a string', mutate: (s) => (s.linux.resources.unified = { 'memory.high': 5 }), path: '/linux/resources/unified/memory.high', problem: 'must be string' },
  { name: 'netDevice name not a string', mutate: (s) => (s.linux.netDevices = { eth0: { name: 23 } }), path: '/linux/netDevices/eth0/name', problem: 'must be string' },
  { name: 'personality domain unknown', mutate: (s) => (s.linux.personality = { domain: 'BSD' }), path: '/linux/personality/domain', problem: 'must be one of "LINUX", "LINUX32"' },
  { name: 'intelRdt memBwSchema without MB:', mutate: (s) => (s.linux.intelRdt = { memBwSchema: 'L3:0=7f' }), path: '/linux/intelRdt/memBwSchema', problem: /MB:/ },
  { name: 'memoryPolicy without mode', mutate: (s) => (s.linux.memoryPolicy = { nodes: '0-3' }), path: '/linux/memoryPolicy/mode', problem: 'is required' },

  // annotations and JSON pointer escaping
  { name: 'annotations not an object', mutate: (s) => (s.annotations = ['a']), path: '/annotations', problem: 'must be object' },
  { name: 'annotation value not a string', mutate: (s) => (s.annotations = { 'com.example.n': 2 }), path: '/annotations/com.example.n', problem: 'must be string' },
  { name: 'annotation key empty', mutate: (s) => (s.annotations = { '': 'x' }), path: '/annotations/', problem: 'key must not be empty' },
  { name: 'annotation key with / and ~ is escaped', mutate: (s) => (s.annotations = { 'a~b/c': true }), path: '/annotations/a~0b~1c', problem: 'must be string' },
];

for (const c of cases) {
  test(`invalid: ${c.name} -> ${c.path}`, () => {
    const s = (c.from ?? base)();
    c.mutate(s);
    invalid(s, c.path, c.problem);
  });
}

test('invalid: the document is not an object', () => {
  invalid(null, '/', 'must be object');
  invalid([], '/', 'must be object');
  invalid('{}', '/', 'must be object');
});

test('valid: the default and rootless specs', () => {
  for (const cgroupNamespace of [false, true]) {
    validateConfig(defaultSpec({ rootless: false, cgroupNamespace }));
    validateConfig(defaultSpec({ rootless: true, uid: 1000, gid: 1000, cgroupNamespace }));
  }
});

test('valid: returns the same object, unmodified', () => {
  const s = withUserns();
  const copy = structuredClone(s);
  assert.equal(validateConfig(s), s);
  assert.deepEqual(s, copy);
});

test('valid: the minimal config (ociVersion and root only)', () => {
  validateConfig({ ociVersion: '1.0.0', root: { path: 'rootfs' } });
});

test('valid: SemVer pre-release and build versions', () => {
  for (const v of ['1.0.2-dev', '1.0.0-rc.1', '1.3.0+build.5', '0.1.0']) {
    validateConfig({ ociVersion: v, root: { path: 'rootfs' } });
  }
});

test('valid: unknown properties are ignored at every level', () => {
  const s = base();
  s.somethingNew = { deep: [1, 2] };
  s.process.futureField = true;
  s.process.user.futureField = 1;
  s.process.capabilities.futureSet = ['CAP_ANYTHING'];
  s.process.rlimits[0].futureField = 'x';
  s.root.futureField = null;
  s.mounts[0].futureField = 1;
  s.hooks = { futureHook: [{ path: 'relative' }], poststart: [{ path: '/bin/true', futureField: 1 }] };
  s.linux.futureField = {};
  s.linux.namespaces[0].futureField = 2;
  s.linux.resources.futureController = { x: 1 };
  s.linux.resources.memory = { limit: 1 << 20, futureField: 'y' };
  s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', futureField: 1 };
  s.windows = { anything: true };
  validateConfig(s);
});

test('valid: relative mount destinations (deprecated, relative to "/") are accepted', () => {
  const s = base();
  s.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' });
  validateConfig(s);
});

test('valid: every known capability and every known rlimit', () => {
  const s = base();
  const all = Object.keys(CAPABILITIES);
  s.process.capabilities = { bounding: all, effective: all, inheritable: all, permitted: all, ambient: all };
  s.process.rlimits = Object.keys(RLIMIT).map((type) => ({ type, soft: 1, hard: 2 }));
  validateConfig(s);
});

test('valid: uint64 rlimits up to RLIM_INFINITY (as JSON.parse reads it)', () => {
  const s = JSON.parse(
    '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],' +
      '"rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615}]}}',
  );
  validateConfig(s);
});

test('valid: joining a user namespace by path needs no mappings', () => {
  const s = base();
  s.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' });
  validateConfig(s);
});

test('valid: devices, fifo without major/minor, id-mapped mounts, time namespace', () => {
  const s = withUserns();
  s.linux.devices = [
    { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
    { type: 'p', path: '/dev/myfifo' },
  ];
  s.mounts.push({
    destination: '/data',
    type: 'none',
    source: '/srv/data',
    options: ['rbind', 'idmap'],
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
  });
  s.linux.namespaces.push({ type: 'time' });
  s.linux.timeOffsets = { monotonic: { secs: 172800, nanosecs: 0 } };
  validateConfig(s);
});

test('valid: a config using most of the spec', () => {
  const s = withUserns();
  s.domainname = 'example.org';
  s.annotations = { 'com.example.key': '', 'org.opencontainers.image.os': 'linux' };
  s.process.consoleSize = { height: 25, width: 80 };
  s.process.user = { uid: 1, gid: 1, umask: 0o22, additionalGids: [5, 6] };
  s.process.apparmorProfile = 'acme';
  s.process.selinuxLabel = 'system_u:system_r:svirt_lxc_net_t:s0:c124,c675';
  s.process.oomScoreAdj = -100;
  s.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 4 };
  s.process.scheduler = { policy: 'SCHED_DEADLINE', flags: ['SCHED_FLAG_RECLAIM'], runtime: 1, deadline: 2, period: 3 };
  s.process.execCPUAffinity = { initial: '7', final: '0-3,7' };
  s.hooks = {
    prestart: [{ path: '/usr/bin/fix-mounts', args: ['fix-mounts', 'a'], env: ['key1=value1'] }],
    createRuntime: [{ path: '/usr/bin/setup-network' }],
    createContainer: [{ path: '/usr/bin/mount-hook', timeout: 5 }],
    startContainer: [{ path: '/usr/bin/refresh-ldcache' }],
    poststart: [{ path: '/usr/bin/notify-start', timeout: 1 }],
    poststop: [{ path: '/usr/sbin/cleanup.sh', args: ['cleanup.sh', '-f'] }],
  };
  s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  s.linux.cgroupsPath = '/myRuntime/myContainer';
  s.linux.rootfsPropagation = 'rprivate';
  s.linux.mountLabel = 'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811';
  s.linux.netDevices = { eth0: { name: 'container_eth0' }, ens4: {} };
  s.linux.personality = { domain: 'LINUX32', flags: [] };
  s.linux.intelRdt = { closID: 'guaranteed_group', schemata: ['L3:0=7f0;1=1f', 'MB:0=20;1=70'], enableMonitoring: true };
  s.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '2-3', flags: ['MPOL_F_STATIC_NODES'] };
  s.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64'],
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    listenerPath: '/run/seccomp-agent.sock',
    listenerMetadata: 'x',
    syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_NOTIFY', args: [{ index: 0, value: 1, valueTwo: 2, op: 'SCMP_CMP_MASKED_EQ' }] }],
  };
  s.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }],
    memory: { limit: 536870912, reservation: 536870912, swap: 536870912, kernel: -1, kernelTCP: -1, swappiness: 0, disableOOMKiller: false },
    cpu: { shares: 1024, quota: 1000000, period: 500000, realtimeRuntime: 950000, realtimePeriod: 1000000, cpus: '2-3', mems: '0-7', idle: 1 },
    pids: { limit: -1 },
    blockIO: {
      weight: 10,
      leafWeight: 10,
      weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 300 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 600 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }],
    },
    hugepageLimits: [{ pageSize: '2MB', limit: 9223372036854772000 }],
    network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }] },
    rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
    unified: { 'memory.high': '1G' },
  };
  validateConfig(s);
});

test('validateProcess: checks an exec --process document with paths relative to it', () => {
  const proc = base().process;
  assert.equal(validateProcess(proc), proc);
  assert.throws(() => validateProcess({ ...proc, cwd: 'x' }), { jsonPath: '/cwd', problem: 'must be an absolute path' });
  assert.throws(() => validateProcess({ ...proc, args: [] }), { jsonPath: '/args' });
  assert.throws(
    () => validateProcess({ ...proc, capabilities: { bounding: ['CAP_NOPE'] } }),
    { jsonPath: '/capabilities/bounding/0', problem: 'unknown capability "CAP_NOPE"' },
  );
  assert.throws(
    () => validateProcess({ ...proc, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }] }),
    { jsonPath: '/rlimits/1/type' },
  );
});

test('validateResources: checks an update --resources document', () => {
  const r = { memory: { limit: 1 << 30 }, pids: { limit: 100 } };
  assert.equal(validateResources(r), r);
  assert.throws(() => validateResources({ cpu: { shares: -1 } }), { jsonPath: '/cpu/shares', problem: 'must be >= 0' });
  assert.throws(() => validateResources([]), { jsonPath: '/', problem: 'must be object' });
});
