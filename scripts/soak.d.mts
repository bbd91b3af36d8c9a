/** Types of scripts/soak.mjs for the reliability test that runs a shorter soak. */

export declare const WORKFLOWS: {
  marketStream: string;
  executionLedger: string;
  executionAgent: string;
  judge: string;
};
export type WorkflowName = keyof typeof WORKFLOWS;

export interface SoakLimits {
  /** null: measured, not judged. */
  hostRssMbPerHour: number | null;
  hostHeapMbPerHour: number | null;
  serverRssMbPerHour: number | null;
  fdGrowth: number;
  historyCap: number;
}
export declare const DEFAULT_LIMITS: SoakLimits;

export interface SoakSample {
  wallSeconds: number;
  simHours: number | null;
  marketTime: number | null;
  ok: boolean;
  errors: string[];
  barsAccepted?: number | null;
  host: { rss: number | null; fds: number | null; heapUsed: number | null; heapTotal: number | null; external: number | null; activeResources: Record<string, number> | null };
  server: { pid: number | null; rss: number | null; fds: number | null };
  workflows: Partial<Record<WorkflowName, { historyLength: number; runId: string; status: string; runsSeen: number }>>;
  work: { nudges: number | null; decisions: number | null; skips: number | null; fills: number | null; blocked: number | null; closedTrades: number | null; evaluations: number | null };
  files: Record<string, number>;
}

export interface SoakCheck {
  check: string;
  value: number | null;
  /** null for a measurement that is not judged. */
  limit: number | null;
  pass: boolean;
  measuredOnly?: true;
}

export interface SoakVerdict {
  pass: boolean;
  samples: number;
  checks: SoakCheck[];
}

export interface SoakReport {
  kind: 'vigil-soak';
  startedAt: string;
  wallSeconds: number;
  simulatedHours: number;
  requestedHours: number;
  speed: number;
  sampleSeconds: number;
  symbols: string[];
  env: Record<string, string>;
  hostDied: boolean;
  hostExit: { code: number | null; signal: string | null } | null;
  summary: {
    workflows: Record<WorkflowName, { historyLength: { first: number; min: number; max: number; last: number } | null; runs: number }>;
    sampleErrors: number;
    [k: string]: unknown;
  } | null;
  verdict: SoakVerdict;
  samples: SoakSample[];
  dataDir?: string;
}

export interface SoakOptions {
  hours: number;
  speed: number;
  sampleSeconds: number;
  symbols: string;
  build: boolean;
  keep: boolean;
  env: Record<string, string>;
  dataDir?: string;
  limits?: SoakLimits;
  onSample?: (s: SoakSample) => void;
  /** Called with the gateway's verb caller after the last sample, before the host is stopped. */
  beforeStop?: (call: (verb: string, input?: unknown) => Promise<unknown>) => Promise<void>;
}

export declare function compressedEnv(speed: number): Record<string, string>;
export declare function slope(xs: number[], ys: number[]): number | null;
export declare function verdict(samples: SoakSample[], limits?: SoakLimits): SoakVerdict;
export declare function runVerdict(report: SoakReport): boolean;
export declare function runSoak(o: SoakOptions): Promise<SoakReport>;
export declare function formatRow(s: SoakSample): string;
export declare const HEADER: string;
