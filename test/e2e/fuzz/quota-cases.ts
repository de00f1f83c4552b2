/**
 * The bounded part that drives one key over its quotas on purpose (docs/protocol.md section
 * 12), against a gateway whose quotas are tight: creates per minute, streams running at once,
 * open connections. Operations are drawn with the run's seed; every answer must be documented,
 * a refusal `429 quota_exceeded` with a `Retry-After` of whole seconds, and the quotas must hold.
 */
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import WebSocket from 'ws';
import { TIGHT_KEY } from './fixtures.ts';
import { FuzzHttp } from './http-client.ts';
import { httpProblem } from './oracle.ts';

/** The tight gateway's quotas (SPOOL_QUOTA_*). */
const CONNECTIONS = 3;
const CREATES_PER_MINUTE = 6;

type Operation = 'create' | 'create-invalid' | 'open' | 'close';

export interface QuotaReport {
  counts: Map<string, number>;
  problems: string[];
}

export async function runQuotaCases(url: string, seed: number, runs = 60): Promise<QuotaReport> {
  const operations = fc.sample(
    fc.constantFrom<Operation>('create', 'create', 'create-invalid', 'open', 'open', 'close'),
    { numRuns: runs, seed },
  );
  const counts = new Map<string, number>();
  const problems: string[] = [];
  const http = new FuzzHttp(url, { sockets: 1, sseMs: 500 });
  const held: WebSocket[] = [];
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const auth = { authorization: `Bearer ${TIGHT_KEY}`, 'content-type': 'application/json' };
  try {
    for (const operation of operations) {
      bump(operation);
      if (operation === 'close') {
        held.shift()?.close();
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (operation === 'open') {
        const outcome = await openSocket(url);
        if (outcome instanceof WebSocket) {
          held.push(outcome);
          if (held.filter((each) => each.readyState === WebSocket.OPEN).length > CONNECTIONS)
            problems.push(`more than ${CONNECTIONS} connections held`);
        } else {
          const problem = httpProblem(outcome, 'spool', { codes: ['quota_exceeded'] });
          if (problem) problems.push(`open: ${problem}`);
          else bump('connection refused');
        }
        continue;
      }
      const valid = operation === 'create';
      const body = valid
        ? { prompt: 'Over quota?', params: { max_tokens: 100, tokens_per_second: 20 } }
        : { prompt: 5 };
      const answer = await http.send({
        method: 'POST',
        path: '/v1/streams',
        headers: auth,
        body: Buffer.from(JSON.stringify(body)),
      });
      const problem = httpProblem(answer, 'spool', {
        ok: valid ? [201] : [],
        codes: valid ? ['quota_exceeded'] : ['invalid_request', 'quota_exceeded'],
      });
      if (problem) problems.push(`${operation}: ${problem}`);
      if (answer.status === 201) bump('created');
      if (answer.status === 429) {
        bump('create refused');
        if (!/^[1-9][0-9]*$/.test(String(answer.headers['retry-after'])))
          problems.push(`Retry-After ${String(answer.headers['retry-after'])}`);
      }
    }
  } finally {
    for (const socket of held) socket.close();
    http.close();
  }
  // A run may straddle a minute: two windows' worth at most.
  if ((counts.get('created') ?? 0) > 2 * CREATES_PER_MINUTE)
    problems.push('the creates quota did not hold');
  if (!counts.get('create refused'))
    problems.push('no create was refused: the quota paths went untested');
  if (!counts.get('connection refused'))
    problems.push('no connection was refused: the quota paths went untested');
  return { counts, problems };
}

function openSocket(url: string) {
  return new Promise<
    WebSocket | { status: number; headers: IncomingMessage['headers']; body: string }
  >((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, {
      headers: { authorization: `Bearer ${TIGHT_KEY}` },
    });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(parts).toString('utf8'),
        }),
      );
    });
  });
}
