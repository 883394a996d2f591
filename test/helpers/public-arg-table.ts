/**
 * Every public function of the library (the exports of lib/index.ts and
 * lib/testing/index.ts: functions, the static and instance methods of the
 * classes, and the functions of exported plain objects: hostFacts.root) with the shape of its arguments, for the bad-argument calls
 * of test/unit/public-args.test.ts (test/helpers/bad-args.ts). A bad call
 * must throw (or reject with) an InvalidArgumentError whose `code` is
 * Node's (ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE)
 * and whose `argument` names the argument or field, and must leave the
 * state root it was given empty. The harmless values make a bad value
 * that is wrongly accepted fail without harm (a bundle that does not
 * exist, a container handle on a state root without containers).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as kapsel from '../../lib/index';
import * as testing from '../../lib/testing/index';
import { warningLogger } from '../../lib/logger';
import type { ArgSpec, ArgTable, BadCall, Expect, FunctionSpec } from './bad-args';

/** The modules whose exports are the public API, by the name users import. */
export const PUBLIC_MODULES: Readonly<Record<string, Record<string, unknown>>> = { kapsel, 'kapsel/testing': testing };

const str = (name: string, safe?: string, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'string', name, ...(safe !== undefined ? { safe } : {}), ...extra }) as ArgSpec;
const opt = (spec: ArgSpec): ArgSpec => ({ ...spec, optional: true }) as ArgSpec;
const bool: ArgSpec = { kind: 'bool' };
const int = (min: number, max: number, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'int', min, max, ...extra }) as ArgSpec;
const obj = (fields: Record<string, ArgSpec> = {}, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'object', fields, ...extra }) as ArgSpec;
const signalOption: ArgSpec = { kind: 'instance', optional: true };
const fdCount = int(0, 2 ** 31 - 4);
const NO_BUNDLE = '/nonexistent-kapsel-bad-args';
/** An fd number no process here has open (a freshly closed one could be reused by the time of the call). */
const NOT_OPEN = 1_000_000;

let stateRoot = '';
const root = (): string => stateRoot;

const createOptions: ArgSpec = obj(
  {
    id: str('id', 'kapsel-bad-args'),
    bundle: str('bundle', NO_BUNDLE),
    root: { kind: 'string', optional: true, safe: root },
    logger: opt(obj({ warn: { kind: 'function' } })),
    // Its values are stdio.ts's to check (test/system/stdio-streams.test.ts); here its shapes and a closed fd.
    stdio: { kind: 'union', optional: true, of: [str('stdio', undefined, { badValues: ['sideways'] }), { kind: 'array', badValues: [[0, 1, 2, 3], [NOT_OPEN, 1, 2]] }] },
    signal: signalOption,
    // Only a pool from Container.pool (create.ts): no plain value is one.
    pool: { kind: 'instance', optional: true },
    preserveFds: opt(fdCount),
    skipFds: opt({ kind: 'array', item: int(0, 2 ** 31 - 1) }),
    pidFile: opt(str('pidFile')),
    consoleSocket: { kind: 'union', optional: true, of: [str('consoleSocket'), int(0, 2 ** 31 - 1)] },
    listenFds: opt(obj({ count: fdCount, names: opt(str('names')) })),
    noPivot: opt(bool),
    noNewKeyring: opt(bool),
    systemdCgroup: opt(bool),
  },
  { name: 'options' },
);
const loadOptions: ArgSpec = obj({ root: { kind: 'string', optional: true, safe: root }, logger: opt(obj({ warn: { kind: 'function' } })) }, { name: 'options', optional: true });
const signalOptions: ArgSpec = obj({ signal: signalOption }, { name: 'options', optional: true });
/** kill's signal: a name or a number, 'SIGTERM' when left out. */
const signal: ArgSpec = { kind: 'union', name: 'signal', optional: true, safe: 'SIGKILL', of: [str('signal', 'SIGKILL', { badValues: ['SIGFOO'] }), int(1, 64)] };
const plan: ArgSpec = obj(
  {
    cloneFlags: int(0, 2 ** 32 - 1),
    join: { kind: 'array' },
    uidMappings: { kind: 'array' },
    gidMappings: { kind: 'array' },
    preserveFds: fdCount,
    fds: { kind: 'array' },
    steps: { kind: 'array', item: obj({ op: str('op', 'mkdir') }) },
    warnings: { kind: 'array', item: str('warnings', 'w') },
  },
  { name: 'plan' },
);

