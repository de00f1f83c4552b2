/**
 * WebSocket cases that end a socket, each on a socket of its own: upgrades refused before they
 * happen (a bad credential `401`, a foreign `Origin` `403`, both with Spool's error body), a
 * text frame that is not UTF-8 (RFC 6455: the socket closes with 1007), a frame over
 * `SPOOL_WS_MAX_PAYLOAD_BYTES` (1009).
 */
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import WebSocket from 'ws';
import { FUZZ_KEY } from './fixtures.ts';
import { badUtf8 } from './hostile.ts';
import { httpProblem } from './oracle.ts';

export interface EdgeCase {
  label: string;
  headers: Record<string, string>;
  /** Sent once open, as raw bytes in a text frame, or a size of a frame to send. */
  frame?: { text: Buffer } | { size: number };
  /** The refused upgrade's code, or the close code. */
  expected: { refused: 'unauthorized' | 'forbidden' } | { close: number };
}

export const edgeCase: fc.Arbitrary<EdgeCase> = fc.oneof(
  fc
    .constantFrom(
      'Bearer nope-0123456789abcdef',
      'Basic x',
      'Bearer rt1.x.y',
      `Bearer ${'a'.repeat(2_000)}`,
      'Bearer',
    )
    .map((authorization) => ({
      label: `upgrade with Authorization ${authorization.slice(0, 30)}`,
      headers: { authorization },
      expected: { refused: 'unauthorized' as const },
    })),
  fc.constantFrom('http://evil.example', 'null').map((origin) => ({
    label: `upgrade from Origin ${origin}`,
    headers: { origin, authorization: `Bearer ${FUZZ_KEY}` },
    expected: { refused: 'forbidden' as const },
  })),
  badUtf8.map((bytes) => ({
    label: 'a text frame that is not UTF-8',
    headers: {},
    frame: { text: bytes },
    expected: { close: 1007 },
  })),
  fc.integer({ min: 1_048_577, max: 1_300_000 }).map((size) => ({
    label: `a frame of ${size} bytes`,
    headers: {},
    frame: { size },
    expected: { close: 1009 },
  })),
);

/** Runs one edge case; the problem, or undefined. */
export function runEdgeCase(url: string, edge: EdgeCase): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { headers: edge.headers });
    const timer = setTimeout(() => {
      socket.terminate();
      resolve('no outcome in 10 s');
    }, 10_000);
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      resolve(problem);
    };
    socket.on('error', () => {});
    socket.on('unexpected-response', (_request, response: IncomingMessage) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        if (!('refused' in edge.expected))
          return done(`upgrade refused with ${response.statusCode}`);
        const answer = {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(parts).toString('utf8'),
        };
        done(httpProblem(answer, 'spool', { codes: [edge.expected.refused] }));
      });
    });
    socket.on('open', () => {
      if ('refused' in edge.expected) {
        socket.close();
        return done('the upgrade was accepted');
      }
      const frame = edge.frame;
      if (frame && 'text' in frame) {
        // ws checks what it sends; a client that does not is what this case is about: the
        // frame is written by hand (FIN + text, masked with a zero key, payload under 126 bytes).
        const header = Buffer.from([0x81, 0x80 | frame.text.length, 0, 0, 0, 0]);
        const raw = (socket as unknown as { _socket: { write(bytes: Buffer): void } })._socket;
        raw.write(Buffer.concat([header, frame.text]));
      } else if (frame) socket.send(Buffer.alloc(frame.size, 0x20));
    });
    socket.on('close', (code) => {
      if (!('close' in edge.expected)) return;
      done(
        code === edge.expected.close
          ? undefined
          : `closed ${code}, expected ${edge.expected.close}`,
      );
    });
  });
}
