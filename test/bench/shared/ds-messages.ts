/**
 * The messages of the durable-streams scenario: deterministic per (producer, seq, size), so a
 * reader checks each one it gets against what was sent, byte for byte, with no oracle to ask.
 */

/** Message `seq` of `producer`, a JSON object of `bytes` characters (at least its fields). */
export function dsMessage(producer: number, seq: number, bytes: number): string {
  const head = JSON.stringify({ p: producer, s: seq, x: '' }).length;
  return JSON.stringify({ p: producer, s: seq, x: 'x'.repeat(Math.max(0, bytes - head)) });
}

export interface DsIntegrity {
  /** Messages sent that the reader never got. */
  lost: number;
  /** Messages it got more than once. */
  duplicated: number;
  /** Messages out of order or not equal to what was sent. */
  mismatched: number;
}

export const noFaults = (): DsIntegrity => ({ lost: 0, duplicated: 0, mismatched: 0 });

export function addIntegrity(into: DsIntegrity, other: DsIntegrity): DsIntegrity {
  into.lost += other.lost;
  into.duplicated += other.duplicated;
  into.mismatched += other.mismatched;
  return into;
}

/** Tracks one reader's messages of one producer's stream, as they arrive. */
export class DsMessageCheck {
  readonly #seen = new Set<number>();
  #next = 0;
  #integrity = noFaults();

  readonly producer: number;
  readonly expected: number;
  readonly bytes: number;

  constructor(producer: number, expected: number, bytes: number) {
    this.producer = producer;
    this.expected = expected;
    this.bytes = bytes;
  }

  /** The message's seq (or -1 when it is not one of this stream's). */
  add(message: string): number {
    let seq = -1;
    try {
      seq = (JSON.parse(message) as { s?: unknown }).s as number;
    } catch {}
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.expected) {
      this.#integrity.mismatched++;
      return -1;
    }
    if (this.#seen.has(seq)) this.#integrity.duplicated++;
    else if (seq !== this.#next || message !== dsMessage(this.producer, seq, this.bytes)) {
      this.#integrity.mismatched++;
    }
    this.#seen.add(seq);
    this.#next = Math.max(this.#next, seq + 1);
    return seq;
  }

  /** Repeated and changed messages so far. */
  faults(): number {
    return this.#integrity.duplicated + this.#integrity.mismatched;
  }

  get received(): number {
    return this.#seen.size;
  }

  result(): DsIntegrity {
    return { ...this.#integrity, lost: this.expected - this.#seen.size };
  }
}
