import { useEffect, useState } from 'react';
import { useAction, useVerb } from '../api/hooks';
import { IssuesAlert, Loading, Panel, ErrorState } from '../components/ui';
import { AlertsSettings } from '../components/AlertsSettings';
import { ProtectionsSettings } from '../components/ProtectionsSettings';
import { useUi } from '../store';
import { feeRatesText, percentToRate, rateToPercent } from '../lib/format';
import type { MODEL_SETTINGS } from '../../../core/api/modules/settings';

type Limits = { maxPositionNotional: string; maxExposurePct: string; maxOrderNotional: string; dailyLossLimit: string; maxTradesPerDay: string; cooldownLosses: string; cooldownMinutes: string };
const blankToNull = (s: string) => (s.trim() === '' ? null : s.trim());

function LiveArming() {
  const live = useVerb('get_live_trading_status', {});
  const arm = useAction('arm_live_trading');
  const disarm = useAction('disarm_live_trading');
  const [typed, setTyped] = useState('');
  if (live.isLoading) return <Loading />;
  if (live.error) return <ErrorState error={live.error} what="Live trading status" />;
  const s = live.data!;
  return (
    <div className="form" data-testid="live-arming">
      <div>
        Live trading is <b className={s.armed ? 'down' : 'up'}>{s.armed ? 'ARMED' : 'off'}</b>
        {s.armedAt ? <span className="dim"> since {s.armedAt}</span> : null}. When off, every ledger order is a dry run (previewed and recorded).
      </div>
      {s.armed ? (
        <button className="btn" onClick={() => disarm.mutate({})} disabled={disarm.isPending}>Disarm live trading</button>
      ) : (
        <>
          <label className="field">
            Type exactly “{s.phrase}” to arm
            <input value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={s.phrase} data-testid="arm-phrase" autoComplete="off" />
          </label>
          <button className="btn danger" disabled={typed !== s.phrase || arm.isPending} onClick={() => arm.mutate({ confirm: typed }, { onSuccess: () => setTyped('') })}>
            Arm live trading
          </button>
        </>
      )}
      <IssuesAlert error={arm.error ?? disarm.error} />
    </div>
  );
}

/** Whether MCP clients and the broker agent may ask for live orders (each still approved on the Ledger page). */
function OutsideRequests() {
  const safety = useVerb('get_safety_settings', {});
  const set = useAction('set_mcp_live_orders');
  if (safety.isLoading) return <Loading />;
  if (safety.error) return <ErrorState error={safety.error} what="Safety settings" />;
  const s = safety.data!;
  return (
    <div className="form" data-testid="mcp-live-orders">
      <label className="row" style={{ flexWrap: 'nowrap', gap: 8 }}>
        <input type="checkbox" style={{ flex: 'none' }} checked={s.mcpLiveOrders} disabled={set.isPending} onChange={(e) => set.mutate({ enabled: e.target.checked })} aria-label="Allow live-order requests from MCP clients and the broker" />
        <span>
          Let MCP clients and the broker agent <b>request</b> live orders. Each request is priced and waits on the Ledger page for your Approve or Deny; it is denied when its time runs out.
        </span>
      </label>
      {s.mcpReadOnly ? <div className="dim">The MCP bridge is read-only (MCP_READ_ONLY): outside assistants see no write tools at all.</div> : null}
      <IssuesAlert error={set.error} />
    </div>
  );
}

const FEE_SOURCES: Record<string, string> = { default: "Coinbase's entry tier (the default)", manual: 'entered here', coinbase: 'your Coinbase fee tier' };

