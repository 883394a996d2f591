/**
 * `kapsel run` of a terminal config without --console-socket: as runc, the
 * CLI receives the pty master itself and relays it to its own terminal —
 * raw mode, keystrokes in, output out, window size kept in sync — until the
 * container's side of the terminal closes.
 *
 * Unlike the other commands, this one uses process.stdin/stdout: the
 * container does not share them (it has the pty), so switching them to
 * non-blocking mode cannot hurt it.
 */
import * as fs from 'node:fs';
import { native } from '../native/addon';
export { ConsoleReceiver } from '../container/console-receiver';

/**
 * Why a terminal config cannot be created without a console socket by a
 * command that exits (the library's create receives the master itself).
 */
export const TERMINAL_NEEDS_SOCKET =
  'process.terminal is true: a console socket is needed to receive the terminal (--console-socket), or set "terminal": false';

/** True when the bundle's config asks for a terminal (create reports a broken config itself). */
export function wantsTerminal(bundle: string): boolean {
  try {
    const config = JSON.parse(fs.readFileSync(`${bundle}/config.json`, 'utf8')) as { process?: { terminal?: unknown } };
    return config.process?.terminal === true;
  } catch {
    return false;
  }
}

/** Relays the pty `master` to this process's terminal; `finished` resolves when the container side closes. */
export function relayTerminal(master: number): { finished: Promise<void> } {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const resize = (): void => {
    if (stdout.isTTY) native().setWindowSize(master, stdout.rows, stdout.columns);
  };
  resize();
  stdout.on('resize', resize);
  if (stdin.isTTY) stdin.setRawMode(true);
  const onInput = (chunk: Buffer): void => {
    fs.write(master, chunk, () => undefined);
  };
  stdin.on('data', onInput);

  const finished = (async () => {
    const buffer = Buffer.alloc(65536);
    try {
      for (;;) {
        const n = await new Promise<number>((resolve, reject) =>
          fs.read(master, buffer, 0, buffer.length, null, (err, bytes) => (err ? reject(err) : resolve(bytes))),
        );
        if (n === 0) break;
        await new Promise<void>((resolve) => stdout.write(Buffer.from(buffer.subarray(0, n)), () => resolve()));
      }
    } catch (err) {
      // EIO: every fd of the slave side is closed, the container is done.
      if ((err as NodeJS.ErrnoException).code !== 'EIO') throw err;
    } finally {
      stdout.off('resize', resize);
      stdin.off('data', onInput);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      fs.closeSync(master);
    }
  })();
  return { finished };
}
