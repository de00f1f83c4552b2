/** A hand-made progress bar on stderr: one line redrawn in place (or a line every few seconds when stderr is no terminal). */
export class ProgressBar {
  readonly #label: string;
  readonly #started = performance.now();
  #lastLine = 0;

  constructor(label: string) {
    this.#label = label;
  }

  update(done: number, total: number, items: number): void {
    const seconds = (performance.now() - this.#started) / 1_000;
    const width = 24;
    const filled = total > 0 ? Math.round((width * done) / total) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const text = `${this.#label.padEnd(26)} ${bar} ${done}/${total} readers done · ${Math.round(items / 1_000)}k items · ${seconds.toFixed(1)} s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}\u001b[K`);
    else if (performance.now() - this.#lastLine > 5_000) {
      this.#lastLine = performance.now();
      process.stderr.write(`${text}\n`);
    }
  }

  finish(summary: string): void {
    const text = `${this.#label.padEnd(26)} ${summary}`;
    process.stderr.write(process.stderr.isTTY ? `\r${text}\u001b[K\n` : `${text}\n`);
  }
}