/** The fee rates paper fills are charged with: by hand, from the account's Coinbase tier, or the default. */
function PaperFees() {
  const status = useVerb('get_portfolio_status', {});
  const set = useAction('set_paper_fees');
  const [taker, setTaker] = useState('');
  const [maker, setMaker] = useState('');
  const [bad, setBad] = useState<string | null>(null);
  if (status.isLoading) return <Loading rows={2} />;
  if (status.error) return <ErrorState error={status.error} what="Paper fees" />;
  const f = status.data!.fees;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const t = percentToRate(taker.trim() || rateToPercent(f.taker));
    const m = percentToRate(maker.trim() || rateToPercent(f.maker));
    if (t === null || m === null) {
      setBad('fees are percentages from 0 to 10, like 0.6');
      return;
    }
    setBad(null);
    set.mutate({ taker: t, maker: m }, { onSuccess: () => { setTaker(''); setMaker(''); } });
  };
  return (
    <form className="form" onSubmit={submit} data-testid="paper-fees">
      <div data-testid="paper-fee-rates">
        {feeRatesText(f)} · {FEE_SOURCES[f.source] ?? f.source}
        {f.pricingTier ? ` (${f.pricingTier})` : ''}
      </div>
      <div className="fields">
        <label className="field">
          Taker %
          <input value={taker} onChange={(e) => setTaker(e.target.value)} placeholder={rateToPercent(f.taker)} inputMode="decimal" data-testid="paper-taker" aria-invalid={!!bad || undefined} />
        </label>
        <label className="field">
          Maker %
          <input value={maker} onChange={(e) => setMaker(e.target.value)} placeholder={rateToPercent(f.maker)} inputMode="decimal" data-testid="paper-maker" aria-invalid={!!bad || undefined} />
        </label>
        <button className="btn" type="submit" disabled={set.isPending} data-testid="paper-fees-save">Set</button>
      </div>
      <div className="row">
        <button className="btn small" type="button" disabled={set.isPending} data-testid="paper-fees-coinbase" onClick={() => set.mutate({ source: 'coinbase' })}>Use my Coinbase fee tier</button>
        <button className="btn small" type="button" disabled={set.isPending || f.source === 'default'} onClick={() => set.mutate({ source: 'default' })}>Entry tier</button>
      </div>
      <div className="faint">Later paper fills pay these; fills already booked keep theirs. Agents cannot change them.</div>
      {bad ? <div className="alert" role="alert" data-testid="error-alert">{bad}</div> : null}
      <IssuesAlert error={set.error} />
    </form>
  );
}

const KEY_LABELS: Record<string, string> = {
  OPENAI_API_KEY: 'OpenAI-compatible API key',
  LANGFUSE_PUBLIC_KEY: 'Langfuse public key',
  LANGFUSE_SECRET_KEY: 'Langfuse secret key',
  COINBASE_API_KEY_NAME: 'Coinbase CDP key name',
  COINBASE_API_PRIVATE_KEY: 'Coinbase CDP private key (PEM)',
  TEMPORAL_API_KEY: 'Temporal Cloud API key',
  ALERT_WEBHOOK_SECRET: 'Alert webhook signing secret',
};

/** API keys: values go in, never come back; the panel says where they are kept. */
function Keys() {
  const keys = useVerb('get_secrets_status', {});
  const save = useAction('set_secret');
  const remove = useAction('delete_secret');
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  if (keys.isLoading) return <Loading rows={4} />;
  if (keys.error) return <ErrorState error={keys.error} what="Keys" />;
  const k = keys.data!;
  return (
    <div className="form" data-testid="keys">
      <div className="faint" data-testid="keys-protection">
        {k.protection === 'os-keychain'
          ? 'Stored encrypted with your operating system’s keychain.'
          : k.protection === 'file-0600'
            ? `Headless mode: stored unencrypted in ${k.location ?? 'the data dir'}, readable only by your user (0600).`
            : 'Keys can be entered only in the running cockpit.'}
      </div>
      {k.secrets.map((sec) => (
        <div className="row" key={sec.name}>
          <label className="field" style={{ flex: 1 }}>
            {KEY_LABELS[sec.name] ?? sec.name}
            <input
              type="password"
              autoComplete="off"
              data-testid={`key-${sec.name}`}
              value={drafts[sec.name] ?? ''}
              placeholder={sec.source === 'environment' ? 'set in the environment' : sec.set ? '•••••••• stored' : 'not set'}
              disabled={sec.source === 'environment'}
              onChange={(e) => setDrafts({ ...drafts, [sec.name]: e.target.value })}
            />
          </label>
          <button
            className="btn"
            disabled={!drafts[sec.name]?.trim() || save.isPending}
            onClick={() => save.mutate({ name: sec.name, value: drafts[sec.name]! }, { onSuccess: () => setDrafts({ ...drafts, [sec.name]: '' }) })}
          >
            Save
          </button>
          {sec.source === 'store' ? (
            <button className="btn" disabled={remove.isPending} onClick={() => remove.mutate({ name: sec.name })}>
              Remove
            </button>
          ) : null}
        </div>
      ))}
      <IssuesAlert error={save.error ?? remove.error} />
    </div>
  );
}

