/**
 * A cgroup setting as data: which file of which hierarchy gets which value.
 * Resources (linux.resources) become a list of these (resources-v1.ts,
 * resources-v2.ts), so a unit test reads exactly what would be written
 * without root, and `kapsel plan` can print it.
 */
import type { BpfInsn } from './device-bpf';

/** One cgroup file write of a container's resources. */
export interface CgroupWrite {
  /** The v1 controller whose hierarchy holds the file ("memory"); "" on cgroup2. */
  controller: string;
  /** The file in the container's cgroup ("memory.limit_in_bytes"). */
  file: string;
  /** What is written to it ("536870912", "max"). */
  value: string;
  /**
   * A setting kernels dropped or may not have (kernel memory, cpu.idle):
   * when the file does not exist, this warning replaces the write, as runc
   * does for kernel memory.
   */
  ifMissing?: string;
}

/** The writes for a resources object, and the warnings about what is not applied. */
export interface CgroupSettings {
  writes: CgroupWrite[];
  warnings: string[];
  /** cgroup2: the device filter (device-bpf.ts) to attach; v1 has devices.* writes instead. */
  deviceProgram?: BpfInsn[];
}
