/** Every area of checks, in the order the kit runs them. */
import { createArea } from './create';
import { deleteArea } from './delete';
import { hooksArea } from './hooks';
import { killArea } from './kill';
import { lifecycleArea } from './lifecycle';
import { processArea } from './process';
import type { Area } from './spec';
import { startArea } from './start';
import { stateArea } from './state';

/** Every area of checks, in the order {@link conformance} runs them. */
export const AREAS: readonly Area[] = [stateArea, lifecycleArea, createArea, startArea, killArea, deleteArea, hooksArea, processArea];
