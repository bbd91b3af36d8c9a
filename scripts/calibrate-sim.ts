/**
 * Measures, from the recorded data in resources/market, the statistics the simulated market is
 * calibrated on, and fits its parameters. Prints JSON (the numbers in core/market/calibration.ts
 * come from this output; core/market/calibration.test.ts checks they still agree).
 *
 *   npx tsx scripts/calibrate-sim.ts
 */
import { calibrate } from '../core/market/calibrate';
import { defaultMarketDataDir } from '../core/market/data/columns';

console.log(JSON.stringify(calibrate(defaultMarketDataDir()), null, 2));
