/**
 * The simulated runtime (kapsel/testing): Container's lifecycle, state
 * machine, hooks and errors without root, for the unit tests of programs
 * that embed kapsel.
 */
export { SimulatedRuntime, type SimulatedRuntimeOptions } from './runtime';
export { SimulatedContainer } from './container';
export { SimulatedProcess, type SimulatedProcessEvents } from './process';
export { ManualClock, realClock, type Clock } from './clock';
export type { HookCall, HookMode } from './hooks';
export { CREATE_STEPS, type ContainerScript, type CreateFault, type CreateStep, type HookFault, type OomFault, type ProcessScript, type ScriptedExit, type SignalResponse } from './script';