const logger: ArgSpec = opt(obj({ warn: { kind: 'function' } }));
const strings = (name: string, safe: string): ArgSpec => opt({ kind: 'array', item: str(name, safe) });
/** makeHostFacts' init, a preset's `host`: plain data (arrays for sets, objects for maps). */
const hostFactsInit: Record<string, ArgSpec> = {
  unprivileged: opt(bool),
  inUserNamespace: opt(bool),
  joinedRuntimeNamespaces: strings('joinedRuntimeNamespaces', 'net'),
  hostNamespaceIds: opt(obj()),
  cgroup2: opt(bool),
  cgroupView: opt(obj()),
  cgroups: opt(obj()),
  directories: strings('directories', '/d'),
  runtimeEnv: strings('runtimeEnv', 'A=1'),
  devices: opt(obj()),
  resctrl: opt(bool),
  lsm: opt(obj()),
  notifySocket: opt(obj()),
  netDeviceAddresses: opt(obj()),
  seccomp: opt(obj()),
  runtimeBoundingSet: opt(str('runtimeBoundingSet')),
  passwd: opt({ kind: 'array', item: obj() }),
};
/** The presets' options (hostFacts.root, hostFacts.rootless). */
const presetOptions: Record<string, ArgSpec> = {
  cgroups: {
    kind: 'union',
    optional: true,
    of: [str('cgroups', 'v2', { badValues: ['v1', 'v3', 'hybrid'] }), bool, obj({ kind: str('kind', 'v2', { badValues: ['v3'] }), v1: obj() })],
  },
  cgroupsPath: opt(str('cgroupsPath')),
  id: opt(str('id')),
  seccomp: { kind: 'union', optional: true, of: [bool, obj()] },
  lsm: { kind: 'union', optional: true, of: [str('lsm', 'none', { badValues: ['smack', 'AppArmor'] }), obj()] },
  host: opt(obj(hostFactsInit)),
};
const nameTable = obj({}, { name: 'table' });
const SAFE_INT = Number.MAX_SAFE_INTEGER;

const ms = (name: string, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'number', name, min: 0, max: SAFE_INT, ...extra }) as ArgSpec;
const timer: FunctionSpec = { args: [{ kind: 'function', name: 'callback' }, ms('ms')] };

