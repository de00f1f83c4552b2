import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Chunk } from './chunk.ts';
import type { ClientFrame } from './client-frame.ts';
import { type ErrorCode, isErrorCode } from './errors.ts';
import { isStreamId } from './items.ts';
import { exceedsUtf8Length } from './json-object.ts';
import { livenessBoundMs, parseHeartbeatMs } from './liveness.ts';
import type { ProtocolError } from './protocol-error.ts';
import {
  chunksArbitrary,
  clientFrameArbitrary,
  frameLikeArbitrary,
  jsonTextArbitrary,
  protocolErrorArbitrary,
  streamIdArbitrary,
} from './test-arbitraries.ts';
import {
  type ClientFrameResult,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  encodeHeartbeat,
  encodeServerChunk,
  encodeServerError,
  encodeSubscribed,
  type ServerFrameResult,
} from './ws.ts';

const STREAM = 'st_AAAAAAAAAAAAAAAAAAAAAA';
const SUBSCRIPTION = 'sub_BBBBBBBBBBBBBBBBBBBBBB';

/** A refusal with `code`, any message, attributed to `stream` when given. */
function failure(code: ErrorCode, stream?: string): { ok: false; error: ProtocolError } {
  const message: string = expect.any(String);
  return { ok: false, error: stream === undefined ? { code, message } : { code, message, stream } };
}

