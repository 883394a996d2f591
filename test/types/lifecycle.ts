/**
 * The lifecycle's types as a user writes them: `await using` on both
 * classes, the typed events, the short forms, and calls that must NOT
 * compile (each under @ts-expect-error: a directive with no error under it
 * is itself an error, so a type that got looser fails the type test).
 */
import { Container, type ExitStatus, type RunResult } from 'kapsel';

export async function lifecycle(): Promise<number | null> {
  await using c = await Container.create({ id: 'demo', bundle: '/tmp/bundle' });
  c.on('exit', (status: ExitStatus) => {
    const signal: NodeJS.Signals | null = status.signal;
    void signal;
  });
  c.once('oom', (kills: number) => void kills);
  c.on('started', () => undefined).on('paused', () => undefined).on('resumed', () => undefined).off('deleted', () => undefined);
  // @ts-expect-error 'created' is no event: create() resolving is it
  c.on('created', () => undefined);
  // @ts-expect-error 'exit' gives an ExitStatus, not a number
  c.on('exit', (code: number) => void code);
  await c.start();
  const p0 = await c.exec({ args: ['true'], cwd: '/' });
  await c.kill('SIGTERM');
  await c.kill(9, { all: true });
  // @ts-expect-error not a signal name
  await c.kill('SIGFOO');
  await c.kill('TERM'); // runc's short names too
  // @ts-expect-error nor a short name that is no signal
  await c.kill('FOO');
  // @ts-expect-error an exec'd process's kill takes the same
  await p0.kill('SIGFOO');
  await using p = await c.exec(['sh', '-c', 'exit 5'], { env: ['A=1'], cwd: '/', user: { uid: 1000 } });
  const killed: Promise<void> = p.kill('SIGKILL');
  await killed;
  // @ts-expect-error an exec'd process has no 'oom'
  p.on('oom', () => undefined);
  // @ts-expect-error the process-object form takes no process fields in its options
  await c.exec({ args: ['true'], cwd: '/' }, { cwd: '/' });
  await c.exec({ args: ['true'], cwd: '/' }, { stdio: [0, 1, 2] });
  const result: RunResult = await Container.run({ id: 'once', bundle: '/tmp/bundle' });
  const id: string = result.id;
  void id;
  return (await p.wait()).exitCode;
}
