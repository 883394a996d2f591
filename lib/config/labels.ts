/**
 * The label fields: process.selinuxLabel, process.apparmorProfile and
 * linux.mountLabel. Each reaches the kernel as text: written to
 * /proc/thread-self/attr/... (one write, which the kernel cuts at a page
 * without saying so) or given to fsconfig(2) as the value of the
 * `context` mount option (at most 255 bytes there). So a label holds no
 * control character (a NUL would cut it short, a newline end it), fits
 * where it goes, and a SELinux context holds no double quote (the mount
 * option quotes it). Whether the host can apply a label is
 * plan/labels.ts's business.
 */
import { InvalidConfigError } from '../errors';
import type { Process, Spec } from './types';

/** A page, less the terminating NUL some writers add: the most one attr write carries. */
const ATTR_WRITE_MAX = 4095;
/** fsconfig(2) FSCONFIG_SET_STRING copies at most 255 bytes of a value. */
const MOUNT_OPTION_VALUE_MAX = 255;
/** "exec " before an AppArmor profile in the attr write. */
const APPARMOR_EXEC_PREFIX = 'exec '.length;

const CONTROL = /[\u0000-\u001f\u007f]/;

function checkLabel(value: string | undefined, at: string, maxBytes: number, selinuxContext: boolean): void {
  if (value === undefined || value === '') return;
  const control = CONTROL.exec(value);
  if (control) {
    throw new InvalidConfigError(at, `must not contain control characters (found U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()})`);
  }
  if (selinuxContext && value.includes('"')) throw new InvalidConfigError(at, 'a SELinux context must not contain a double quote');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) throw new InvalidConfigError(at, `is ${bytes} bytes long, at most ${maxBytes} are allowed`);
}

/** process.selinuxLabel and process.apparmorProfile; `base` is the process object's pointer. */
export function checkProcessLabelFields(proc: Pick<Process, 'selinuxLabel' | 'apparmorProfile'>, base: string): void {
  checkLabel(proc.selinuxLabel, `${base}/selinuxLabel`, ATTR_WRITE_MAX, true);
  checkLabel(proc.apparmorProfile, `${base}/apparmorProfile`, ATTR_WRITE_MAX - APPARMOR_EXEC_PREFIX, false);
}

/** linux.mountLabel. */
export function checkMountLabelField(spec: Pick<Spec, 'linux'>): void {
  checkLabel(spec.linux?.mountLabel, '/linux/mountLabel', MOUNT_OPTION_VALUE_MAX, true);
}