describe('decodeClientFrame', () => {
  it('decodes the client frames of SPEC section 5', () => {
    const cases: [string, ClientFrame][] = [
      [
        `{"type":"subscribe","stream":"${STREAM}","from":0,"window":256}`,
        { type: 'subscribe', stream: STREAM, from: 0, window: 256 },
      ],
      [
        `{"type":"subscribe","stream":"${STREAM}","subscription":"${SUBSCRIPTION}"}`,
        { type: 'subscribe', stream: STREAM, subscription: SUBSCRIPTION },
      ],
      [
        `{"type":"ack","stream":"${STREAM}","offset":120}`,
        { type: 'ack', stream: STREAM, offset: 120 },
      ],
      [
        `{"type":"resend","stream":"${STREAM}","from":40,"to":60}`,
        { type: 'resend', stream: STREAM, from: 40, to: 60 },
      ],
      [
        `{"type":"resend","stream":"${STREAM}","block":2}`,
        { type: 'resend', stream: STREAM, block: 2 },
      ],
      [`{"type":"unsubscribe","stream":"${STREAM}"}`, { type: 'unsubscribe', stream: STREAM }],
      [`{"type":"cancel","stream":"${STREAM}"}`, { type: 'cancel', stream: STREAM }],
    ];
    for (const [text, frame] of cases) {
      expect(decodeClientFrame(text)).toEqual({ ok: true, frame });
      expect(encodeClientFrame(frame)).toBe(text);
    }
  });

  it('starts a subscribe with neither from nor subscription at offset 0', () => {
    const text = `{"type":"subscribe","stream":"${STREAM}","chunking":{"maxItems":8,"maxDelayMs":20}}`;
    expect(decodeClientFrame(text)).toEqual({
      ok: true,
      frame: {
        type: 'subscribe',
        stream: STREAM,
        from: 0,
        chunking: { maxItems: 8, maxDelayMs: 20 },
      },
    });
  });

  it('drops unknown fields and never touches a prototype', () => {
    const text = `{"type":"ack","stream":"${STREAM}","offset":1,"__proto__":{"polluted":1},"extra":2}`;
    const result = decodeClientFrame(text);
    expect(result).toEqual({ ok: true, frame: { type: 'ack', stream: STREAM, offset: 1 } });
    expect(Object.getPrototypeOf(result.ok && result.frame)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses bad frames with a code, attributing them to a valid stream', () => {
    const cases: [string | Uint8Array, ClientFrameResult][] = [
      ['', failure('invalid_frame')],
      ['{', failure('invalid_frame')],
      ['[]', failure('invalid_frame')],
      ['null', failure('invalid_frame')],
      [new Uint8Array([0x7b, 0xff, 0x7d]), failure('invalid_frame')],
      [`{"type":"ack","stream":"st_short","offset":1}`, failure('invalid_stream_id')],
      [`{"type":"ack","offset":1}`, failure('invalid_stream_id')],
      [`{"type":"hello","stream":"${STREAM}"}`, failure('invalid_frame', STREAM)],
      [`{"type":"__proto__","stream":"${STREAM}"}`, failure('invalid_frame', STREAM)],
      [`{"type":"ack","stream":"${STREAM}","offset":-1}`, failure('invalid_offset', STREAM)],
      [`{"type":"ack","stream":"${STREAM}","offset":1.5}`, failure('invalid_offset', STREAM)],
      [
        `{"type":"ack","stream":"${STREAM}","offset":9007199254740992}`,
        failure('invalid_offset', STREAM),
      ],
      [`{"type":"ack","stream":"${STREAM}","offset":1e999}`, failure('invalid_offset', STREAM)],
      [`{"type":"ack","stream":"${STREAM}","offset":"1"}`, failure('invalid_offset', STREAM)],
      [
        `{"type":"subscribe","stream":"${STREAM}","from":1,"subscription":"${SUBSCRIPTION}"}`,
        failure('invalid_frame', STREAM),
      ],
      [
        `{"type":"subscribe","stream":"${STREAM}","subscription":"sub_x"}`,
        failure('invalid_subscription_id', STREAM),
      ],
      [`{"type":"subscribe","stream":"${STREAM}","window":0}`, failure('invalid_frame', STREAM)],
      [
        `{"type":"subscribe","stream":"${STREAM}","window":65537}`,
        failure('invalid_frame', STREAM),
      ],
      [
        `{"type":"subscribe","stream":"${STREAM}","chunking":"fast"}`,
        failure('invalid_frame', STREAM),
      ],
      [`{"type":"resend","stream":"${STREAM}","from":5,"to":5}`, failure('invalid_offset', STREAM)],
      [`{"type":"resend","stream":"${STREAM}","from":5}`, failure('invalid_offset', STREAM)],
      [
        `{"type":"resend","stream":"${STREAM}","from":1,"to":2,"block":0}`,
        failure('invalid_frame', STREAM),
      ],
      [`{"type":"resend","stream":"${STREAM}"}`, failure('invalid_frame', STREAM)],
      ['x'.repeat(20_000), failure('payload_too_large')],
      [new Uint8Array(20_000), failure('payload_too_large')],
    ];
    for (const [data, expected] of cases) {
      expect(decodeClientFrame(data), String(data).slice(0, 120)).toEqual(expected);
    }
  });

  it('names the wrong field in its message', () => {
    const text = `{"type":"subscribe","stream":"${STREAM}","chunking":{"maxItems":0,"maxDelayMs":1}}`;
    const result = decodeClientFrame(text);
    expect(result.ok ? '' : result.error.message).toMatch(/^chunking\.maxItems: /);
  });

  it('measures maxBytes in UTF-8 bytes', () => {
    const frame = `{"type":"cancel","stream":"${STREAM}","note":"${'é'.repeat(20)}"}`;
    const bytes = new TextEncoder().encode(frame).length;
    expect(decodeClientFrame(frame, bytes).ok).toBe(true);
    expect(decodeClientFrame(frame, bytes - 1)).toEqual(failure('payload_too_large'));
  });
});

describe('server frames', () => {
  it('encodes chunks and errors as SPEC section 5 spells them', () => {
    const tokens: Chunk = { kind: 'tokens', from: 0, to: 5, block: 0, text: 'Hello, wor' };
    const end: Chunk = { kind: 'control', item: { type: 'end', offset: 6, finish_reason: 'stop' } };
    expect(encodeServerChunk(STREAM, tokens)).toBe(
      `{"type":"tokens","stream":"${STREAM}","from":0,"to":5,"block":0,"text":"Hello, wor"}`,
    );
    expect(encodeServerChunk(STREAM, end)).toBe(
      `{"type":"end","stream":"${STREAM}","offset":6,"finish_reason":"stop"}`,
    );
    expect(encodeServerError({ code: 'offset_expired', message: 'gone', stream: STREAM })).toBe(
      `{"type":"error","stream":"${STREAM}","code":"offset_expired","message":"gone"}`,
    );
    expect(encodeServerError({ code: 'invalid_frame', message: 'bad' })).toBe(
      '{"type":"error","code":"invalid_frame","message":"bad"}',
    );
  });

  it('tells an error item from a protocol error by its offset', () => {
    const item = `{"type":"error","stream":"${STREAM}","offset":3,"code":"worker_lost","message":"x"}`;
    const decoded = decodeServerFrame(item);
    expect(decoded.ok && decoded.frame.kind).toBe('chunk');
    expect(decodeServerFrame(`{"type":"error","code":"draining","message":"x"}`)).toEqual({
      ok: true,
      frame: { kind: 'error', error: { code: 'draining', message: 'x' } },
    });
  });

  it('refuses bad server frames with a code', () => {
    const cases: [string, ServerFrameResult][] = [
      ['{"type":1}', failure('invalid_frame')],
      [`{"type":"tokens","from":0,"to":1,"block":0,"text":""}`, failure('invalid_stream_id')],
      [`{"type":"error","stream":7,"code":"internal","message":""}`, failure('invalid_stream_id')],
      [
        `{"type":"tokens","stream":"${STREAM}","from":1,"to":0,"block":0,"text":""}`,
        failure('invalid_offset', STREAM),
      ],
      [`{"type":"nope","stream":"${STREAM}","offset":0}`, failure('invalid_frame', STREAM)],
    ];
    for (const [text, expected] of cases) {
      expect(decodeServerFrame(text), text).toEqual(expected);
    }
  });
});

/** A decoded client frame must survive encode → decode unchanged; an error must be well formed. */
function expectClientOutcome(result: ClientFrameResult): void {
  if (result.ok) {
    expect(decodeClientFrame(encodeClientFrame(result.frame))).toEqual(result);
  } else {
    expectWellFormed(result.error);
  }
}

function expectServerOutcome(result: ServerFrameResult): void {
  if (!result.ok) {
    expectWellFormed(result.error);
  } else if (result.frame.kind === 'chunk') {
    expect(decodeServerFrame(encodeServerChunk(result.frame.stream, result.frame.chunk))).toEqual(
      result,
    );
  } else if (result.frame.kind === 'subscribed') {
    expect(decodeServerFrame(encodeSubscribed(result.frame))).toEqual(result);
  } else if (result.frame.kind === 'heartbeat') {
    expect(decodeServerFrame(encodeHeartbeat(result.frame.heartbeatMs ?? 0))).toMatchObject({
      ok: true,
      frame: { kind: 'heartbeat' },
    });
  } else {
    expect(decodeServerFrame(encodeServerError(result.frame.error))).toEqual(result);
  }
}

function expectWellFormed(error: ProtocolError): void {
  expect(isErrorCode(error.code)).toBe(true);
  expect(typeof error.message).toBe('string');
  if (error.stream !== undefined) expect(isStreamId(error.stream)).toBe(true);
}

describe('WebSocket properties', () => {
  it('round-trips every client frame', () => {
    fc.assert(
      fc.property(clientFrameArbitrary, (frame) => {
        expect(decodeClientFrame(encodeClientFrame(frame))).toEqual({ ok: true, frame });
      }),
    );
  });

  it('round-trips every server frame for any items', () => {
    fc.assert(
      fc.property(streamIdArbitrary, chunksArbitrary, (stream, chunks) => {
        for (const chunk of chunks) {
          const frame = { kind: 'chunk', stream, chunk };
          expect(decodeServerFrame(encodeServerChunk(stream, chunk))).toEqual({ ok: true, frame });
        }
      }),
    );
  });

  it('round-trips every protocol error', () => {
    fc.assert(
      fc.property(protocolErrorArbitrary, (error) => {
        const frame = { kind: 'error', error };
        expect(decodeServerFrame(encodeServerError(error))).toEqual({ ok: true, frame });
      }),
    );
  });

  const serverChunkFrames = fc
    .tuple(streamIdArbitrary, chunksArbitrary, fc.nat())
    .map(([stream, chunks, index]) => {
      const chunk = chunks[index % Math.max(chunks.length, 1)];
      return chunk === undefined ? '{}' : encodeServerChunk(stream, chunk);
    });

  const validFrames = fc.oneof(
    clientFrameArbitrary.map(encodeClientFrame),
    serverChunkFrames,
    protocolErrorArbitrary.map(encodeServerError),
  );

  /** A valid frame with one field replaced by any JSON value, or removed. */
  const mutatedFrames = fc
    .tuple(validFrames, fc.nat(), fc.option(fc.jsonValue()))
    .map(([text, index, value]) => {
      const frame = JSON.parse(text) as Record<string, unknown>;
      const keys = Object.keys(frame);
      const key = keys[index % keys.length] ?? 'type';
      if (value === null) delete frame[key];
      else frame[key] = value;
      return JSON.stringify(frame);
    });

  const anyInput = fc.oneof(
    fc.string({ unit: 'binary' }),
    jsonTextArbitrary,
    frameLikeArbitrary,
    validFrames,
    mutatedFrames,
    fc.uint8Array({ maxLength: 64 }),
    jsonTextArbitrary.map((text) => new TextEncoder().encode(text)),
  );

  it('answers any input to decodeClientFrame with a frame or a known code, never a throw', () => {
    fc.assert(
      fc.property(anyInput, (data) => expectClientOutcome(decodeClientFrame(data))),
      {
        numRuns: 500,
      },
    );
  });

  it('answers any input to decodeServerFrame with a frame or a known code, never a throw', () => {
    fc.assert(
      fc.property(anyInput, (data) => expectServerOutcome(decodeServerFrame(data))),
      {
        numRuns: 500,
      },
    );
  });

  it('counts UTF-8 bytes as TextEncoder does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat({ max: 64 }), (text, limit) => {
        const actual = new TextEncoder().encode(text).length > limit;
        expect(exceedsUtf8Length(text, limit)).toBe(actual);
      }),
    );
  });
});

