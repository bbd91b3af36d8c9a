/**
 * The smoke workflow: proves the embedded runtime end to end. It waits for a `release` signal,
 * keeps what it was told before and after, and so doubles as the durability probe (its state
 * must survive a restart of the host and of the server).
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const releaseSignal = defineSignal<[string]>('release');
export const noteSignal = defineSignal<[string]>('note');
export const notesQuery = defineQuery<string[]>('notes');

export interface SmokeInput {
  message: string;
  /** Wait for `release` before completing (durability test); otherwise echo at once. */
  waitForRelease: boolean;
}

export interface SmokeResult {
  echoed: string;
  notes: string[];
  releasedWith: string | null;
}

export async function smokeWorkflow(input: SmokeInput): Promise<SmokeResult> {
  const notes: string[] = [];
  let releasedWith: string | null = null;
  setHandler(noteSignal, (n) => {
    notes.push(n);
  });
  setHandler(releaseSignal, (r) => {
    releasedWith = r;
  });
  setHandler(notesQuery, () => [...notes]);
  if (input.waitForRelease) await condition(() => releasedWith !== null);
  return { echoed: input.message, notes, releasedWith };
}
