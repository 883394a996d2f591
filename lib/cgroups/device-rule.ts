/**
 * The normalized device rule, shared by devices.ts (which builds the rules
 * and v1's writes) and device-bpf.ts (which compiles them for cgroup2). It
 * lives in a leaf module so that neither imports the other for a type
 * (devices -> writes -> device-bpf -> devices was an import cycle).
 */

/** A normalized rule: type "a", "c" or "b"; -1 is a wildcard number. */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  major: number;
  minor: number;
  /** Some of "rwm", never empty. */
  access: string;
}