type ModelSetting = (typeof MODEL_SETTINGS)[number];
const MODEL_ROWS: { agent: string; model: ModelSetting; baseUrl: ModelSetting }[] = [
  { agent: 'Default', model: 'OPENAI_MODEL', baseUrl: 'OPENAI_BASE_URL' },
  { agent: 'Execution', model: 'EXECUTION_MODEL', baseUrl: 'EXECUTION_BASE_URL' },
  { agent: 'Judge', model: 'JUDGE_MODEL', baseUrl: 'JUDGE_BASE_URL' },
  { agent: 'Broker', model: 'BROKER_MODEL', baseUrl: 'BROKER_BASE_URL' },
];

/** Model and OpenAI-compatible server per agent (OpenAI, Ollama, LM Studio, vLLM…). */
function Models() {
  const models = useVerb('get_model_settings', {});
  const save = useAction('set_model_setting');
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  if (models.isLoading) return <Loading rows={4} />;
  if (models.error) return <ErrorState error={models.error} what="Model settings" />;
  const byName = Object.fromEntries(models.data!.settings.map((r) => [r.name, r]));
  const input = (name: ModelSetting, placeholder: string) => {
    const r = byName[name];
    const fromEnv = r?.source === 'environment';
    return (
      <input
        data-testid={`model-${name}`}
        value={drafts[name] ?? r?.value ?? ''}
        placeholder={placeholder}
        disabled={fromEnv}
        title={fromEnv ? 'set in the environment' : undefined}
        onChange={(e) => setDrafts({ ...drafts, [name]: e.target.value })}
        onBlur={() => {
          const v = drafts[name];
          if (v === undefined || v === (r?.value ?? '')) return;
          save.mutate(
            { name, value: v.trim() === '' ? null : v.trim() },
            {
              onSuccess: () =>
                setDrafts((d) => {
                  const next = { ...d };
                  delete next[name];
                  return next;
                }),
            },
          );
        }}
        autoComplete="off"
      />
    );
  };
  return (
    <div className="form" data-testid="models">
      <table>
        <thead>
          <tr><th>Agent</th><th>Model</th><th>Base URL</th></tr>
        </thead>
        <tbody>
          {MODEL_ROWS.map((row) => (
            <tr key={row.agent}>
              <td className="dim">{row.agent}</td>
              <td>{input(row.model, row.agent === 'Default' ? 'gpt-4o-mini' : 'default')}</td>
              <td>{input(row.baseUrl, row.agent === 'Default' ? 'https://api.openai.com/v1' : 'default')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="faint">Applies to the next model call. Leave blank to use the default; without a key and URL the agents use the built-in policy.</div>
      <IssuesAlert error={save.error} />
    </div>
  );
}

export function SettingsPage() {
  const prefs = useVerb('get_user_preferences', {});
  const save = useAction('set_user_preferences');
  const status = useUi((s) => s.status);
  const [scrape, setScrape] = useState('');
  const [routing, setRouting] = useState(false);
  const [l, setL] = useState<Limits | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const p = prefs.data;
    if (!p) return;
    setScrape(p.profitScrapePct);
    setRouting(p.realLedgerRouting);
    const r = p.riskLimits;
    setL({
      maxPositionNotional: r.maxPositionNotional ?? '',
      maxExposurePct: r.maxExposurePct ?? '',
      maxOrderNotional: r.maxOrderNotional ?? '',
      dailyLossLimit: r.dailyLossLimit ?? '',
      maxTradesPerDay: r.maxTradesPerDay === null ? '' : String(r.maxTradesPerDay),
      cooldownLosses: r.lossCooldown ? String(r.lossCooldown.losses) : '',
      cooldownMinutes: r.lossCooldown ? String(r.lossCooldown.minutes) : '',
    });
  }, [prefs.data]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!l) return;
    setSaved(false);
    const trades = blankToNull(l.maxTradesPerDay);
    save.mutate(
      {
        profitScrapePct: scrape.trim(),
        realLedgerRouting: routing,
        riskLimits: {
          maxPositionNotional: blankToNull(l.maxPositionNotional),
          maxExposurePct: blankToNull(l.maxExposurePct),
          maxOrderNotional: blankToNull(l.maxOrderNotional),
          dailyLossLimit: blankToNull(l.dailyLossLimit),
          maxTradesPerDay: trades === null ? null : Number(trades),
          lossCooldown: blankToNull(l.cooldownLosses) === null ? null : { losses: Number(l.cooldownLosses), minutes: Number(l.cooldownMinutes || '0') },
        },
      },
      { onSuccess: () => setSaved(true) },
    );
  };
  const field = (k: keyof Limits, label: string, hint: string) => (
    <label className="field">
      {label}
      <input value={l?.[k] ?? ''} onChange={(e) => l && setL({ ...l, [k]: e.target.value })} placeholder="off" inputMode="decimal" data-testid={`limit-${k}`} aria-invalid={!!save.error?.error.issues?.some((i) => i.path.includes(k.replace('cooldown', 'lossCooldown')))} />
      <span className="faint">{hint}</span>
    </label>
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <div className="grid g2">
        <Panel title="Risk & profit scraping" testId="preferences">
          {prefs.isLoading || !l ? (
            prefs.error ? <ErrorState error={prefs.error} what="Preferences" /> : <Loading rows={5} />
          ) : (
            <form className="form" onSubmit={submit}>
              <div className="row">
                {field('maxOrderNotional', 'Max order notional', 'largest single order (quote)')}
                {field('maxPositionNotional', 'Max position notional', 'per symbol (quote)')}
              </div>
              <div className="row">
                {field('maxExposurePct', 'Max exposure', 'share of equity, e.g. 0.9')}
                {field('dailyLossLimit', 'Daily loss limit', 'buys stop for the UTC day')}
              </div>
              <div className="row">
                {field('maxTradesPerDay', 'Max trades per day', 'orders per UTC day')}
                {field('cooldownLosses', 'Cooldown after losses', 'consecutive losing closes')}
                {field('cooldownMinutes', 'Cooldown minutes', 'pause length')}
              </div>
              <label className="field">
                Profit scrape share
                <input value={scrape} onChange={(e) => setScrape(e.target.value)} data-testid="scrape-pct" aria-invalid={!!save.error?.error.issues?.some((i) => i.path.includes('profitScrapePct'))} />
                <span className="faint">share of each realised gain moved out of trading, 0..1</span>
              </label>
              <label className="switch">
                <input type="checkbox" checked={routing} onChange={(e) => setRouting(e.target.checked)} data-testid="real-routing" /> Route orders through the real (production) ledger
              </label>
              <div className="row">
                <button className="btn primary" type="submit" disabled={save.isPending} data-testid="save-preferences">{save.isPending ? 'Saving…' : 'Save preferences'}</button>
                {saved ? <span className="up" data-testid="saved">Saved</span> : null}
              </div>
              <IssuesAlert error={save.error} />
            </form>
          )}
        </Panel>
        <div className="grid" style={{ alignContent: 'start' }}>
          <Panel title="Live trading">
            <LiveArming />
            <OutsideRequests />
          </Panel>
          <Panel title="Protections">
            <ProtectionsSettings />
          </Panel>
          <Panel title="Alerts">
            <AlertsSettings />
          </Panel>
          <Panel title="Paper trading fees">
            <PaperFees />
          </Panel>
          <Panel title="Models">
            <Models />
          </Panel>
          <Panel title="Keys">
            <Keys />
          </Panel>
          <Panel title="Runtime">
            {status ? (
              <table>
                <tbody>
                  <tr><td className="dim">Temporal</td><td className="mono">{status.temporal.address} · {status.temporal.namespace} · {status.temporal.state}{status.temporal.embedded ? ' (embedded)' : ''}</td></tr>
                  <tr><td className="dim">Temporal UI</td><td>{status.temporal.uiUrl ? <a href={status.temporal.uiUrl} target="_blank" rel="noreferrer noopener" data-testid="temporal-ui-link">{status.temporal.uiUrl}</a> : <span className="faint">not available</span>}</td></tr>
                  <tr><td className="dim">Workers</td><td className="mono">{status.workers.map((w) => `${w.taskQueue}: ${w.state}`).join(', ') || '—'}</td></tr>
                  <tr><td className="dim">Data dir</td><td className="mono">{status.dataDir}</td></tr>
                  <tr><td className="dim">Started</td><td className="mono">{status.startedAt}</td></tr>
                </tbody>
              </table>
            ) : (
              <Loading />
            )}
          </Panel>
        </div>
      </div>
    </div>
  );
}
