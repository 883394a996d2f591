/**
 * A LaunchRequest for the unit tests of the launch on the syscall double
 * (test/unit/launch.test.ts, pool.test.ts): stdio at 7-9, an exec fifo,
 * privileged id maps, hook states, a sync callback that does nothing.
 */
import type { State } from '../../lib/config/types';
import type { LaunchRequest } from '../../lib/container/launch';
import type { LaunchPlan } from '../../lib/plan/steps';

const state = (status: State['status']): State => ({ ociVersion: '1.0.2', id: 'x', status, bundle: '/b' });

export function launchRequest(plan: LaunchPlan, overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    plan,
    stdio: [7, 8, 9],
    execFifo: '/run/x/exec.fifo',
    privilegedIdMaps: true,
    hookStates: () => ({ creating: state('creating'), created: state('created') }),
    onSync: async () => undefined,
    ...overrides,
  };
}
