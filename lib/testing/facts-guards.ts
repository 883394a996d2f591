/**
 * The shapes of the host-fact presets' arguments (facts.ts), checked with
 * lib/args.ts (issue 20, item 7): a test that passes `cgroups: 'v3'` or a
 * string uid gets an InvalidArgumentError naming the field, not facts
 * that silently mean something else or a TypeError from deep in a plan.
 * Sets and maps are taken as arrays and objects (a Map is an object);
 * what is inside the facts is the plan's to judge.
 */
import { array, boolean, either, int, object, oneOf, optional, string, type Guard } from '../args';
import { ArgumentValueError } from '../errors';

const flag = optional(boolean);
const strings = optional(array(string));

/** makeHostFacts' init, and a preset's `host`. */
export const HOST_FACTS_INIT: Guard = object({
  unprivileged: flag,
  inUserNamespace: flag,
  joinedRuntimeNamespaces: strings,
  hostNamespaceIds: optional(object()),
  cgroup2: flag,
  cgroupView: optional(object()),
  cgroups: optional(object()),
  directories: strings,
  runtimeEnv: strings,
  devices: optional(object()),
  resctrl: flag,
  lsm: optional(object()),
  notifySocket: optional(object()),
  netDeviceAddresses: optional(object()),
  seccomp: optional(object()),
  runtimeBoundingSet: optional(string),
  passwd: optional(array(object())),
});

/** `cgroups`: 'v2', 'v1-hybrid', a CgroupLayout, or false (true would mean nothing). */
const cgroups: Guard = either(
  "'v2', 'v1-hybrid', a CgroupLayout or false",
  [(v) => typeof v === 'string', oneOf('v2', 'v1-hybrid')],
  [
    (v) => typeof v === 'boolean',
    (value, name) => {
      if (value !== false) throw new ArgumentValueError(name, "'v2', 'v1-hybrid', a CgroupLayout or false", value);
    },
  ],
  [(v) => typeof v === 'object' && v !== null, object({ kind: oneOf('v1', 'v2', 'hybrid'), v1: object() })],
);

const PRESET_FIELDS: Readonly<Record<string, Guard>> = {
  cgroups: optional(cgroups),
  cgroupsPath: optional(string),
  id: optional(string),
  seccomp: optional(either('of type boolean or object', [(v) => typeof v === 'boolean', boolean], [(v) => typeof v === 'object', object()])),
  lsm: optional(either("'none', 'apparmor', 'selinux' or LsmFacts", [(v) => typeof v === 'string', oneOf('none', 'apparmor', 'selinux')], [(v) => typeof v === 'object', object()])),
  host: optional(HOST_FACTS_INIT),
};

/** hostFacts.root's options. */
export const HOST_FACTS_OPTIONS: Guard = object(PRESET_FIELDS);

/** hostFacts.rootless's options: a uid as defaultSpec takes one (2^32-1 is "no uid"). */
export const ROOTLESS_OPTIONS: Guard = object({ ...PRESET_FIELDS, uid: int(0, 2 ** 32 - 2), delegated: flag });
