/**
 * Turns a run's measurements into markdown tables (written into bench/README.md between markers, so the
 * committed README always shows the committed run) and bench/results/latest.json.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Measurement, Ratio } from './merge-throughput';
import type { StartupResult, StartupRow } from './startup';

export const START_MARKER = '<!-- bench:results:start -->';
export const END_MARKER = '<!-- bench:results:end -->';

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  postgres: string;
  node: string;
  os: string;
}

export function machine(postgres: string): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpu = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: os.cpus() is the best we have
  }
  return {
    cpu,
    cores: os.cpus().length,
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    postgres,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

/** A suite that could not run, and why (shown in the README instead of numbers). */
export interface NotMeasured {
  status: 'not measured';
  reason: string;
}

export interface RequestRow {
  run: 'full' | 'incremental';
  entity: string;
  rows: number;
  pageSize: number;
  requests: number;
  minimum: number;
}

export interface RequestResult {
  status: 'measured';
  rows: RequestRow[];
  totalRequests: number;
  status429: number;
  seconds: number;
  /** Requests made ÷ requests YClients allows in the span they were made in (5/s and 200/min). */
  budgetShare: number;
  /** The most requests in any rolling second / minute (YClients' limits: 5 and 200). */
  busiestSecond: number;
  busiestMinute: number;
  note: string;
}

export interface MemoryRow {
  records: number;
  clients: number;
  seconds: number;
  peakRssMb: number;
  requests: number;
  /** The three paged lists: requests made and the least a reader could make, ceil(rows / page size). */
  listRequests: number;
  listMinimum: number;
  limitsRaised: boolean;
}

export interface MemoryResult {
  status: 'measured';
  rows: MemoryRow[];
  note: string;
}

export interface Results {
  date: string;
  mode: 'full' | 'quick';
  command: string;
  machine: Machine;
  database: string;
  throughput: { measurements: Measurement[]; ratios: Ratio[] } | NotMeasured;
  latency: { delayMsEachWay: number; measurements: Measurement[]; ratios: Ratio[] } | NotMeasured;
  requests: RequestResult | NotMeasured;
  memory: MemoryResult | NotMeasured;
  startup?: StartupResult | NotMeasured;
  /**
   * Suites this run did not include (`--only`) keep the results of the run that measured them: which
   * run that was, by suite.
   */
  earlier?: Partial<Record<Suite, string>>;
}

