/**
 * What an operation did so far, to undo if it fails: each action that
 * leaves something behind (a state directory, a cgroup, a running init)
 * records how to take it back, and a failure takes everything back in
 * reverse order, whatever failed. An undo step that fails does not stop
 * the others; its problem is reported with the failure that made it undo.
 */
export class UndoJournal {
  private readonly entries: Array<{ what: string; undo: () => void | Promise<void> }> = [];

  /** `what` was done; `undo` takes it back. */
  did(what: string, undo: () => void | Promise<void>): void {
    this.entries.push({ what, undo });
  }

  /** What was done and not undone yet, first first (for tests and messages). */
  done(): string[] {
    return this.entries.map((e) => e.what);
  }

  /** Undoes everything, last first; `problem` hears of each undo step that failed. */
  async undoAll(problem: (what: string, err: unknown) => void): Promise<void> {
    for (const { what, undo } of this.entries.splice(0).reverse()) {
      try {
        await undo();
      } catch (err) {
        problem(what, err);
      }
    }
  }
}