const functions: Record<string, FunctionSpec> = {
  'Container.create': { args: [createOptions] },
  'Container.run': { args: [createOptions] },
  'Container.load': { args: [str('id', 'kapsel-bad-args'), loadOptions] },
  'Container.list': { args: [loadOptions] },
  // config is validated as config.json (InvalidConfigError with JSON paths): any value is a document.
  'Container.plan': {
    args: [
      { kind: 'any', name: 'config' },
      obj(
        {
          bundle: opt(str('bundle', NO_BUNDLE)),
          rootfs: opt(str('rootfs', NO_BUNDLE)),
          preserveFds: opt(fdCount),
          noPivot: opt(bool),
          facts: opt(obj()),
          seccompCompiler: opt({ kind: 'function' }),
          id: opt(str('id')),
          systemdCgroup: opt(bool),
        },
        { name: 'options', optional: true },
      ),
    ],
  },
  // A bad value wrongly accepted opens a pool: its helpers show as the child's leftover processes.
  'Container.pool': {
    args: [
      obj(
        {
          size: int(1, 64),
          namespaces: opt({ kind: 'array', item: str('namespaces', 'pid', { badValues: ['user', 'time', 'mnt', 'net', 'PID'] }) }),
          logger,
        },
        { name: 'options' },
      ),
    ],
  },
  'Container#start': { args: [signalOptions] },
  'Container#wait': { args: [signalOptions] },
  'Container#delete': { args: [obj({ force: opt(bool), signal: signalOption }, { name: 'options', optional: true })] },
  'Container#kill': { args: [signal, obj({ all: opt(bool) }, { name: 'options', optional: true })] },
  'Container#update': { args: [obj({}, { name: 'resources' })] },
  'Container#exec': {
    args: [
      { kind: 'union', name: 'command', of: [{ kind: 'array', item: str('command', 'true'), badValues: [[]] }, obj()] },
      obj(
        {
          preserveFds: opt(fdCount),
          pidFile: opt(str('pidFile')),
          ignorePaused: opt(bool),
          cwd: opt(str('cwd')),
          env: opt({ kind: 'array', item: str('env', 'A=1') }),
          user: opt(obj({ uid: int(0, 2 ** 32 - 1), gid: opt(int(0, 2 ** 32 - 1)) })),
          additionalGids: opt({ kind: 'array', item: int(0, 2 ** 32 - 1) }),
          addCapabilities: opt({ kind: 'array', item: str('addCapabilities', 'CAP_CHOWN') }),
          noNewPrivileges: opt(bool),
          terminal: opt(bool),
          signal: signalOption,
        },
        { name: 'options', optional: true },
      ),
    ],
  },
  'ExecProcess#wait': { args: [signalOptions] },
  'ExecProcess#kill': { args: [signal] },
  collectOutput: { args: [{ kind: 'instance', name: 'stream' }] },
  parseCgroupFlags: { args: [{ kind: 'array', name: 'values', item: str('values', 'memory:x') }] },
  loadBundle: { args: [str('bundle', NO_BUNDLE)] },
  defaultSpec: { args: [obj({ rootless: bool, uid: opt(int(0, 2 ** 32 - 2)), gid: opt(int(0, 2 ** 32 - 2)), cgroupNamespace: opt(bool) }, { name: 'options' })] },
  validateConfig: { args: [{ kind: 'any', name: 'value' }, obj({ bundle: opt(str('bundle', NO_BUNDLE)), rootfs: opt(str('rootfs', NO_BUNDLE)) }, { name: 'options', optional: true })] },
  compilePlan: {
    args: [
      obj({}, { name: 'spec' }),
      obj({ bundle: str('bundle', NO_BUNDLE), rootfs: str('rootfs', NO_BUNDLE), preserveFds: opt(fdCount), noPivot: opt(bool), listenFds: opt(obj({ count: fdCount })) }, { name: 'options' }),
      obj({ host: obj(), image: obj() }, { name: 'facts' }),
      obj({}, { name: 'programs', optional: true }),
    ],
  },
  gatherFacts: { args: [obj({}, { name: 'spec' }), obj({ bundle: str('bundle', NO_BUNDLE), rootfs: str('rootfs', NO_BUNDLE), cgroups: opt(obj()) }, { name: 'paths' })] },
  processPlan: { args: [obj({}, { name: 'proc' }), obj({ image: obj(), setgroupsDenied: bool }, { name: 'ctx' })] },
  libseccompCompiler: { args: [obj({}, { name: 'seccomp' }), obj({ logger: opt(obj({ warn: { kind: 'function' } })), basePath: opt(str('basePath')) }, { name: 'options', optional: true })] },
  formatPlan: { args: [plan] },
  planToJSON: { args: [plan] },
  flagNames: { args: [int(0, 2 ** 32 - 1, { name: 'value' }), nameTable] },
  valueName: { args: [int(-(2 ** 31), 2 ** 32 - 1, { name: 'value' }), nameTable] },
  capabilityNames: { args: [str('mask', '0', { badValues: ['-1', '0x10', ' 1', '1.5', '', '18446744073709551616'] })] },
  octalMode: { args: [int(0, 0o7777, { name: 'mode' })] },
  deviceKey: { args: [str('type', 'c', { badValues: ['p', 'u', 'C', ''] }), int(-SAFE_INT, SAFE_INT, { name: 'major' }), int(-SAFE_INT, SAFE_INT, { name: 'minor' })] },
  makeHostFacts: { args: [obj(hostFactsInit, { name: 'init', optional: true })] },
  'hostFacts.root': { args: [obj(presetOptions, { name: 'options', optional: true })] },
  'hostFacts.rootless': { args: [obj({ ...presetOptions, uid: int(0, 2 ** 32 - 2), delegated: opt(bool) }, { name: 'options' })] },
  'SimulatedRuntime#script': { args: [str('id', 'kapsel-bad-args'), obj({}, { name: 'script' })] },
  'SimulatedRuntime#addBundle': { args: [str('dir', NO_BUNDLE), obj({}, { name: 'config' })] },
  // On a runtime without containers: a bad value wrongly accepted meets ContainerNotFoundError, not the typed error.
  'SimulatedRuntime#endProcess': { args: [str('id', 'kapsel-bad-args'), obj({ exitCode: opt(int(0, 255)), signal: opt(str('signal', 'SIGTERM')) }, { name: 'exit', optional: true })] },
  'SimulatedRuntime#oom': { args: [str('id', 'kapsel-bad-args'), obj({ kills: opt(int(0, 2 ** 31 - 1)), killsProcess: opt(bool) }, { name: 'options', optional: true })] },
  'ManualClock#setTimeout': timer,
  'realClock.setTimeout': timer,
  'ManualClock#advance': { args: [ms('ms')] },
  'ManualClock#run': { args: [{ kind: 'instance', name: 'until', safe: () => Promise.resolve() }, ms('limitMs', { optional: true, max: Infinity })] },
  parseSignal: { args: [{ ...signal, optional: false }] },
  // Only text for a message: a NUL in it harms nothing.
  describeErrno: { args: [str('name', 'ENOENT', { nulAllowed: true })] },
  checkName: {
    args: [obj({ title: str('title', 't'), cite: obj({ file: str('file', 'runtime.md'), section: str('section', 's'), level: str('level', 'MUST'), text: str('text', 't') }) }, { name: 'check' })],
  },
  conformance: {
    args: [
      obj(
        {
          runtime: str('runtime', NO_BUNDLE),
          rootless: opt(bool),
          busybox: opt(str('busybox')),
          rootfs: opt(str('rootfs')),
          runtimeArgs: opt({ kind: 'array', item: str('runtimeArgs', '--x') }),
          tmpDir: opt(str('tmpDir')),
          areas: opt({ kind: 'array', item: str('areas', 'state') }),
          callTimeoutMs: opt(int(1, 2 ** 31 - 1)),
          waitMs: opt(int(0, 2 ** 31 - 1)),
          expectedFailures: opt(obj()),
          concurrency: opt(int(1, 1024)),
          name: opt(str('name')),
        },
        // An unknown area: a bad value wrongly accepted registers no test.
        { name: 'options', safe: () => ({ runtime: NO_BUNDLE, areas: ['kapsel-no-such-area'] }) },
      ),
    ],
  },
};

