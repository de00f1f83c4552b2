/**
 * A small SSE parser for the load clients: cheaper than a general one, enough for the servers
 * benchmarked here (LF line ends, one `data:` line per event). Reports each complete event with
 * the number of characters it took, so a client can resume by character count
 * (`resumable-stream`'s `skipCharacters`).
 */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
  /** Characters of the stream this event used, its blank line included. */
  length: number;
}

export class SseParser {
  #buffer = '';
  readonly #onEvent: (event: SseEvent) => void;

  constructor(onEvent: (event: SseEvent) => void) {
    this.#onEvent = onEvent;
  }

  feed(text: string): void {
    this.#buffer += text;
    let start = 0;
    for (;;) {
      const end = this.#buffer.indexOf('\n\n', start);
      if (end < 0) break;
      this.#emit(this.#buffer.slice(start, end), end + 2 - start);
      start = end + 2;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  reset(): void {
    this.#buffer = '';
  }

  #emit(block: string, length: number): void {
    let event = 'message';
    let id: string | undefined;
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('data: ')) data = line.slice(6);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
    }
    // Comments (`: hb`) and `retry:` blocks carry no data; they still count in `length`.
    this.#onEvent({ event, id, data: data ?? '', length });
  }
}
