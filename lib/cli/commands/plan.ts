/**
 * `kapsel plan`: prints what create would do for a bundle, without doing it.
 * The config modules load on use: other commands need not pay for them.
 */
import { Container } from '../../container/container';
import { formatPlan, planToJSON } from '../../plan/format';
import { boolFlag, choiceFlag, countFlag, stringFlag } from '../args';
import { BUNDLE_FLAG, type Command } from '../command';
import { bundleDir } from './common';

export const planCommand: Command = {
  name: 'plan',
  summary: 'print the launch plan for a bundle without running anything',
  argsUsage: '',
  description: 'Loads and validates the bundle, then prints the namespaces, id maps, cgroups and setup steps create would run.',
  flags: [
    BUNDLE_FLAG,
    { name: 'format', type: 'string', value: 'text|json', description: 'output format (default: "text")' },
    { name: 'preserve-fds', type: 'string', value: 'N', description: 'plan as if create got --preserve-fds N' },
    { name: 'no-pivot', type: 'boolean', description: 'plan as if create got --no-pivot' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const format = choiceFlag(flags, 'format', ['text', 'json'] as const, 'text');
    const { bundle, config, rootfs, warnings } = (require('../../config/load') as typeof import('../../config/load')).loadBundle(bundleDir(stringFlag(flags, 'bundle')));
    // The host facts are gathered as create gathers them, so the plan is
    // create's, its cgroups included (for an id chosen at create: "<id>"
    // in the default path).
    const plan = Container.plan(config, {
      bundle,
      rootfs,
      preserveFds: countFlag(flags, 'preserve-fds') ?? 0,
      noPivot: boolFlag(flags, 'no-pivot'),
      systemdCgroup: ctx.globals.systemdCgroup,
    });
    // plan.warnings are part of the printed plan; key spellings are the loader's.
    for (const warning of warnings) ctx.log.warn(warning);
    ctx.out(format === 'json' ? `${JSON.stringify(planToJSON(plan), null, 2)}\n` : `${formatPlan(plan)}\n`);
    return 0;
  },
};
