/**
 * A tiny DNS server on loopback (UDP) that answers A queries for names the test sets and changes:
 * what Docker's embedded DNS does for a compose service, whose name resolves to one address per
 * container and gains one when `docker compose up --scale` adds a container. The load balancer
 * asks it again every second, so a test can add or remove a gateway by editing a record.
 *
 * Only what a resolver needs from an authoritative answer: the query's id and question echoed,
 * A records with a 1 s TTL; any other type of a known name is an empty answer, an unknown name
 * NXDOMAIN. EDNS options in the query are ignored (the answers are far below 512 bytes).
 */
import { createSocket, type Socket } from 'node:dgram';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;

export interface DnsServer {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Sets the addresses `name` resolves to (an empty list: the name exists with no address). */
  set(name: string, addresses: readonly string[]): void;
  /** How many queries it answered for `name`. */
  queries(name: string): number;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<DnsServer> {
  const records = new Map<string, readonly string[]>();
  const counts = new Map<string, number>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const answer = answerQuery(query, (name) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return records.get(name);
    });
    if (answer) socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    address: `127.0.0.1:${socket.address().port}`,
    set: (name, addresses) => records.set(name.toLowerCase(), [...addresses]),
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** The answer to one query packet, or undefined for a packet that is not a query. */
export function answerQuery(
  query: Buffer,
  lookup: (name: string) => readonly string[] | undefined,
): Buffer | undefined {
  if (query.length < 12 || (query.readUInt16BE(2) & 0x8000) !== 0) return undefined;
  const question = readQuestion(query);
  if (!question) return header(query, { rcode: RCODE_FORMERR, questionCount: 0, answers: 0 });
  const questionBytes = query.subarray(12, question.end);
  const addresses = lookup(question.name);
  if (addresses === undefined) {
    const head = header(query, { rcode: RCODE_NXDOMAIN, questionCount: 1, answers: 0 });
    return Buffer.concat([head, questionBytes]);
  }
  const records =
    question.type === TYPE_A && question.class === CLASS_IN ? addresses.map(aRecord) : [];
  const head = header(query, { rcode: 0, questionCount: 1, answers: records.length });
  return Buffer.concat([head, questionBytes, ...records]);
}

function readQuestion(
  query: Buffer,
): { name: string; type: number; class: number; end: number } | undefined {
  if (query.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = query[at];
    if (length === undefined || length > 63) return undefined;
    at += 1;
    if (length === 0) break;
    if (at + length > query.length) return undefined;
    labels.push(query.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > query.length) return undefined;
  return {
    name: labels.join('.').toLowerCase(),
    type: query.readUInt16BE(at),
    class: query.readUInt16BE(at + 2),
    end: at + 4,
  };
}

function header(
  query: Buffer,
  input: { rcode: number; questionCount: number; answers: number },
): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(query.readUInt16BE(0), 0);
  const recursionDesired = query.readUInt16BE(2) & 0x0100;
  // Response, authoritative, recursion available, the query's RD bit, the result code.
  head.writeUInt16BE(0x8000 | 0x0400 | 0x0080 | recursionDesired | input.rcode, 2);
  head.writeUInt16BE(input.questionCount, 4);
  head.writeUInt16BE(input.answers, 6);
  return head;
}

function aRecord(address: string): Buffer {
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  record.writeUInt16BE(TYPE_A, 2);
  record.writeUInt16BE(CLASS_IN, 4);
  record.writeUInt32BE(1, 6); // TTL 1 s
  record.writeUInt16BE(4, 10);
  address.split('.').forEach((part, index) => {
    record.writeUInt8(Number(part), 12 + index);
  });
  return record;
}
