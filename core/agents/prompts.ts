/**
 * Prompt templates (mustache) and their validation. A template is refused, with the parser's
 * message, when it does not parse or names a variable its agent never supplies: a typo would
 * otherwise render as silence and quietly blind the agent.
 */
import fs from 'node:fs';
import path from 'node:path';
import Mustache from 'mustache';

import { PROMPT_IDS, type PromptId } from './prompt-ids';

export * from './prompt-ids';

/** Root names each prompt's render context provides. */
const EXECUTION_VARS = ['now', 'mode', 'costs', 'markets', 'portfolio', 'limits', 'constraints', 'recentDecisions'];
export const PROMPT_VARIABLES: Record<PromptId, readonly string[]> = {
  'execution-conservative': EXECUTION_VARS,
  'execution-standard': EXECUTION_VARS,
  'execution-aggressive': EXECUTION_VARS,
  judge: ['now', 'mode', 'scores', 'metrics', 'calibration', 'recentDecisions'],
  broker: ['now', 'execution'],
};

export const MAX_TEMPLATE_CHARS = 20_000;

export type TemplateCheck = { ok: true } | { ok: false; error: string };

type Token = [string, string, number, number, Token[]?, ...unknown[]];

export function validateTemplate(id: PromptId, template: string): TemplateCheck {
  if (typeof template !== 'string' || template.trim() === '') return { ok: false, error: 'the template is empty' };
  if (template.length > MAX_TEMPLATE_CHARS) return { ok: false, error: `the template is longer than ${MAX_TEMPLATE_CHARS} characters` };
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as unknown as Token[];
  } catch (err) {
    return { ok: false, error: `template does not parse: ${(err as Error).message}` };
  }
  const allowed = new Set(PROMPT_VARIABLES[id]);
  const unknown = new Set<string>();
  // Only names at the top level must be known; inside a section mustache resolves against the item.
  for (const t of tokens) {
    const kind = t[0];
    if (kind === 'text') continue;
    if (kind === '>' ) {
      unknown.add(`partial ${t[1]}`);
      continue;
    }
    if (['name', '&', '#', '^'].includes(kind)) {
      const root = t[1].split('.')[0]!;
      if (root !== '.' && !allowed.has(root)) unknown.add(t[1]);
    }
  }
  if (unknown.size > 0) {
    return { ok: false, error: `unknown variable(s) ${[...unknown].map((u) => `{{${u}}}`).join(', ')}; this prompt can use ${[...allowed].join(', ')}` };
  }
  return { ok: true };
}

/** Render without HTML escaping: prompts are plain text for a model, not markup. */
export function renderTemplate(template: string, view: Record<string, unknown>): string {
  return Mustache.render(template, view, undefined, { escape: (s: string) => s });
}

/** Default templates shipped in `prompts/` at the package root. */
export function loadDefaultTemplates(promptsDir: string): Record<PromptId, string> {
  const out = {} as Record<PromptId, string>;
  for (const id of PROMPT_IDS) {
    const file = path.join(promptsDir, `${id}.mustache`);
    const text = fs.readFileSync(file, 'utf8');
    const check = validateTemplate(id, text);
    if (!check.ok) throw new Error(`shipped prompt ${file} is invalid: ${check.error}`);
    out[id] = text;
  }
  return out;
}
