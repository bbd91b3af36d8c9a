import { splitMessage, summarize } from '../lib/chat';
import { fmtQty } from '../lib/format';
import './ChatContent.css';

/** Prose as prose; each JSON result as a compact card with the raw block behind a disclosure. */
export function ChatContent({ text }: { text: string }) {
  const segments = splitMessage(text);
  return (
    <>
      {segments.map((s, i) =>
        s.kind === 'text' ? (
          <div key={i} className="chat-text">{s.text}</div>
        ) : (
          <DataCard key={i} value={s.value} raw={s.raw} />
        ),
      )}
    </>
  );
}

function DataCard({ value, raw }: { value: unknown; raw: string }) {
  const sum = summarize(value);
  return (
    <details className="data-card" data-testid="chat-data-card">
      <summary>
        {sum.count !== null ? (
          <span className="dim">{sum.count} item{sum.count === 1 ? '' : 's'}</span>
        ) : (
          <span className="fields">
            {sum.fields.map((f) => (
              <span key={f.key} className="field">
                <span className="k">{f.key}</span> <span className={`v ${f.key === 'status' ? `status-${f.value}` : ''}`}>{/^-?\d+\.\d{9,}$/.test(f.value) ? fmtQty(f.value) : f.value}</span>
              </span>
            ))}
            {sum.hidden ? <span className="faint">+{sum.hidden} more</span> : null}
          </span>
        )}
      </summary>
      <pre>{JSON.stringify(value, null, 2) || raw}</pre>
    </details>
  );
}
