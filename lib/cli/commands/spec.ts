/** `kapsel spec [--rootless] [--bundle DIR]`: writes an example config.json, as `runc spec`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpec } from '../../config/default-spec';
import { InvalidArgumentError } from '../../errors';
import { boolFlag, stringFlag } from '../args';
import { BUNDLE_FLAG, type Command } from '../command';
import { bundleDir } from './common';

export const specCommand: Command = {
  name: 'spec',
  summary: 'create a new specification file',
  argsUsage: '',
  description:
    'Writes config.json, a starting point for a bundle, into the bundle directory.\n' +
    'Set process.terminal to false unless you give create a --console-socket.',
  flags: [
    BUNDLE_FLAG,
    { name: 'rootless', type: 'boolean', description: 'generate a configuration for a rootless container' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const file = path.join(bundleDir(stringFlag(flags, 'bundle')), 'config.json');
    // Tabs and no final newline: byte for byte what runc writes (json.MarshalIndent).
    const text = JSON.stringify(defaultSpec({ rootless: boolFlag(flags, 'rootless') }), null, '\t');
    try {
      // "wx": never overwrite, even if config.json appears between a check and the write.
      fs.writeFileSync(file, text, { flag: 'wx', mode: 0o666 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new InvalidArgumentError('File config.json exists. Remove it first');
      }
      throw err;
    }
    ctx.log.debug(`wrote ${file}`);
    return 0;
  },
};
