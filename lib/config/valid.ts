/**
 * The types only validation produces. `compilePlan` and the process steps
 * accept a ValidSpec / ValidProcess, so that every rule lives in one place
 * (this folder: schema.ts and checks.ts) and the plan compiler never
 * re-checks, or silently disagrees with, what validation decided.
 *
 * The brands exist only in the type system: a ValidSpec is the very object
 * that was validated (validateConfig returns its argument).
 */
import type { Process, Spec } from './types';

declare const validProcessBrand: unique symbol;
declare const validSpecBrand: unique symbol;

/** A `process` object that passed validateProcess (or validateConfig, as part of a config). */
export type ValidProcess = Process & {
  /** The brand: only validation makes one (it exists in the type system alone). */
  readonly [validProcessBrand]: true;
};

/** A config that passed validateConfig: schema and every cross-field rule. */
export type ValidSpec = Omit<Spec, 'process'> & {
  /** The container's process, validated. */
  process?: ValidProcess;
  /** The brand: only validation makes one (it exists in the type system alone). */
  readonly [validSpecBrand]: true;
};
