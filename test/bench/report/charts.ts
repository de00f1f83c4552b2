/**
 * The report's charts: Vega-Lite specs compiled and rendered to SVG in Node (no browser, no
 * canvas), written to docs/benchmarks/.
 */
import { writeFile } from 'node:fs/promises';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RunResult } from '../scenarios/run-result.ts';
import { SYSTEM_TITLES } from './tables.ts';

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const title = (system: string) => SYSTEM_TITLES[system] ?? system;
const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 460,
  height: 240,
} as const;

function latencyChart(results: readonly RunResult[], scenario: string): TopLevelSpec {
  const values = results
    .filter((result) => result.scenario === scenario && result.variant === undefined)
    .flatMap((result) => {
      const latency = result.figures.latency;
      if (!latency) return [];
      return (['p50', 'p99', 'p999'] as const).map((name) => ({
        system: title(result.system),
        percentile: name === 'p999' ? 'p99.9' : name,
        ms: Math.max(0.1, latency[name]),
      }));
    });
  return {
    ...base,
    title: `Delivery latency, ${scenario} (receive − append; log scale)`,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'system', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'percentile', sort: ['p50', 'p99', 'p99.9'] },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
      // A log scale has no zero: the bars start at 0.1 ms.
      y2: { datum: 0.1 },
      color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p99', 'p99.9'] },
    },
  } as TopLevelSpec;
}

function throughputChart(results: readonly RunResult[]): TopLevelSpec {
  const values = results
    .filter((result) => result.scenario === 'throughput')
    .map((result) => ({
      system: title(result.system),
      tokens: Math.round(result.figures.tokensPerSecond),
    }));
  return {
    ...base,
    title: 'Tokens/s delivered, throughput scenario (as fast as each system goes)',
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'system', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      y: { field: 'tokens', type: 'quantitative', title: 'tokens/s' },
    },
  } as TopLevelSpec;
}

function rssChart(results: readonly RunResult[]): TopLevelSpec {
  const values = results
    .filter(
      (result) =>
        result.system === 'spool' &&
        (result.scenario === 'slow-readers' || result.scenario === 'steady'),
    )
    .flatMap((result) =>
      result.serverRss.flatMap((series) =>
        series.points.map(([at, rss]) => ({
          process: `${result.scenario}: ${series.name}`,
          seconds: at / 1_000,
          rss,
        })),
      ),
    );
  return {
    ...base,
    title: 'Gateway RSS over time: slow-readers vs steady',
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'seconds', type: 'quantitative', title: 's since the start' },
      y: { field: 'rss', type: 'quantitative', title: 'RSS (MB)', scale: { zero: true } },
      color: { field: 'process', type: 'nominal' },
    },
  } as TopLevelSpec;
}

function rampChart(results: readonly RunResult[]): TopLevelSpec {
  const runs = results.filter((result) => result.scenario === 'ramp' && result.ramp);
  const values = runs.flatMap((result) =>
    (result.ramp?.bins ?? []).map((bin) => ({
      open: bin.openStreams,
      ms: Math.max(0.1, bin.p99),
      system: title(result.system),
    })),
  );
  return {
    ...base,
    title: 'Ramp: delivery latency p99 per second vs open streams (log scale)',
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'open', type: 'quantitative', title: 'open streams' },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'p99 (ms)' },
          color: { field: 'system', type: 'nominal' },
        },
      },
      {
        data: { values: [{ threshold: runs[0]?.ramp?.thresholdMs ?? 100 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

function pausedChart(results: readonly RunResult[]): TopLevelSpec {
  const values = results
    .filter((result) => result.scenario === 'paused-readers')
    .flatMap((result) =>
      (result.serverRss[0]?.points ?? []).map(([at, rss]) => ({
        variant: result.variant ?? '?',
        seconds: at / 1_000,
        rss,
      })),
    );
  return {
    ...base,
    title: 'paused-readers: gateway RSS over time, per variant',
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'seconds', type: 'quantitative', title: 's since the start' },
      y: { field: 'rss', type: 'quantitative', title: 'RSS (MB)', scale: { zero: true } },
      color: { field: 'variant', type: 'nominal' },
    },
  } as TopLevelSpec;
}

export interface Chart {
  file: string;
  alt: string;
}

export async function writeCharts(
  results: readonly RunResult[],
  directory: string,
): Promise<Chart[]> {
  const charts: [Chart, TopLevelSpec][] = [
    [
      { file: 'spool-bench-steady-latency.svg', alt: 'Delivery latency in steady, per system' },
      latencyChart(results, 'steady'),
    ],
    [
      {
        file: 'spool-bench-steady-light-latency.svg',
        alt: 'Delivery latency in steady-light, per system',
      },
      latencyChart(results, 'steady-light'),
    ],
    [
      { file: 'spool-bench-throughput.svg', alt: 'Tokens per second in throughput, per system' },
      throughputChart(results),
    ],
    [
      {
        file: 'spool-bench-gateway-rss.svg',
        alt: 'Gateway RSS over time in slow-readers and steady',
      },
      rssChart(results),
    ],
    [
      { file: 'spool-bench-ramp.svg', alt: 'Ramp: p99 against open streams, per system' },
      rampChart(results),
    ],
    [
      {
        file: 'spool-bench-paused-rss.svg',
        alt: 'paused-readers: gateway RSS over time, per variant',
      },
      pausedChart(results),
    ],
  ];
  const written: Chart[] = [];
  for (const [chart, spec] of charts) {
    await writeFile(`${directory}/${chart.file}`, await render(spec));
    written.push(chart);
  }
  return written;
}