/**
 * Public functions without arguments: nothing to make bad (on a handle of
 * no container they fail for that, which is not what is tested here).
 */
export const NO_ARGUMENTS: readonly string[] = [
  'defaultRoot',
  'defaultDeviceNodes',
  'realClock.now',
  'ManualClock#now',
  'ManualClock#whenTimerSet',
  'SimulatedContainer#state',
  'SimulatedContainer#pause',
  'SimulatedContainer#resume',
  'SimulatedContainer#processes',
  'Container#state',
  'Container#configProcess',
  'Container#pause',
  'Container#resume',
  'Container#processes',
  'Container#stats',
  'Container#detach',
  'ExecProcess#detach',
];

/** Functions that take any value (a timer handle to cancel: a foreign one is ignored, as Node's clearTimeout does): nothing to make bad. */
export const ANY_VALUE: readonly string[] = ['realClock.clearTimeout', 'ManualClock#clearTimeout'];

// The simulated runtime mirrors Container and ExecProcess: the same arguments, the same guards.
for (const [simulated, real] of [
  ['SimulatedRuntime#create', 'Container.create'],
  ['SimulatedRuntime#run', 'Container.run'],
  ['SimulatedRuntime#load', 'Container.load'],
  ['SimulatedRuntime#list', 'Container.list'],
  ...['start', 'wait', 'delete', 'kill', 'exec'].map((m) => [`SimulatedContainer#${m}`, `Container#${m}`]),
  ['SimulatedProcess#wait', 'ExecProcess#wait'],
  ['SimulatedProcess#kill', 'ExecProcess#kill'],
]) {
  functions[simulated] = functions[real];
}