export type Suite = 'throughput' | 'latency' | 'requests' | 'memory' | 'startup';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(n < 1 ? 2 : 1)}×`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'met' : '**missed**');
const METHOD_NAMES = {
  rowByRow: 'row by row',
  merge: 'merge',
  copy: 'COPY',
  copyKeyed: 'COPY, keyed table',
} as const;
const SCENARIO_NAMES = { fresh: 'empty table', unchanged90: '90% unchanged' } as const;

function notMeasured(r: NotMeasured): string {
  return `Not measured yet: ${r.reason}\n`;
}

function throughputTable(measurements: Measurement[], ratios: Ratio[]): string {
  const lines = [
    '| entity | table | rows | row by row, rows/s | merge, rows/s | COPY, rows/s | merge ÷ row by row (goal ≥ 20×) | merge ÷ COPY (goal ≥ 0.5×) | COPY into a keyed table, rows/s | merge ÷ that |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of ratios) {
    const rbr = measurements.find(
      (m) =>
        m.method === 'rowByRow' && m.entity === r.entity && m.scenario === r.scenario && m.rows <= r.rows,
    );
    const rbrNote = rbr && rbr.rows !== r.rows ? ` (${int(rbr.rows)} rows)` : '';
    lines.push(
      `| ${r.entity} | ${SCENARIO_NAMES[r.scenario]} | ${int(r.rows)} | ${r.rowByRowRowsPerSecond === undefined ? '—' : int(r.rowByRowRowsPerSecond)}${rbrNote} | ${int(r.mergeRowsPerSecond)} | ${r.copyRowsPerSecond === undefined ? '—' : int(r.copyRowsPerSecond)} | ${x(r.mergeVsRowByRow)} ${verdict(r.mergeVsRowByRow === undefined ? undefined : r.mergeVsRowByRow >= 20)} | ${x(r.mergeVsCopy)} ${verdict(r.mergeVsCopy === undefined ? undefined : r.mergeVsCopy >= 0.5)} | ${r.copyKeyedRowsPerSecond === undefined ? '—' : int(r.copyKeyedRowsPerSecond)} | ${x(r.mergeVsCopyKeyed)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function detailTable(measurements: Measurement[], wire: boolean): string {
  const lines = [
    `| entity | table | method | rows | seconds | rows/s | requests per page${wire ? ' | wire round trips per page' : ''} | rows / child rows landed | merge counts (ins / upd / unchanged) |`,
    `|---|---|---|--:|--:|--:|--:|${wire ? '--:|' : ''}--:|--:|`,
  ];
  for (const m of measurements) {
    const c = m.mergeCounts;
    lines.push(
      `| ${m.entity} | ${SCENARIO_NAMES[m.scenario]} | ${METHOD_NAMES[m.method]} | ${int(m.rows)} | ${m.seconds.toFixed(2)} | ${int(m.rowsPerSecond)} | ${m.queriesPerPage.toFixed(1)}${wire ? ` | ${m.wireRoundTripsPerPage?.toFixed(1) ?? '—'}` : ''} | ${int(m.landed.rows)} / ${int(m.landed.children)} | ${c ? `${int(c.inserted)} / ${int(c.updated)} / ${int(c.unchanged)}` : '—'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function latencyGoal(measurements: Measurement[]): string {
  const merges = measurements.filter((m) => m.method === 'merge');
  const worst = Math.max(...merges.map((m) => m.wireRoundTripsPerPage ?? m.queriesPerPage));
  return `Merge round trips per page on the wire: ${worst.toFixed(1)} (goal ≤ 1: ${verdict(worst <= 1)}).\n`;
}

function requestsTable(r: RequestResult): string {
  const lines = [
    '| run | list | rows | page size | requests | minimum ceil(rows / page size) |',
    '|---|---|--:|--:|--:|--:|',
    ...r.rows.map(
      (row) =>
        `| ${row.run} | ${row.entity} | ${int(row.rows)} | ${row.pageSize} | ${int(row.requests)} | ${int(row.minimum)} |`,
    ),
  ];
  return (
    `${lines.join('\n')}\n\n` +
    `All requests: ${int(r.totalRequests)} in ${r.seconds.toFixed(1)} s; 429s received: ${r.status429} (goal 0: ${verdict(r.status429 === 0)}); ` +
    `requests made were ${(r.budgetShare * 100).toFixed(1)}% of what the 5/s + 200/min budget allows in that time (goal ≥ 95%: ${verdict(r.budgetShare >= 0.95)}); ` +
    `busiest second ${r.busiestSecond} (limit 5), busiest minute ${r.busiestMinute} (limit 200).\n\n${r.note}\n`
  );
}

/** "2,400 / 2,334 = 1.03× met": the goal applies from 100k records up (issue 15). */
function listRatio(row: MemoryRow): string {
  if (!row.listMinimum) return '';
  const ratio = row.listRequests / row.listMinimum;
  const goal = row.records >= 100_000 ? ` ${verdict(ratio <= 1.1)}` : '';
  return `${int(row.listRequests)} / ${int(row.listMinimum)} = ${ratio.toFixed(2)}×${goal}`;
}

function memoryTable(r: MemoryResult): string {
  const lines = [
    '| records | clients | requests | list requests / minimum (goal ≤ 1.1× at 100k and 1M) | wall time, s | peak RSS of the sync, MB (goal < 200 MB at 1M) | simulator limits |',
    '|--:|--:|--:|--:|--:|--:|---|',
    ...r.rows.map(
      (row) =>
        `| ${int(row.records)} | ${int(row.clients)} | ${int(row.requests)} | ${listRatio(row)} | ${row.seconds.toFixed(1)} | ${row.peakRssMb.toFixed(0)} ${row.records >= 1_000_000 ? verdict(row.peakRssMb < 200) : ''} | ${row.limitsRaised ? 'raised (see below)' : 'on (5/s, 200/min)'} |`,
    ),
  ];
  const first = r.rows[0];
  const last = r.rows[r.rows.length - 1];
  const growth =
    first && last && last !== first
      ? `\nWall time ${int(first.records)} → ${int(last.records)} records: ×${(last.seconds / first.seconds).toFixed(1)} for ×${(last.records / first.records).toFixed(0)} the data.\n`
      : '';
  return `${lines.join('\n')}\n${growth}\n${r.note}\n`;
}

const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')}`;

function startupTable(r: StartupResult): string {
  const find = (c: StartupRow['case'], v: StartupRow['via']) =>
    r.rows.find((x) => x.case === c && x.via === v);
  const node = find('baseline', 'node -e 0');
  const pnpm = find('baseline', 'pnpm --version');
  const lines = [
    '| command | via | exit | median, ms | min–max, ms | over its baseline, ms | goal |',
    '|---|---|--:|--:|--:|--:|---|',
  ];
  for (const row of r.rows) {
    const baseline =
      row.via === 'yclients-sync' || row.via === 'tsx (before)'
        ? node
        : row.via === 'pnpm sync' || row.via === 'pnpm sync (before)'
          ? pnpm
          : undefined;
    const over = baseline ? row.medianMs - baseline.medianMs : undefined;
    const bounded = row.case === 'help' || row.case === 'config error' || row.case === 'lock';
    const goal =
      over === undefined || !bounded
        ? ''
        : row.via === 'yclients-sync'
          ? `≤ 500 over node: ${verdict(over <= 500)}`
          : row.via === 'pnpm sync'
            ? `≤ 800 over pnpm: ${verdict(over <= 800)}`
            : '';
    lines.push(
      `| ${row.case} | ${row.via} | ${row.exitCode} | ${ms(row.medianMs)} | ${ms(row.minMs)}–${ms(row.maxMs)} | ${over === undefined ? '—' : ms(over)} | ${goal} |`,
    );
  }
  return `${lines.join('\n')}\n\n${r.note}\n`;
}

function earlier(results: Results, suite: Suite): string[] {
  const from = results.earlier?.[suite];
  return from ? [`_Measured by the earlier run ${from}; this run did not include it._`, ''] : [];
}

export function markdown(results: Results): string {
  const m = results.machine;
  const parts = [
    START_MARKER,
    '',
    `Run: ${results.date}, \`${results.command}\` (${results.mode} mode). Database: ${results.database}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM, ${m.os}, Node ${m.node}; ${m.postgres}.`,
    '',
    '### 1. Merge throughput (200-row pages, database on the same machine)',
    '',
    ...earlier(results, 'throughput'),
  ];
  const t = results.throughput;
  if ('status' in t) parts.push(notMeasured(t));
  else
    parts.push(
      throughputTable(t.measurements, t.ratios),
      '<details><summary>Every pass</summary>',
      '',
      detailTable(t.measurements, false),
      '</details>',
      '',
    );
  const l = results.latency;
  parts.push(
    '',
    `### 2. With latency to the database (proxy adding ${'status' in l ? 5 : l.delayMsEachWay} ms each way)`,
    '',
    ...earlier(results, 'latency'),
  );
  if ('status' in l) parts.push(notMeasured(l));
  else
    parts.push(
      throughputTable(l.measurements, l.ratios),
      '',
      detailTable(l.measurements, true),
      '',
      latencyGoal(l.measurements),
    );
  parts.push(
    '',
    '### 3. Request efficiency (simulator with rate limits on)',
    '',
    ...earlier(results, 'requests'),
  );
  parts.push(
    'status' in results.requests && results.requests.status === 'not measured'
      ? notMeasured(results.requests)
      : requestsTable(results.requests as RequestResult),
  );
  parts.push(
    '',
    '### 4. Memory and scale (full sync, simulator in its own process)',
    '',
    ...earlier(results, 'memory'),
  );
  parts.push(
    'status' in results.memory && results.memory.status === 'not measured'
      ? notMeasured(results.memory)
      : memoryTable(results.memory as MemoryResult),
  );
  parts.push('', '### 5. Start-up (a command until it has done its job)', '', ...earlier(results, 'startup'));
  const s = results.startup;
  parts.push(
    s === undefined
      ? notMeasured({ status: 'not measured', reason: 'no run has included the startup suite yet.' })
      : 'status' in s && s.status === 'not measured'
        ? notMeasured(s)
        : startupTable(s as StartupResult),
  );
  parts.push('', END_MARKER);
  return parts.join('\n');
}

/** `readme` with the text between the markers replaced (markers appended when missing). */
export function replaceBetweenMarkers(readme: string, block: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) return `${readme.trimEnd()}\n\n${block}\n`;
  return `${readme.slice(0, start)}${block}${readme.slice(end + END_MARKER.length)}`;
}
