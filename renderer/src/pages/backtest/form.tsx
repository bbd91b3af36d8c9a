/** The run form: strategy, data range, cash, risk, the strategy's parameters, exits, costs. */
import { useState } from 'react';
import { useAction } from '../../api/hooks';
import type { InputOf, ResultOf } from '../../api/client';
import { IssuesAlert, Panel } from '../../components/ui';
import { TIMEFRAMES } from '../../lib/candles';
import { DEFAULT_MAKER_PCT, DEFAULT_TAKER_PCT, EMPTY_EXTRAS, EXIT_FIELDS, dateToMs, extrasToInput, specToExtras, type RunExtras, type StrategyInfo, type StrategyParam } from '../../lib/backtest';

// Shown first; the catalog (list_backtest_strategies) supplies descriptions and parameters.
const STRATEGIES = ['sma_cross', 'buy_and_hold', 'rsi_reversion', 'breakout', 'policy', 'agent'] as const;
type Strategy = (typeof STRATEGIES)[number];

interface FormState {
  strategy: Strategy;
  symbols: string;
  timeframe: string;
  from: string;
  to: string;
  initialCash: string;
  risk: 'none' | 'default';
  label: string;
}

// The recorded Coinbase hourly files span mid-2017 to mid-2019 (resources/market/SOURCES.md).
const DEFAULT_FORM: FormState = { strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', from: '2018-01-01', to: '2019-06-01', initialCash: '10000', risk: 'none', label: '' };

/** One strategy parameter: a choice, or a number/text box showing the default it falls back to. */
function ParamField({ p, value, invalid, onChange }: { p: StrategyParam; value: string; invalid: boolean; onChange: (v: string) => void }) {
  const testId = `bt-param-${p.name}`;
  const bounds = p.minimum !== undefined || p.maximum !== undefined ? ` (${p.minimum ?? p.exclusiveMinimum ?? ''}–${p.maximum ?? ''})` : '';
  return (
    <label className="field" title={`${p.description ?? p.name}${bounds}`}>
      {p.name}
      {p.options ? (
        <select value={value || String(p.default ?? '')} aria-invalid={invalid || undefined} data-testid={testId} onChange={(e) => onChange(e.target.value)}>
          {p.options.map((o) => <option key={o}>{o}</option>)}
        </select>
      ) : (
        <input
          value={value}
          placeholder={p.default === undefined ? 'default' : String(p.default)}
          inputMode={p.type === 'integer' ? 'numeric' : 'decimal'}
          aria-invalid={invalid || undefined}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </label>
  );
}

/**
 * The form's state and the run_backtest mutation. `onStarted` gets the started run; `reuse` loads a
 * finished run's settings into the form (the results offer it).
 */
export function useRunForm(strategies: StrategyInfo[] | undefined, onStarted: (run: ResultOf<'run_backtest'>) => void) {
  const [form, setForm] = useState<FormState>(DEFAULT_FORM);
  const [extras, setExtras] = useState<RunExtras>(EMPTY_EXTRAS);
  const [formErrors, setFormErrors] = useState<Record<string, string>>({});
  const info: StrategyInfo | undefined = strategies?.find((x) => x.name === form.strategy);
  const run = useAction('run_backtest');

  const issues = run.error?.error.issues ?? [];
  const invalid = new Set(issues.map((i) => String(i.path).split('.')[0]));
  const invalidParams = new Set(issues.map((i) => String(i.path)).filter((p) => p.startsWith('params.')).map((p) => p.split('.')[1]));
  const symbolCount = form.symbols.split(',').filter((s) => s.trim()).length;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const extra = extrasToInput(info, extras, symbolCount);
    setFormErrors(extra.errors);
    if (Object.keys(extra.errors).length) return;
    const input: InputOf<'run_backtest'> = {
      ...extra.input,
      strategy: form.strategy,
      symbols: form.symbols.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean),
      timeframe: form.timeframe as InputOf<'run_backtest'>['timeframe'],
      initialCash: form.initialCash.trim(),
      risk: form.risk,
    };
    const from = dateToMs(form.from);
    const to = dateToMs(form.to);
    if (from !== undefined) input.from = from;
    if (to !== undefined) input.to = to;
    if (form.label.trim()) input.label = form.label.trim();
    run.mutate(input, { onSuccess: onStarted });
  };
  const field = <K extends keyof FormState>(k: K) => ({
    value: form[k],
    'aria-invalid': invalid.has(k) || undefined,
    'data-testid': `bt-${k}`,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
      if (run.error) run.reset();
      setForm({ ...form, [k]: e.target.value as FormState[K] });
    },
  });
  const extra = <K extends Exclude<keyof RunExtras, 'params' | 'slippage'>>(k: K) => ({
    value: extras[k],
    'aria-invalid': k in formErrors || invalid.has(k === 'takerPct' || k === 'makerPct' ? 'fees' : k === 'scrapePct' ? 'profitScrapePct' : k) || undefined,
    'data-testid': `bt-${k}`,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      if (run.error) run.reset();
      setFormErrors({});
      setExtras({ ...extras, [k]: e.target.value });
    },
  });
  const setExit = (name: string, v: string) => {
    if (run.error) run.reset();
    setFormErrors({});
    setExtras({ ...extras, exits: { ...extras.exits, [name]: v } });
  };
  const setParam = (name: string, v: string) => {
    if (run.error) run.reset();
    setFormErrors({});
    setExtras({ ...extras, params: { ...extras.params, [name]: v } });
  };
  /** A finished run's settings back into the form, to rerun or vary them. */
  const reuse = (spec: Record<string, unknown>) => {
    if (run.error) run.reset();
    setFormErrors({});
    const symbols = Array.isArray(spec.symbols) ? spec.symbols.join(', ') : form.symbols;
    const day = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 10) : '');
    setForm({
      ...form,
      strategy: STRATEGIES.includes(spec.strategy as Strategy) ? (spec.strategy as Strategy) : form.strategy,
      symbols,
      timeframe: typeof spec.timeframe === 'string' ? spec.timeframe : form.timeframe,
      from: day(spec.from),
      to: day(spec.to),
      initialCash: typeof spec.initialCash === 'string' ? spec.initialCash : form.initialCash,
      risk: spec.risk === 'default' ? 'default' : 'none',
      label: '',
    });
    setExtras(specToExtras(spec));
  };
  return { form, setForm, extras, setExtras, formErrors, setFormErrors, info, run, invalidParams, symbolCount, submit, field, extra, setExit, setParam, reuse };
}

