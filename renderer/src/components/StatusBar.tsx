import { useUi } from '../store';
import { useVerb } from '../api/hooks';
import { fmtAgo } from '../lib/format';
import { useEffect, useState } from 'react';

function led(ok: boolean | null): string {
  return ok === null ? 'led' : ok ? 'led ok' : 'led bad';
}

export function StatusBar() {
  const status = useUi((s) => s.status);
  const connection = useUi((s) => s.connection);
  // Coarse (5 s buckets): the status bar must not re-render on every tick.
  const tickBucket = useUi((s) => (s.lastTickAt === null ? null : Math.floor(s.lastTickAt / 5000)));
  const lastTickAt = tickBucket === null ? null : useUi.getState().lastTickAt;
  const live = useVerb('get_live_trading_status', {}, { refetchInterval: 15_000 });
  const agent = useVerb('get_agent_status', {}, { refetchInterval: 20_000 });
  const [, force] = useState(0);
  useEffect(() => {
    const t = setInterval(() => force((n) => n + 1), 2000);
    return () => clearInterval(t);
  }, []);

  const t = status?.temporal;
  const temporalOk = t ? t.state === 'ready' || t.state === 'external' : null;
  const workers = status?.workers ?? [];
  const workersOk = workers.length ? workers.every((w) => w.state === 'running' || w.state === 'ready' || w.state === 'RUNNING') : null;
  const feedFresh = lastTickAt !== null && Date.now() - lastTickAt < 15_000;
  const exec = agent.data?.models.find((m) => m.agent === 'execution') ?? agent.data?.models[0];
  const model = exec ? (exec.configured ? `${exec.model}${exec.reachable ? '' : ' (unreachable)'}` : 'built-in policy') : agent.error ? 'n/a' : '…';
  const modelOk = exec ? (exec.configured ? exec.reachable : true) : null;
  const armed = live.data?.armed ?? false;

  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className="item" title="Connection to the cockpit host">
        <span className={led(connection === 'open' ? true : connection === 'closed' ? false : null)} data-testid="led-host" /> host {connection}
      </span>
      <span className="item" title={t ? `${t.address} · ${t.namespace}${t.restarts ? ` · ${t.restarts} restarts` : ''}` : 'waiting for status'} data-testid="status-temporal" data-state={t?.state ?? 'unknown'}>
        <span className={led(temporalOk)} /> temporal {t ? t.state : '…'}
      </span>
      <span className="item" title={workers.map((w) => `${w.taskQueue}: ${w.state}`).join('\n')} data-testid="status-workers">
        <span className={led(workersOk)} /> workers {workers.length ? `${workers.filter((w) => w.state === 'running').length}/${workers.length}` : '…'}
      </span>
      <span className="item" data-testid="status-feed">
        <span className={lastTickAt === null ? 'led' : feedFresh ? 'led ok' : 'led warn'} /> feed {lastTickAt === null ? 'idle' : feedFresh ? 'live' : `stale ${fmtAgo(lastTickAt)}`}
      </span>
      <span className="item" title={exec?.error ?? exec?.reason ?? 'Execution agent model'} data-testid="status-model">
        <span className={led(modelOk)} /> model {model}
      </span>
      <span className="spacer" />
      {status ? <span className="item faint">{status.mode} · v{status.version}</span> : null}
      <span className={`mode-badge ${armed ? 'live' : 'paper'}`} data-testid="mode-badge">{armed ? 'LIVE' : 'PAPER'}</span>
    </footer>
  );
}
