#!/usr/bin/env node
// UI bench: time to first render of the Market page with N candles (default 100,000) and
// tick-to-screen latency, in Chromium, against a bare lightweight-charts page with the same data
// in the same run. Usage: node bench/ui.mjs [--n 100000] [--runs 3] [--ticks 200]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const N = arg('n', 100_000);
const RUNS = arg('runs', 3);
const TICKS = arg('ticks', 200);
const dist = path.join(here, 'results', 'ui-dist');

await build({ configFile: path.join(here, 'ui.vite.config.ts') });

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = http.createServer((req, res) => {
  const p = path.join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!p.startsWith(dist) || !fs.existsSync(p) || fs.statSync(p).isDirectory()) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': MIME[path.extname(p)] ?? 'application/octet-stream' });
  fs.createReadStream(p).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function measure(kind) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/ui.${kind}.html?n=${N}`);
  await page.waitForFunction('window.__bench !== undefined', null, { timeout: 120_000 });
  const firstRender = await page.evaluate('window.__bench.ready', null);
  const lat = await page.evaluate(async (ticks) => {
    const b = window.__bench;
    const out = [];
    let price = 60000;
    for (let i = 0; i < ticks; i++) {
      price *= 1 + (i % 2 ? 0.0003 : -0.0002);
      out.push(await b.tick(price, b.lastTime + 1000));
    }
    return out;
  }, TICKS);
  await page.close();
  if (errors.length) throw new Error(`${kind}: ${errors.join('; ')}`);
  return { firstRender, lat };
}

const rows = { app: { first: [], lat: [] }, bare: { first: [], lat: [] } };
for (let r = 0; r < RUNS; r++) {
  for (const kind of r % 2 ? ['app', 'bare'] : ['bare', 'app']) {
    const m = await measure(kind);
    rows[kind].first.push(m.firstRender);
    rows[kind].lat.push(...m.lat);
  }
}
await browser.close();
server.close();

const summary = Object.fromEntries(
  Object.entries(rows).map(([k, v]) => [k, { firstRenderMsMedian: +pct(v.first, 50).toFixed(0), firstRenderMsRuns: v.first.map((x) => +x.toFixed(0)), tickToScreenMsP50: +pct(v.lat, 50).toFixed(1), tickToScreenMsP95: +pct(v.lat, 95).toFixed(1), tickToScreenMsMax: +Math.max(...v.lat).toFixed(1) }]),
);
const result = { candles: N, runs: RUNS, ticksPerRun: TICKS, chromium: browser.version?.() ?? 'chromium', at: new Date().toISOString(), ...summary };
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'ui.json'), JSON.stringify(result, null, 2));
console.log(`candles: ${N}, runs: ${RUNS}, ticks/run: ${TICKS}`);
console.log('page            first render (median)   tick→screen p50 / p95 / max');
for (const [k, v] of Object.entries(summary)) console.log(`${k === 'app' ? 'cockpit Market' : 'bare chart    '}  ${String(v.firstRenderMsMedian).padStart(8)} ms             ${v.tickToScreenMsP50} / ${v.tickToScreenMsP95} / ${v.tickToScreenMsMax} ms`);
