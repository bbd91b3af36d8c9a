import { useEffect, useState } from 'react';
import { useAction, useVerb } from '../api/hooks';
import { percentToRate, rateToPercent } from '../lib/format';
import { ErrorState, IssuesAlert, Loading } from './ui';

type Draft = {
  agentStopPct: string;
  cooldownMinutes: string;
  guardStops: string;
  guardWindow: string;
  guardPause: string;
  haltPct: string;
  haltHours: string;
  lockTrades: string;
  lockHours: string;
};

const blank = (s: string) => s.trim() === '';

/**
 * Settings → Protections: what the order port holds new entries back with after things went
 * wrong, and the stop every agent entry leaves with. Blank turns a protection off.
 */
export function ProtectionsSettings() {
  const prefs = useVerb('get_user_preferences', {});
  const save = useAction('set_user_preferences');
  const [d, setD] = useState<Draft | null>(null);
  const [bad, setBad] = useState<string | null>(null);
  useEffect(() => {
    const p = prefs.data?.protections;
    if (!p) return;
    setD({
      agentStopPct: rateToPercent(p.agentStopPct),
      cooldownMinutes: p.stopCooldown ? String(p.stopCooldown.minutes) : '',
      guardStops: p.stoplossGuard ? String(p.stoplossGuard.stops) : '',
      guardWindow: p.stoplossGuard ? String(p.stoplossGuard.windowMinutes) : '',
      guardPause: p.stoplossGuard ? String(p.stoplossGuard.pauseMinutes) : '',
      haltPct: p.drawdownHalt ? rateToPercent(p.drawdownHalt.pct) : '',
      haltHours: p.drawdownHalt ? String(p.drawdownHalt.hours) : '',
      lockTrades: p.pairLock ? String(p.pairLock.trades) : '',
      lockHours: p.pairLock ? String(p.pairLock.hours) : '',
    });
  }, [prefs.data]);
  if (prefs.isLoading) return <Loading rows={4} />;
  if (prefs.error) return <ErrorState error={prefs.error} what="Protections" />;
  if (!prefs.data?.protections || !d) return <div className="dim">Protections start with the paper book’s next version (restart the cockpit).</div>;
  const field = (k: keyof Draft, label: string, hint?: string) => (
    <label className="field">
      {label}
      <input value={d[k]} onChange={(e) => setD({ ...d, [k]: e.target.value })} placeholder="off" inputMode="decimal" data-testid={`protect-${k}`} />
      {hint ? <span className="faint">{hint}</span> : null}
    </label>
  );
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const stop = percentToRate(d.agentStopPct);
    const halt = blank(d.haltPct) ? null : percentToRate(d.haltPct);
    if (stop === null || (!blank(d.haltPct) && halt === null)) {
      setBad('percentages are numbers like 3 or 2.5');
      return;
    }
    setBad(null);
    save.mutate({
      protections: {
        agentStopPct: stop,
        stopCooldown: blank(d.cooldownMinutes) ? null : { minutes: Number(d.cooldownMinutes) },
        stoplossGuard: blank(d.guardStops) ? null : { stops: Number(d.guardStops), windowMinutes: Number(d.guardWindow || '0'), pauseMinutes: Number(d.guardPause || '0') },
        drawdownHalt: halt === null ? null : { pct: halt, hours: Number(d.haltHours || '0') },
        pairLock: blank(d.lockTrades) ? null : { trades: Number(d.lockTrades), hours: Number(d.lockHours || '0') },
      },
    });
  };
  return (
    <form className="form" onSubmit={submit} data-testid="protections-settings">
      <div className="row">{field('agentStopPct', "Agent entries' stop %", 'below the fill, when the agent gives none')}{field('cooldownMinutes', 'Cooldown after a stop-out (min)', 'per symbol')}</div>
      <div className="row">{field('guardStops', 'Stop-loss guard: stops')}{field('guardWindow', 'within (min)')}{field('guardPause', 'pause the symbol (min)')}</div>
      <div className="row">{field('haltPct', 'Drawdown halt %', 'below the equity peak')}{field('haltHours', 'halt entries for (h)')}</div>
      <div className="row">{field('lockTrades', 'Pair lock: last trades', 'that lost in sum')}{field('lockHours', 'lock the symbol for (h)')}</div>
      <div className="row">
        <button className="btn" type="submit" disabled={save.isPending} data-testid="protections-save">Save protections</button>
        {save.isSuccess ? <span className="up">Saved</span> : null}
      </div>
      <div className="faint">They hold back new entries (buys) from every door, paper and live; exits always go through.</div>
      {bad ? <div className="alert" role="alert">{bad}</div> : null}
      <IssuesAlert error={save.error} />
    </form>
  );
}
