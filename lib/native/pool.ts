/**
 * A few slots for work that holds a thread of libuv's pool: at most
 * `size` run at once, the others wait in order in JS. The runtime clones
 * its inits on the pool (native/addon/spawn.cc, spawnAsync) and makes,
 * fills and removes their cgroups there (native/addon/file_batch.cc); a
 * burst of a thousand creates must not queue thousands of jobs ahead of
 * the process's own file I/O, which shares the pool's four threads.
 */
export class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy < this.size) this.busy++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot goes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}

/**
 * The runtime's jobs on libuv's pool at once (clones and cgroup file
 * batches together): two of its four threads, so that the process's own
 * file I/O always finds one free during a burst of creates.
 */
export const POOL_JOBS = 2;
export const poolSlots = new Slots(POOL_JOBS);