describe('heartbeat frames', () => {
  it('round-trip with the told interval', () => {
    expect(decodeServerFrame(encodeHeartbeat(200))).toEqual({
      ok: true,
      frame: { kind: 'heartbeat', heartbeatMs: 200 },
    });
  });

  it('decode without an interval', () => {
    expect(decodeServerFrame('{"type":"heartbeat"}')).toEqual({
      ok: true,
      frame: { kind: 'heartbeat' },
    });
  });
});

describe('liveness bound', () => {
  it('is twice the told interval plus the margin', () => {
    expect(livenessBoundMs(15_000)).toBe(31_000);
    expect(parseHeartbeatMs('15000')).toBe(15_000);
    expect(parseHeartbeatMs('15s')).toBeUndefined();
    expect(parseHeartbeatMs(99)).toBeUndefined();
    expect(parseHeartbeatMs(null)).toBeUndefined();
  });
});

describe('subscribed frames', () => {
  it('round-trip with and without a subscription', () => {
    const stream = 'st_AAAAAAAAAAAAAAAAAAAAAA';
    for (const frame of [
      { stream, from: 7, epoch: '1f3a9c2e', complete: false },
      { stream, from: 0, epoch: '', subscription: 'sub_BBBBBBBBBBBBBBBBBBBBBB', complete: true },
      { stream, from: 2, epoch: 'ab', complete: false, heartbeatMs: 15_000 },
    ]) {
      expect(decodeServerFrame(encodeSubscribed(frame))).toEqual({
        ok: true,
        frame: { kind: 'subscribed', ...frame },
      });
    }
  });

  it('reads a frame without an epoch (a gateway from before epochs) as epoch ""', () => {
    const decoded = decodeServerFrame(
      '{"type":"subscribed","stream":"st_AAAAAAAAAAAAAAAAAAAAAA","from":3,"complete":false}',
    );
    expect(decoded).toMatchObject({ ok: true, frame: { from: 3, epoch: '' } });
  });

  it('ignores a heartbeat interval out of bounds (the client then checks no liveness)', () => {
    const decoded = decodeServerFrame(
      '{"type":"subscribed","stream":"st_AAAAAAAAAAAAAAAAAAAAAA","from":3,"heartbeat_ms":5}',
    );
    expect(decoded.ok && decoded.frame.kind === 'subscribed' && decoded.frame.heartbeatMs).toBe(
      undefined,
    );
  });

  it('refuses a subscribed frame with a bad offset', () => {
    const decoded = decodeServerFrame(
      '{"type":"subscribed","stream":"st_AAAAAAAAAAAAAAAAAAAAAA","from":-1}',
    );
    expect(decoded).toMatchObject({ ok: false, error: { code: 'invalid_offset' } });
  });
});
