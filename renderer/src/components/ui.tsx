import type { ReactNode } from 'react';
import type { ApiCallError } from '../api/client';
import { isUnavailable } from '../api/client';

export function Panel(props: { title: ReactNode; right?: ReactNode; children: ReactNode; flush?: boolean; className?: string; testId?: string }) {
  return (
    <section className={`panel ${props.className ?? ''}`} data-testid={props.testId}>
      <header>
        <span>{props.title}</span>
        {props.right ? <span className="right">{props.right}</span> : null}
      </header>
      <div className={props.flush ? 'body flush' : 'body'}>{props.children}</div>
    </section>
  );
}

export function Kpi(props: { label: string; value: ReactNode; sub?: ReactNode; tone?: 'up' | 'down' | undefined; testId?: string }) {
  return (
    <div className="kpi" data-testid={props.testId}>
      <div className="k">{props.label}</div>
      <div className={`v ${props.tone ?? ''}`}>{props.value}</div>
      {props.sub !== undefined ? <div className="s">{props.sub}</div> : null}
    </div>
  );
}

export function Loading({ rows = 3 }: { rows?: number }) {
  return (
    <div aria-busy="true">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" style={{ width: `${90 - i * 12}%` }} />
      ))}
    </div>
  );
}

export function Empty(props: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <div className="title">{props.title}</div>
      {props.children}
    </div>
  );
}

/** A verb's error result, designed: "not available yet" reads differently from a failure. */
export function ErrorState({ error, what }: { error: ApiCallError | null; what: string }) {
  if (!error) return null;
  const e = error.error;
  if (isUnavailable(e)) {
    return (
      <div className="state" data-testid="unavailable">
        <div className="title">{what} is not available in this build</div>
        <div>{e.message}</div>
        <code>{error.verb}</code>
      </div>
    );
  }
  return (
    <div className="state error" role="alert">
      <div className="title">{what} failed</div>
      <div>{e.message}</div>
      <code>
        {error.verb}: {e.code}
      </code>
    </div>
  );
}

/** Render a query's three designed states, then the data. */
export function Q<T>(props: { q: { data: T | undefined; error: ApiCallError | null; isLoading: boolean }; what: string; rows?: number; children: (data: T) => ReactNode }) {
  if (props.q.isLoading) return <Loading rows={props.rows ?? 3} />;
  if (props.q.error) return <ErrorState error={props.q.error} what={props.what} />;
  if (props.q.data === undefined) return <Empty title="No data" />;
  return <>{props.children(props.q.data)}</>;
}

export function IssuesAlert({ error }: { error: ApiCallError | null }) {
  if (!error) return null;
  return (
    <div className="alert" role="alert" data-testid="error-alert">
      {error.error.message}
      {error.error.issues?.length ? (
        <ul>
          {error.error.issues.map((i, n) => (
            <li key={n}>
              <b>{i.path || 'input'}</b>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Seg<T extends string>(props: { value: T; options: readonly T[]; onChange: (v: T) => void; label?: string }) {
  return (
    <span className="seg" role="group" aria-label={props.label}>
      {props.options.map((o) => (
        <button key={o} type="button" className={o === props.value ? 'on' : ''} aria-pressed={o === props.value} onClick={() => props.onChange(o)}>
          {o}
        </button>
      ))}
    </span>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre className="mono dim" style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 11 }}>{JSON.stringify(value, null, 2)}</pre>;
}
