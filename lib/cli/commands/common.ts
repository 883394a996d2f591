/** Helpers shared by the container commands. */
import { Container } from '../../container/container';
import type { Context } from '../command';

/** A handle on an existing container under the --root, logging through the CLI's log. */
export function loadContainer(ctx: Context, id: string): Promise<Container> {
  return Container.load(id, { root: ctx.globals.root, logger: ctx.log });
}

/**
 * The bundle directory: --bundle, else the current directory (runc's
 * default for spec, create, run; engines always pass --bundle).
 */
export function bundleDir(value: string | undefined): string {
  return value ? value : process.cwd();
}
