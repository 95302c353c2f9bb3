// The exchange the benchmark drives: 4 OpenRTB bidders whose endpoints come from BENCH_BIDDERS.
import { defineConfig } from '../../core/index.js';

const endpoints = (process.env.BENCH_BIDDERS ?? 'http://127.0.0.1:1/bid').split(',');

export default defineConfig({
  server: { port: 0 },
  auction: { type: 'second-price', step: 0.01, tmaxMs: 300 },
  sites: { bench: { banner: { w: 300, h: 250 }, floor: 0.1 }, 'bench-video': { video: { w: 640, h: 360 }, floor: 0.1 } },
  bidders: Object.fromEntries(endpoints.map((endpoint, i) => [`dsp-${i + 1}`, { endpoint }])),
  trackers: { secret: 'bench-only-tracker-secret' },
  // BENCH_REWRITE=off leaves out the default markup rewriters (the core case).
  plugins: process.env.BENCH_REWRITE === 'off' ? ['adm-banner', 'adm-vast', 'adm-native'].map((name) => ({ name, enabled: false })) : [],
  // The notices journal in the run's scratch directory; BENCH_NOTICES=off measures the exchange without notices.
  notices: { journalDir: process.env.BENCH_JOURNAL_DIR ?? '.rtb/bench-notices', enabled: process.env.BENCH_NOTICES !== 'off' },
  log: { level: (process.env.BENCH_LOG_LEVEL ?? 'info') as 'info', file: process.env.BENCH_LOG_FILE ?? '/dev/null' },
});