/** A handle without the constructor's work: the methods check their arguments before they touch it. */
function handle(name: string): Record<string, (...args: unknown[]) => unknown> {
  type Handle = Record<string, (...args: unknown[]) => unknown>;
  // Real ones where making one costs nothing (no root, no process, no file).
  if (name === 'SimulatedRuntime') return new testing.SimulatedRuntime() as unknown as Handle;
  if (name === 'ManualClock') return new testing.ManualClock() as unknown as Handle;
  if (name === 'SimulatedContainer' || name === 'SimulatedProcess') return Object.create(testing[name].prototype as object) as Handle;
  const fields = name === 'Container' ? { id: 'kapsel-bad-args', root: stateRoot, logger: warningLogger, pidfd: -1 } : { pid: 0, pidfd: -1 };
  const prototype = name === 'Container' ? kapsel.Container.prototype : kapsel.ExecProcess.prototype;
  return Object.assign(Object.create(prototype) as object, fields) as Record<string, (...args: unknown[]) => unknown>;
}

const CODES: Record<Expect, string> = { type: 'ERR_INVALID_ARG_TYPE', value: 'ERR_INVALID_ARG_VALUE', range: 'ERR_OUT_OF_RANGE', errno: 'EBADF' };

export const table: ArgTable = {
  functions,
  resolve(name) {
    const method = /^(\w+)([.#])(\w+)$/.exec(name);
    if (!method) return kapsel[name as keyof typeof kapsel] as never ?? (testing[name as keyof typeof testing] as never);
    const [, cls, kind, member] = method;
    // "Class.static" or "object.member" (hostFacts.root), from either entry.
    const owner = (kapsel as Record<string, unknown>)[cls] ?? (testing as Record<string, unknown>)[cls];
    const target = kind === '.' ? (owner as Record<string, (...args: unknown[]) => unknown>) : handle(cls);
    return (...args) => target[member](...args);
  },
  check(err, expect, call: BadCall) {
    if (!(err instanceof kapsel.InvalidArgumentError)) return 'want an InvalidArgumentError';
    if (err.code !== CODES[expect]) return `want code ${CODES[expect]}`;
    // The argument the label made bad, or one inside it (an element of the array given).
    const bad = call.label.slice(0, call.label.indexOf(' = '));
    if (err.argument === undefined || !(err.argument === bad || err.argument.startsWith(`${bad}[`) || err.argument.startsWith(`${bad}.`))) return `want argument "${bad}", not "${err.argument}"`;
    return true;
  },
  setUp() {
    stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-bad-args-'));
  },
  leftovers() {
    const left = fs.readdirSync(stateRoot).map((entry) => `state root entry ${entry}`);
    fs.rmSync(stateRoot, { recursive: true, force: true });
    return left;
  },
};
