/**
 * The decisions about a mount that the init used to take from the fstype
 * string (native/init/mounts.cc now only executes them): which guard the
 * new filesystem gets, and whether a tmpfs takes the mode of the
 * directory it covers.
 */
import type { MountFilesystem, Step } from './steps';

type MountStep = Extract<Step, { op: 'mount' }>;

/** Whether mount data (comma-separated options) gives a mode= option. */
function hasModeOption(data: string): boolean {
  return `,${data}`.includes(',mode=');
}

/**
 * A tmpfs without mode= takes the mode of the directory it covers, as in
 * runc and crun (an image's /tmp keeps its 1777, a 0755 directory stays
 * 0755), instead of the kernel's 1777 for every one of them.
 */
export function inheritsMode(fstype: string, data: string): boolean {
  return fstype === 'tmpfs' && !hasModeOption(data);
}

/** The guard a new filesystem of type `fstype` gets (MOUNT_FILESYSTEMS). */
export function mountFilesystem(fstype: string): MountFilesystem {
  return fstype === 'proc' || fstype === 'sysfs' ? fstype : 'other';
}

/** A mount step with the init's decisions filled in from its type and data. */
export function mountStep(fields: Omit<MountStep, 'op' | 'filesystem' | 'inheritMode'>): MountStep {
  return { op: 'mount', ...fields, filesystem: mountFilesystem(fields.fstype), inheritMode: inheritsMode(fields.fstype, fields.data) };
}
