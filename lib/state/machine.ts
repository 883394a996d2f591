/**
 * The OCI state machine in one place: how a container's status follows
 * from the facts about it (statusFrom), and which operation is allowed in
 * which status (assertAllowed). Every operation asks here first; a refusal
 * throws InvalidStateError and the operation changes nothing. The real
 * runtime (state/status.ts, container/operation.ts) and the simulated one
 * (testing/simulated) both ask here, so they cannot drift apart: runc keeps
 * its transitions in one place for the same reason.
 */
import type { ContainerStatus } from '../config/types';
import { InvalidStateError } from '../errors';

export type Operation = 'start' | 'kill' | 'delete' | 'forceDelete' | 'pause' | 'resume' | 'exec' | 'execIgnoringPause' | 'update' | 'ps' | 'stats';

const ALLOWED: Record<Operation, readonly ContainerStatus[]> = {
  start: ['created'],
  kill: ['created', 'running', 'paused'],
  delete: ['stopped'],
  forceDelete: ['creating', 'created', 'running', 'paused', 'stopped'],
  // runc's rules: a created container can be paused too; a paused one can
  // be killed, updated, listed, resumed, force-deleted, but not started,
  // exec'd into or deleted without force.
  pause: ['created', 'running'],
  resume: ['paused'],
  // A process joins a running container only: in a created one the init
  // has not exec'd the container's process yet (runc allows it; the OCI
  // lifecycle has nothing to run into), a paused one would freeze it
  // before it runs (runc's --ignore-paused overrides that).
  exec: ['running'],
  execIgnoringPause: ['running', 'paused'],
  update: ['created', 'running', 'paused'],
  ps: ['created', 'running', 'paused'],
  stats: ['created', 'running', 'paused'],
};

/**
 * What a status is derived from. Each fact but the first is asked only
 * when the answer depends on it: the real runtime pays a syscall or a
 * file read for each (deriveStatus).
 */
export interface StatusFacts {
  /** An init was recorded for the container (a stored state with a pid). */
  hasInit: boolean;
  /** Without an init: its creator is still at work (holds the container's lock). */
  beingCreated(): boolean;
  /** The recorded init still lives (the same process: pid and start time). */
  initAlive(): boolean;
  /** The container's processes are frozen (its cgroup's freezer). */
  frozen(): boolean;
  /** The init still waits for start (the exec fifo is there): the user's process has not run. */
  awaitingStart(): boolean;
}

/**
 * The status from the facts: no init yet is "creating" while its creator
 * works and "stopped" once it gave up (a create that died half-way leaves
 * something to delete); a dead init is "stopped"; a frozen one "paused"
 * (whether created or running, as runc); else "created" until start
 * released it, then "running".
 */
export function statusFrom(facts: StatusFacts): ContainerStatus {
  if (!facts.hasInit) return facts.beingCreated() ? 'creating' : 'stopped';
  if (!facts.initAlive()) return 'stopped';
  if (facts.frozen()) return 'paused';
  return facts.awaitingStart() ? 'created' : 'running';
}

export function isAllowed(operation: Operation, status: ContainerStatus): boolean {
  return ALLOWED[operation].includes(status);
}

/**
 * Messages use the words engines look for: CRI-O expects "container not
 * running" on kill of a stopped container (cli-contract.md).
 */
export function assertAllowed(id: string, operation: Operation, status: ContainerStatus): void {
  if (isAllowed(operation, status)) return;
  let detail: string | undefined;
  if (operation === 'kill' && status === 'stopped') detail = `cannot kill container "${id}": container not running`;
  else if (operation === 'start' && status === 'stopped') detail = `cannot start container "${id}": container is stopped`;
  else if (operation === 'start') detail = `cannot start container "${id}" in state "${status}": it must be "created"`;
  else if ((operation === 'exec' || operation === 'execIgnoringPause') && status === 'stopped') detail = `cannot exec in container "${id}": container not running (it is stopped)`;
  else if (operation === 'exec' && status === 'paused') detail = `cannot exec in container "${id}": it is paused (use --ignore-paused to override)`;
  else if (operation === 'exec' || operation === 'execIgnoringPause') detail = `cannot exec in container "${id}" in state "${status}": it must be running`;
  else if ((operation === 'pause' || operation === 'stats' || operation === 'ps' || operation === 'update') && status === 'stopped') {
    detail = `cannot ${operation} container "${id}": container not running`;
  } else if (operation === 'pause' && status === 'paused') detail = `cannot pause container "${id}": container is already paused`;
  else if (operation === 'resume') detail = `cannot resume container "${id}": container not paused`;
  else if (operation === 'delete') {
    detail = `cannot delete container "${id}" in state "${status}": stop it first or use force`;
  }
  throw new InvalidStateError(id, operation, status, detail);
}
