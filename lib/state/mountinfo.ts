/**
 * The one TypeScript reader of /proc/PID/mountinfo (proc(5)): the cgroup
 * layout (lib/cgroups/layout.ts), the SELinux facts (lib/host/facts.ts) and
 * the tests' helpers all use it. The init helper has its own in C++
 * (native/init/proc_guard.cc): it runs before any JavaScript could.
 *
 * A line: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
 * mount id, parent id, major:minor, root, mount point, mount options,
 * optional fields up to a lone "-", then filesystem type, source and
 * superblock options. Paths escape space, tab, newline and backslash as
 * octal ("\040"), so splitting at spaces is safe and fields are decoded after.
 */

export interface MountinfoEntry {
  mountId: number;
  parentId: number;
  /** The device, "major:minor". */
  device: string;
  /** The path inside the filesystem that is the mount's root ("/" mostly; a bind mount's source). */
  root: string;
  mountPoint: string;
  /** Per-mount options: ["rw", "nosuid", "nodev"]. */
  options: string[];
  /** "shared:1", "master:2", ... */
  optionalFields: string[];
  fstype: string;
  source: string;
  /** Per-superblock options: ["rw", "size=1024k", "mode=700"]. */
  superOptions: string[];
}

/** mountinfo's octal escapes ("\\040" for a space) decoded. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** One line; undefined for a line that is not a mount (empty, or no "-" separator). */
export function parseMountinfoLine(line: string): MountinfoEntry | undefined {
  const words = line.split(' ');
  // The separator comes after the six fixed fields; a path never contains a bare "-" word (spaces are escaped).
  const dash = words.indexOf('-', 6);
  if (dash < 0) return undefined;
  const [fstype = '', source = '', superOptions = ''] = words.slice(dash + 1);
  return {
    mountId: Number(words[0]),
    parentId: Number(words[1]),
    device: words[2],
    root: unescapeMountField(words[3]),
    mountPoint: unescapeMountField(words[4]),
    options: words[5].split(','),
    optionalFields: words.slice(6, dash),
    fstype,
    source: unescapeMountField(source),
    superOptions: superOptions.split(','),
  };
}

/** Every mount of a mountinfo text, in its order (parents before children, later mounts over earlier ones). */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseMountinfoLine(line);
    if (entry) out.push(entry);
  }
  return out;
}
