/**
 * Inference cost estimates. Prices are USD per million tokens from the providers' public price
 * lists; a model not listed (a local Ollama/LM Studio/vLLM model, or a new one) is estimated at
 * zero and flagged unpriced, so the cockpit shows "unpriced" rather than a made-up number.
 * Costs are exact decimals (nano-USD integers in storage) because they are subtracted from P&L.
 */
import { Dec } from '../../domain/decimal';
import type { TokenUsage } from './types';

interface Price {
  input: string;
  output: string;
}

/** USD per 1M tokens, matched by longest prefix of the model name. */
const PRICES: Record<string, Price> = {
  'gpt-4o-mini': { input: '0.15', output: '0.60' },
  'gpt-4o': { input: '2.50', output: '10.00' },
  'gpt-4.1-nano': { input: '0.10', output: '0.40' },
  'gpt-4.1-mini': { input: '0.40', output: '1.60' },
  'gpt-4.1': { input: '2.00', output: '8.00' },
  'gpt-5-nano': { input: '0.05', output: '0.40' },
  'gpt-5-mini': { input: '0.25', output: '2.00' },
  'gpt-5': { input: '1.25', output: '10.00' },
  'o4-mini': { input: '1.10', output: '4.40' },
  'o3-mini': { input: '1.10', output: '4.40' },
  'o3': { input: '2.00', output: '8.00' },
};

export function priceOf(model: string): Price | null {
  const name = model.toLowerCase().replace(/^openai\//, '');
  let best: string | null = null;
  for (const k of Object.keys(PRICES)) if (name.startsWith(k) && (best === null || k.length > best.length)) best = k;
  return best ? PRICES[best]! : null;
}

/** Cost in nano-USD (integer), exact for summing in SQLite. */
export function costNanoUsd(model: string, usage: Pick<TokenUsage, 'prompt' | 'completion'>): number {
  const p = priceOf(model);
  if (!p) return 0;
  // price per 1M tokens in USD == price per token in micro-USD == 1000x nano-USD per token.
  const nano = Dec.int(usage.prompt).mul(p.input).add(Dec.int(usage.completion).mul(p.output)).mul('1000');
  return nano.round(0, 'half-up').toNumber();
}

export function nanoToUsd(nano: number | bigint): string {
  return Dec.of(String(nano)).div('1000000000').round(9).toString();
}

export function costUsd(model: string, usage: Pick<TokenUsage, 'prompt' | 'completion'>): string {
  return nanoToUsd(costNanoUsd(model, usage));
}
