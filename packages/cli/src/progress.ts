/**
 * Progress on stderr while tokens go to stdout: offset, tokens/s, transport, gateway.
 * Redrawn in place on a terminal, one line per second otherwise (when asked with --progress).
 */
export interface ProgressState {
  offset: number;
  tokens: number;
  transport: string | undefined;
  gateway: string | undefined;
  reconnects: number;
}

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;
  #firstToken: number | undefined;

  constructor(stream: NodeJS.WriteStream, read: () => ProgressState) {
    this.#stream = stream;
    this.#timer = setInterval(() => this.#draw(read()), stream.isTTY ? 250 : 1_000);
    this.#timer.unref();
  }

  tokenArrived(): void {
    this.#firstToken ??= performance.now();
  }

  finish(state: ProgressState, outcome: string): void {
    clearInterval(this.#timer);
    this.#draw(state);
    this.#stream.write(`${this.#stream.isTTY ? '\n' : ''}spool: ${outcome}\n`);
  }

  #draw(state: ProgressState): void {
    const seconds = (performance.now() - (this.#firstToken ?? this.#started)) / 1_000;
    const rate = this.#firstToken && seconds > 0 ? (state.tokens / seconds).toFixed(0) : '—';
    const ttft = this.#firstToken ? `${Math.round(this.#firstToken - this.#started)} ms` : '—';
    const line = `offset ${state.offset}  ${rate} tok/s  ttft ${ttft}  ${state.transport ?? '…'} ${state.gateway ?? ''}${state.reconnects ? `  reconnects ${state.reconnects}` : ''}`;
    this.#stream.write(this.#stream.isTTY ? `\r\u001b[2K${line}` : `${line}\n`);
  }
}