export type RunFormState = ReturnType<typeof useRunForm>;

export function RunForm({ state }: { state: RunFormState }) {
  const { form, setForm, extras, setExtras, formErrors, setFormErrors, info, run, invalidParams, symbolCount, submit, field, extra, setExit, setParam } = state;
  return (
    <Panel title="Run">
      <form className="form" onSubmit={submit} data-testid="backtest-form">
        <div className="row">
          <label className="field">
            Strategy
            <select
              {...field('strategy')}
              onChange={(e) => {
                if (run.error) run.reset();
                setFormErrors({});
                setForm({ ...form, strategy: e.target.value as Strategy });
                setExtras({ ...extras, params: {} });
              }}
            >
              {STRATEGIES.map((s) => <option key={s}>{s}</option>)}
            </select>
          </label>
          <label className="field">
            Timeframe
            <select {...field('timeframe')}>{TIMEFRAMES.map((s) => <option key={s}>{s}</option>)}</select>
          </label>
        </div>
        <label className="field">
          Symbols (comma separated)
          <input {...field('symbols')} placeholder="BTC-USD, ETH-USD" />
        </label>
        <div className="row">
          <label className="field">
            From
            <input {...field('from')} type="date" />
          </label>
          <label className="field">
            To
            <input {...field('to')} type="date" />
          </label>
        </div>
        <div className="row">
          <label className="field">
            Initial cash
            <input {...field('initialCash')} inputMode="decimal" />
          </label>
          <label className="field">
            Risk limits
            <select {...field('risk')}>
              <option value="none">none</option>
              <option value="default">paper defaults</option>
            </select>
          </label>
        </div>
        {info && info.params.length ? (
          <fieldset className="form" style={{ border: 0, padding: 0, margin: 0 }} data-testid="bt-params">
            <div className="faint">{info.description}</div>
            <div className="fields">
              {info.params.filter((p) => p.group !== 'exit').map((p) => (
                <ParamField key={p.name} p={p} value={extras.params[p.name] ?? ''} invalid={invalidParams.has(p.name) || `param.${p.name}` in formErrors} onChange={(v) => setParam(p.name, v)} />
              ))}
            </div>
          </fieldset>
        ) : info ? (
          <div className="faint">{info.description}</div>
        ) : null}
        <fieldset className="form" style={{ border: 0, padding: 0, margin: 0 }} data-testid="bt-exits">
          <div className="faint" title="Placed after every entry fill, judged from the next bar with the paper book's stop and take-profit code; a bar reaching both takes the stop; after an exit the strategy must signal again before buying">
            Protective exits — % of the entry fill, on any strategy
          </div>
          <div className="fields">
            {EXIT_FIELDS.map((f) => (
              <label key={f.name} className="field" title={f.title}>
                {f.label}
                <input
                  value={extras.exits[f.name] ?? ''}
                  placeholder="off"
                  inputMode="decimal"
                  aria-invalid={invalidParams.has(f.name) || `exit.${f.name}` in formErrors || undefined}
                  data-testid={`bt-exit-${f.name}`}
                  onChange={(e) => setExit(f.name, e.target.value)}
                />
              </label>
            ))}
          </div>
        </fieldset>
        <div className="fields">
          <label className="field" title="Taker fee per order, percent of its value (blank: Coinbase's entry tier)">
            Taker fee %
            <input {...extra('takerPct')} placeholder={DEFAULT_TAKER_PCT} inputMode="decimal" />
          </label>
          <label className="field" title="Maker fee, percent (blank: Coinbase's entry tier)">
            Maker fee %
            <input {...extra('makerPct')} placeholder={DEFAULT_MAKER_PCT} inputMode="decimal" />
          </label>
          <label className="field" title="Spread in basis points for every symbol (blank: each product's own estimate)">
            Spread bps
            <input {...extra('spreadBps')} placeholder="product" inputMode="decimal" />
          </label>
        </div>
        <div className="fields">
          <label className="field" title="Share of each realised profit moved out of trading cash, percent">
            Profit scrape %
            <input {...extra('scrapePct')} placeholder="0" inputMode="decimal" />
          </label>
          {symbolCount > 1 ? (
            <label className="field" title="Allocation per symbol, same order as the symbols (blank: equal)">
              Weights
              <input {...extra('weights')} placeholder="equal" />
            </label>
          ) : null}
          <label className="field check" title="Size-dependent slippage (square-root impact), as paper trading applies it">
            <input
              type="checkbox"
              checked={extras.slippage}
              data-testid="bt-slippage"
              onChange={(e) => {
                if (run.error) run.reset();
                setExtras({ ...extras, slippage: e.target.checked });
              }}
            />
            Slippage
          </label>
        </div>
        <label className="field">
          Label (optional)
          <input {...field('label')} placeholder="e.g. sma 20/50 2018" maxLength={120} />
        </label>
        <button className="btn primary" type="submit" disabled={run.isPending} data-testid="bt-run">
          {run.isPending ? 'Loading data…' : 'Run backtest'}
        </button>
        <IssuesAlert error={run.error} />
        {Object.keys(formErrors).length ? (
          <div className="alert" role="alert" data-testid="error-alert">
            {Object.values(formErrors).join('; ')}
          </div>
        ) : null}
        <div className="faint">Blank dates use all recorded data. Hourly data: BTC, ETH, LTC-USD 2017–2019; 1m: BTC/ETH-USDT, two days each.</div>
      </form>
    </Panel>
  );
}
