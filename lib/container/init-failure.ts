/**
 * The words of an init failure: the init reports a reason code
 * (lib/plan/protocol.ts FAILURE_REASONS) with the syscall, errno, path and
 * a detail, and the runtime words it here, config field names and the
 * phrases engines match on (cli-contract.md) included.
 */
import { describeErrno } from '../errors';
import type { CheckedNamespace } from '../plan/steps';
import type { InitMessage } from '../plan/protocol';

type InitError = Extract<InitMessage, { type: 'error' }>;

/** What a namespace of the host, joined by path, would let the container change. */
const HOST_NAMESPACE_HARM: Record<CheckedNamespace, string> = {
  mnt: "setting the rootfs up there would change the host's mount table",
  net: "a sysctl written there would change the host's",
  ipc: "a sysctl written there would change the host's",
  uts: "the hostname set there would be the host's",
};

const NO_PROCFS = 'without a procfs (the container has no /proc, and the kernel refuses a private one in its user namespace)';

/** The message for an init failure (before the step is named); `errnoName` is the errno's name. */
export function initFailureWords(m: InitError, errnoName: string): string {
  const detail = m.message;
  switch (m.reason) {
    case 'syscall':
    case 'plan':
      return detail;
    case 'exec-not-found':
      return `exec: "${m.path}": executable file not found in $PATH`;
    case 'exec-failed':
      // Go-style lower-case error text: engines match it, and runc prints it so.
      return `exec: "${detail}": ${describeErrno(errnoName)}`;
    case 'setgroups-denied':
      return "process.user.additionalGids cannot be set: setgroups is denied in the container's user namespace";
    case 'host-namespace': {
      const harm = HOST_NAMESPACE_HARM[detail as CheckedNamespace] ?? 'it is not the container\'s';
      return `/linux/namespaces: the ${detail} namespace joined by path is the host's (the runtime's or pid 1's) by now: ${harm}`;
    }
    case 'proc-mount':
      return `${m.path} cannot be mounted because it is inside /proc (only a procfs may be mounted there)`;
    case 'procfs-on-symlink':
      return `${detail} must be mounted on an ordinary directory, and ${m.path} is reached through a symlink`;
    case 'no-procfs':
      return detail ? `${detail}: ${NO_PROCFS}` : NO_PROCFS;
    case 'tmpcopyup-not-directory':
      return 'tmpcopyup needs a directory to copy from';
    case 'cwd-outside-root':
      return "the working directory is outside the container's root";
    case 'seccomp-refused':
      return 'the kernel refused the filter or its flags';
    case 'no-pivot-host-root':
      return "--no-pivot: the rootfs is the host's root";
    case 'no-pivot-unsearchable':
      return '--no-pivot cannot hide this procfs or sysfs of the host: a directory above it is not searchable, and it is fully visible';
    case 'no-pivot-hide':
      return "--no-pivot hides the host's procfs and sysfs";
    case 'no-pivot-private':
      return '--no-pivot makes the mounts outside the rootfs private';
    case 'no-devpts':
      return 'process.terminal needs a devpts mount at /dev/pts';
    case 'realtime-refused':
      return (
        `${detail}: operation not permitted (EPERM): a real-time policy needs a real-time budget in the container's cpu cgroup ` +
        "where the kernel has real-time group scheduling (linux.resources.cpu.realtimeRuntime; cgroup v1 cpu.rt_runtime_us), " +
        "and CAP_SYS_NICE in the host's user namespace"
      );
    case 'time-namespace-not-entered':
      return '/linux/namespaces: the kernel did not move the init into its new time namespace at exec (Linux 6.0 or later does)';
  }
}
