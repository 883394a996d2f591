/** `kapsel features`: the OCI Features structure, indented with 4 spaces as runc prints it. */
import type { Command } from '../command';
import { features } from '../features';

export const featuresCommand: Command = {
  name: 'features',
  summary: 'show the enabled features',
  argsUsage: '',
  description: 'Prints the OCI runtime Features structure: what kapsel implements, whatever this host supports.',
  flags: [],
  args: { min: 0, max: 0 },
  async run(ctx) {
    ctx.out(`${JSON.stringify(features(), null, 4)}\n`);
    return 0;
  },
};
