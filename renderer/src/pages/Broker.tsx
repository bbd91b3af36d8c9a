import { useEffect, useRef, useState } from 'react';
import { useAction, useInvalidateAfter, useVerb } from '../api/hooks';
import { ChatContent } from '../components/ChatContent';
import { ErrorState, IssuesAlert, Loading, Panel } from '../components/ui';
import { useUi } from '../store';

function sessionId(): string {
  let id = localStorage.getItem('vigil.chat.session');
  if (!id) {
    id = `ui-${Date.now().toString(36)}`;
    localStorage.setItem('vigil.chat.session', id);
  }
  return id;
}

const COMMANDS = ['status', 'risk', 'buy $100 BTC-USD', 'sell 0.01 BTC-USD at 65000', 'start stream BTC-USD', 'pause', 'resume', 'mode conservative', 'evaluate', 'kill switch on', 'help'];

export function BrokerPage() {
  const [sid, setSid] = useState(sessionId);
  const [text, setText] = useState('');
  const [pending, setPending] = useState<string | null>(null);
  const history = useVerb('get_chat_history', { sessionId: sid });
  const agents = useVerb('get_agent_status', {});
  const send = useAction('broker_chat');
  const invalidateAfter = useInvalidateAfter();
  const stream = useUi((s) => s.chatStream[sid]);
  const logRef = useRef<HTMLDivElement>(null);
  const brokerModel = agents.data?.models.find((m) => m.agent === 'broker');
  const noModel = brokerModel ? !brokerModel.configured : false;

  useEffect(() => {
    logRef.current?.scrollTo({ top: logRef.current.scrollHeight });
  }, [history.data, stream?.text, pending]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const message = text.trim();
    if (!message) return;
    setText('');
    setPending(message);
    send.mutate(
      { sessionId: sid, message },
      {
        onSettled: () => setPending(null),
        // A failed reply may still have recorded the user's message: the history is read again either way.
        onError: () => invalidateAfter('broker_chat'),
      },
    );
  };

  const msgs = history.data?.messages ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>Broker</h1>
        <span className="dim">Your chat with the broker agent: every cockpit capability is one of its tools.</span>
        <button
          className="btn small"
          style={{ marginLeft: 'auto' }}
          onClick={() => {
            const id = `ui-${Date.now().toString(36)}`;
            localStorage.setItem('vigil.chat.session', id);
            setSid(id);
          }}
        >
          New session
        </button>
      </div>
      <Panel title={`Session ${sid}`} flush className="chat-panel">
        <div className="chat">
          <div className="log" ref={logRef} data-testid="chat-log">
            {history.isLoading ? <Loading /> : null}
            {history.error ? <ErrorState error={history.error} what="Chat history" /> : null}
            {!history.isLoading && !history.error && msgs.length === 0 && !pending ? (
              <div className="state">
                <div className="title">Ask the broker anything about your portfolio, the market or the agents</div>
                e.g. “what is my exposure?”, “buy $100 of BTC”, “pause the execution agent”
              </div>
            ) : null}
            {msgs.map((m) => (
              <div key={`${m.turn}-${m.role}`} className={`msg ${m.role}`}>
                {m.role === 'assistant' ? <ChatContent text={m.content} /> : m.content}
                {m.tools?.length ? (
                  <details className="tool-card">
                    <summary>
                      {m.tools.length} tool call{m.tools.length > 1 ? 's' : ''}: {m.tools.join(', ')}
                    </summary>
                    <pre>{m.tools.map((t) => `→ ${t}`).join('\n')}</pre>
                  </details>
                ) : null}
                {m.role === 'assistant' && m.source === 'commands' ? <div className="faint" style={{ fontSize: 10, marginTop: 4 }}>command language (no model)</div> : null}
              </div>
            ))}
            {pending ? <div className="msg user">{pending}</div> : null}
            {pending ? <div className="msg assistant" data-testid="chat-streaming">{stream && !stream.done && stream.text ? <ChatContent text={stream.text} /> : <span className="faint">thinking…</span>}</div> : null}
          </div>
          {send.error ? (
            <div style={{ padding: '0 10px' }}>
              <IssuesAlert error={send.error} />
            </div>
          ) : null}
          {noModel || send.data?.source === 'commands' ? (
            <div className="hint" data-testid="command-hint">
              No model configured — the broker understands commands:{' '}
              {COMMANDS.map((c) => (
                <button key={c} type="button" className="tag" style={{ cursor: 'pointer', margin: '2px 3px' }} onClick={() => setText(c)}>
                  {c}
                </button>
              ))}
            </div>
          ) : null}
          <form onSubmit={submit}>
            <input value={text} onChange={(e) => setText(e.target.value)} placeholder={noModel ? 'Type a command, e.g. status' : 'Message the broker…'} aria-label="Message" data-testid="chat-input" />
            <button className="btn primary" type="submit" disabled={!text.trim() || !!pending}>
              Send
            </button>
          </form>
        </div>
      </Panel>
    </div>
  );
}
