/**
 * The durable-streams scenario's report: one table of figures, each system's median over its
 * rounds (with the range), and Spool ÷ each reference; its integrity; and, in full mode, its own
 * section of docs/benchmarks.md (between its markers, the rest of the file kept).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import {
  DS_SYSTEM_LABELS,
  type DsResult,
  type DsRun,
  type DsSystemName,
  dsVariants,
} from '../scenarios/durable-streams-types.ts';
import { REPO_ROOT } from '../system/node-process.ts';
import { ms, rate, ratio, table } from './format.ts';
import { machineSentence, type RunMeta } from './run-meta.ts';
import { formatFiles, replaceDocsSection } from './write-report.ts';

const START = '<!-- bench:durable-streams:start -->';
const END = '<!-- bench:durable-streams:end -->';
const HEADING =
  '## Durable Streams, side by side with the reference server (`pnpm bench --scenario durable-streams`)';

interface Figure {
  label: string;
  /** The figure of one run, or undefined when the run did not measure it. */
  of: (run: DsRun) => number | undefined;
  format: (value: number) => string;
}

const megabytesPerSecond = (value: number) => `${value.toFixed(value < 1 ? 2 : 1)} MB/s`;

function figures(result: DsResult): Figure[] {
  const rows: Figure[] = [];
  for (const variant of dsVariants(result.plan)) {
    const what = `${variant.bytes >= 1_000 ? `${(variant.bytes / 1_024).toFixed(0)} KB` : `${variant.bytes} B`} messages${variant.idempotent ? ', idempotent producer' : ''}`;
    rows.push(
      {
        label: `append, ${what}: POSTs/s`,
        of: (run) => {
          const append = run.append[variant.name];
          return append ? append.posts / append.seconds : undefined;
        },
        format: (value) => `${rate(value)}/s`,
      },
      {
        label: `append, ${what}: MB/s`,
        of: (run) => {
          const append = run.append[variant.name];
          return append ? append.bytes / 1_048_576 / append.seconds : undefined;
        },
        format: megabytesPerSecond,
      },
      {
        label: `append, ${what}: server CPU ms per 1,000 POSTs`,
        of: (run) => {
          const append = run.append[variant.name];
          return append ? (append.cpuSeconds * 1_000_000) / append.posts : undefined;
        },
        format: ms,
      },
    );
  }
  for (const name of ['small', '4k']) {
    const variant = dsVariants(result.plan).find((candidate) => candidate.name === name);
    if (!variant) continue;
    rows.push({
      label: `catch-up from -1, ${result.plan.producers} readers at once, ${variant.messages.toLocaleString('en-US')} × ${name === '4k' ? '4 KB' : `${variant.bytes} B`} each: MB/s`,
      of: (run) => {
        const read = run.catchUp[name];
        return read ? read.bytes / 1_048_576 / read.seconds : undefined;
      },
      format: megabytesPerSecond,
    });
  }
  for (const from of ['answered', 'sent'] as const) {
    for (const mode of ['long-poll', 'sse'] as const) {
      for (const quantile of ['p50', 'p99'] as const) {
        rows.push({
          label: `live, POST ${from} → ${mode === 'sse' ? 'SSE' : 'long-poll'} reader got it: ${quantile}`,
          of: (run) => (from === 'sent' ? run.live.fromSent?.[mode] : run.live[mode])?.[quantile],
          format: ms,
        });
      }
    }
  }
  return rows;
}

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function measured(result: DsResult): DsSystemName[] {
  return result.plan.systems.filter((system) =>
    result.runs.some((run) => run.system === system && !run.unavailable && run.errors.length === 0),
  );
}

/** The table: a row per figure, a column per system (median, range), then Spool ÷ each reference. */
export function durableStreamsTable(result: DsResult): string {
  const systems = measured(result);
  const references = systems.filter((system) => system !== 'spool');
  const withSpool = systems.includes('spool');
  const rows = figures(result).map((figure) => {
    const medians = new Map<DsSystemName, number | undefined>();
    const cells = systems.map((system) => {
      const values = result.runs
        .filter((run) => run.system === system && run.errors.length === 0)
        .map(figure.of)
        .filter((value): value is number => value !== undefined && Number.isFinite(value));
      const middle = median(values);
      medians.set(system, middle);
      if (middle === undefined) return '—';
      if (values.length < 2) return figure.format(middle);
      return `${figure.format(middle)} (${figure.format(Math.min(...values))}–${figure.format(Math.max(...values))})`;
    });
    const ratios = withSpool
      ? references.map((reference) => {
          const spool = medians.get('spool');
          const other = medians.get(reference);
          // A latency at or below zero (a reader ahead of the POST's answer) has no ratio.
          return spool === undefined || other === undefined || spool <= 0 || other <= 0
            ? '—'
            : ratio(spool / other);
        })
      : [];
    return [figure.label, ...cells, ...ratios];
  });
  return table(
    [
      'figure',
      ...systems.map((system) => DS_SYSTEM_LABELS[system]),
      ...(withSpool ? references.map((reference) => `Spool ÷ ${DS_SYSTEM_LABELS[reference]}`) : []),
    ],
    rows,
    ['l'],
  );
}

