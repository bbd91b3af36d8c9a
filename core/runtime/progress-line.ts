/**
 * Prints progress lines from the runtime (core/runtime/temporal-cli.ts `ProgressFn`). Permanent
 * lines are printed as they come. Transient lines — the status of a long step, about one a
 * second — are one line rewritten in place on a terminal; elsewhere (a pipe, a CI log) the first
 * line of each step is printed and then one every `everyMs`, so a log shows the build moving
 * without a line per second.
 */
import type { ProgressFn, ProgressMeta } from './temporal-cli';

export interface ProgressPrinter {
  line: ProgressFn;
  /** Ends an in-place line so later output starts on a fresh line. */
  end(): void;
}

export function progressPrinter(o: { write: (text: string) => void; tty: boolean; everyMs?: number; now?: () => number }): ProgressPrinter {
  const every = o.everyMs ?? 15_000;
  const now = o.now ?? Date.now;
  let open = false;
  let step: string | null = null;
  let printedAt = 0;
  const end = () => {
    if (open) o.write('\n');
    open = false;
  };
  return {
    line(text: string, meta?: ProgressMeta) {
      if (!meta?.transient) {
        if (open) o.write('\r\x1b[2K');
        open = false;
        step = null;
        o.write(`${text}\n`);
        return;
      }
      if (o.tty) {
        o.write(`\r\x1b[2K${text}`);
        open = true;
        return;
      }
      const t = now();
      if (meta.step !== step || t - printedAt >= every) {
        step = meta.step;
        printedAt = t;
        o.write(`${text}\n`);
      }
    },
    end,
  };
}

/** A printer on this process's stderr. */
export function stderrProgress(): ProgressPrinter {
  return progressPrinter({ write: (t) => process.stderr.write(t), tty: Boolean(process.stderr.isTTY) });
}
