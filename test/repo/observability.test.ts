/**
 * The compose file's observability profile: the Grafana dashboard shows the key figures with
 * metrics that exist (every `spool_*` name a panel queries is registered by a service), through
 * the data source Grafana is provisioned with; Prometheus scrapes the ports the services listen
 * on. `promtool check config` validates the Prometheus configuration where it is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE_METRIC_NAME } from '@spool/runtime';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isTestCode, REPO_ROOT, readRepoFile, sourceFiles } from './repo-files.ts';

const DASHBOARD = 'infra/observability/grafana/dashboards/spool.json';
const PROMETHEUS = 'infra/observability/prometheus.yml';

interface Panel {
  id: number;
  title: string;
  type: string;
  datasource: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { refId: string; expr: string; datasource: { uid: string } }[];
}
const dashboard = JSON.parse(readRepoFile(DASHBOARD)) as { uid: string; panels: Panel[] };
const compose = parse(readRepoFile('docker-compose.yml'), { merge: true }) as {
  services: Record<
    string,
    { environment?: Record<string, string>; volumes?: string[]; profiles?: string[] }
  >;
};

/** Metric names the services register (`name: 'spool_…'`), and the shared stage histogram. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>([STAGE_METRIC_NAME]);
  const files = [...sourceFiles('services'), ...sourceFiles('packages')].filter(
    (path) => !isTestCode(path),
  );
  for (const path of files) {
    for (const match of readRepoFile(path).matchAll(/name: '(spool_[a-z_]+)'/g)) {
      if (match[1]) names.add(match[1]);
    }
  }
  return names;
}

/** Metric names a PromQL expression reads (a histogram's series by their base name). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '');
  const functions = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'max', 'by', 'le']);
  return [...withoutStrings.matchAll(/\b([a-z_][a-z0-9_]*)\b/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => !functions.has(name) && name.includes('_'))
    .map((name) => name.replace(/_(bucket|sum|count)$/, ''));
}

describe('the Grafana dashboard', () => {
  const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
  const queried = new Set(exprs.flatMap(metricsIn));

  it.each([
    ['open streams', 'spool_generations_running'],
    ['open connections', 'spool_connections'],
    ['tokens per second', 'spool_items_sent_total'],
    ['tokens appended', 'spool_items_appended_total'],
    ['delivery lag', 'spool_delivery_lag_seconds'],
    ['window stalls', 'spool_window_stalls_total'],
    ['slow consumers', 'spool_slow_consumer_closes_total'],
    ['queue depth', 'spool_queue_waiting'],
    ['resumes', 'spool_resumes_total'],
    ['failovers to another gateway', 'haproxy_backend_redispatch_warnings_total'],
  ])('shows %s (%s)', (_figure, metric) => {
    expect(queried).toContain(metric);
  });

  it('queries only metrics that Spool registers, or the exporters of the profile', () => {
    const registered = registeredMetrics();
    const foreign = /^(haproxy|redis|process|nodejs)_/;
    const unknown = [...queried].filter((name) => !registered.has(name) && !foreign.test(name));
    expect(unknown).toEqual([]);
  });

  it('reads from the provisioned data source, with unique panel ids on a 24-column grid', () => {
    const datasources = parse(
      readRepoFile('infra/observability/grafana/provisioning/datasources/prometheus.yml'),
    ) as { datasources: { uid: string; url: string }[] };
    const uid = datasources.datasources[0]?.uid;
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe(uid);
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.datasource.uid).toBe(uid);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is where the compose file mounts it and the provisioning looks for it', () => {
    const provider = parse(
      readRepoFile('infra/observability/grafana/provisioning/dashboards/spool.yml'),
    ) as { providers: { options: { path: string } }[] };
    const path = provider.providers[0]?.options.path;
    expect(compose.services.grafana?.volumes).toContain(
      `./infra/observability/grafana/dashboards:${path}:ro`,
    );
    expect(compose.services.grafana?.profiles).toEqual(['observability']);
  });
});

describe('the Prometheus configuration', () => {
  const config = parse(readRepoFile(PROMETHEUS)) as {
    scrape_configs: {
      job_name: string;
      dns_sd_configs?: { names: string[]; port: number }[];
      static_configs?: { targets: string[] }[];
    }[];
  };
  const job = (name: string) => config.scrape_configs.find((entry) => entry.job_name === name);

  it('scrapes gateways, workers and the load balancer on the ports they listen on', () => {
    const { gateway, worker, lb } = compose.services;
    expect(job('spool-gateway')?.dns_sd_configs?.[0]).toEqual(
      expect.objectContaining({
        names: ['gateway'],
        port: Number(gateway?.environment?.SPOOL_PORT),
      }),
    );
    expect(job('spool-worker')?.dns_sd_configs?.[0]).toEqual(
      expect.objectContaining({
        names: ['worker'],
        port: Number(worker?.environment?.SPOOL_METRICS_PORT),
      }),
    );
    expect(worker?.environment?.SPOOL_METRICS_HOST).toBe('0.0.0.0');
    expect(job('haproxy')?.static_configs?.[0]?.targets).toEqual([
      `lb:${lb?.environment?.LB_STATS_PORT}`,
    ]);
  });

  // .ci/run unpacks Debian's promtool into /opt/spool-tools.
  const promtool = [
    '/usr/bin/promtool',
    '/usr/local/bin/promtool',
    '/opt/spool-tools/usr/bin/promtool',
  ].find((path) => existsSync(path));
  it.skipIf(promtool === undefined)(
    promtool
      ? 'passes promtool check config'
      : 'passes promtool check config (skipped: promtool is not installed; .ci/run installs it)',
    () => {
      execFileSync(promtool ?? '', ['check', 'config', join(REPO_ROOT, PROMETHEUS)], {
        stdio: 'pipe',
      });
    },
  );
});