/** What must hold, quick or full: Spool lost, repeated and changed nothing; every run ran. */
export function checkDurableStreams(result: DsResult): string[] {
  const failures: string[] = [];
  for (const run of result.runs) {
    const where = `durable-streams · ${run.system} · round ${run.round + 1}`;
    for (const error of run.errors) failures.push(`${where}: ${error}`);
    if (run.system !== 'spool') continue;
    const { lost, duplicated, mismatched } = run.integrity;
    if (lost + duplicated + mismatched > 0) {
      failures.push(
        `${where}: ${lost} lost, ${duplicated} repeated, ${mismatched} changed or out of order`,
      );
    }
  }
  if (measured(result).length === 0) failures.push('durable-streams: no system was measured');
  return failures;
}

function integrityLines(result: DsResult): string[] {
  return result.plan.systems.map((system) => {
    const runs = result.runs.filter((run) => run.system === system);
    const unavailable = runs.find((run) => run.unavailable)?.unavailable;
    if (unavailable) return `- ${DS_SYSTEM_LABELS[system]}: **not measured** — ${unavailable}.`;
    const sum = runs.reduce(
      (total, run) => ({
        lost: total.lost + run.integrity.lost,
        duplicated: total.duplicated + run.integrity.duplicated,
        mismatched: total.mismatched + run.integrity.mismatched,
        errors: total.errors + run.errors.length,
      }),
      { lost: 0, duplicated: 0, mismatched: 0, errors: 0 },
    );
    const clean = sum.lost + sum.duplicated + sum.mismatched === 0;
    const where = runs.flatMap((run) =>
      run.faults.map((fault) => `round ${run.round + 1}, ${fault}`),
    );
    return `- ${DS_SYSTEM_LABELS[system]}: ${runs.length} runs; ${clean ? 'every message of every reader once, in order, byte-equal' : `${sum.lost} lost, ${sum.duplicated} repeated, ${sum.mismatched} changed or out of order (${where.join('; ')})`}${sum.errors > 0 ? `; ${sum.errors} runs failed (${runs.flatMap((run) => run.errors).join('; ')})` : ''}.`;
  });
}

export function durableStreamsSummary(result: DsResult): string {
  return [
    `### durable-streams${result.plan.quick ? ' (quick: integrity only)' : ''}`,
    '',
    durableStreamsTable(result),
    '',
    ...integrityLines(result),
  ].join('\n');
}

function planSentence(result: DsResult): string {
  const { plan } = result;
  const small = plan.small;
  const large = plan.large;
  return [
    `Each system on a fresh server, ${plan.rounds} rounds taking turns (${plan.systems.map((system) => DS_SYSTEM_LABELS[system]).join('; ')}); figures are medians of the rounds with their range.`,
    `Append: ${plan.producers} producers at once, each on its own stream (in one client process, one POST in flight per producer), ${small.messages.toLocaleString('en-US')} × ${small.bytes} B and ${large.messages.toLocaleString('en-US')} × 4 KB JSON messages per producer, plain and with \`Producer-Id/Epoch/Seq\`.`,
    `Catch-up: GET from \`-1\` page by page until \`Stream-Up-To-Date\`, the ${plan.producers} streams of a variant at once, every message checked against what was sent.`,
    `Live: one stream, ${plan.live.messages} × ${plan.live.bytes} B messages POSTed every ${plan.live.intervalMs} ms by one process; ${plan.live.longPoll} long-poll and ${plan.live.sse} SSE readers in another follow it from \`-1\` until it is closed; latency = receipt − the POST's answer (and − its sending: the append's own time included), joined by seq (clocks of one machine; below zero, the reader had the message before the producer had its answer).`,
    'Every request asks for `Accept-Encoding: identity` (neither server compresses). Server CPU: /proc of the server process (Spool: gateway + redis-server) over the phase. The reference server runs its defaults (long-poll timeout aside); its file store is LMDB plus append-only files in a temporary directory.',
    'The ratios are Spool ÷ reference: above 1 is Spool ahead for throughput, behind for latency and CPU.',
  ].join(' ');
}

/**
 * Writes the section into docs/benchmarks.md (full runs only), its figures into
 * docs/benchmarks/durable-streams.json, and formats both.
 */
export async function writeDurableStreamsDocs(result: DsResult, meta: RunMeta): Promise<void> {
  const directory = `${REPO_ROOT}docs/benchmarks`;
  await mkdir(directory, { recursive: true });
  const figures = `${directory}/durable-streams.json`;
  await writeFile(figures, `${JSON.stringify({ ...meta, durableStreams: result }, null, 1)}\n`);
  const section = [
    START,
    `Measured ${meta.measured.slice(0, 10)} by \`pnpm bench --scenario durable-streams\` at ${meta.revision} ${machineSentence(meta)} ${planSentence(result)} Raw figures: [durable-streams.json](benchmarks/durable-streams.json). Harness: [test/bench](../test/bench/README.md) ([run-durable-streams.ts](../test/bench/scenarios/run-durable-streams.ts)).`,
    '',
    durableStreamsTable(result),
    '',
    ...integrityLines(result),
    END,
  ].join('\n');
  const path = await replaceDocsSection({ start: START, end: END, heading: HEADING, section });
  formatFiles([path, figures]);
}
