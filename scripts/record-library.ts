/**
 * `npm run recordings [-- name…]`: records the scenarios of harness/recordings/scenarios.ts into
 * recordings/<name>.jsonl (all of them, or the ones named), each by running the real proxy against
 * the simulator and the mock MCP server. Fails when a scenario's script does not play through, and
 * leaves a recording as it was when the proxy attempted a send its encoder refused.
 */
import { join } from 'node:path';
import { recordScenario } from '../harness/recordings/recordScenario.js';
import { scenarios } from '../harness/recordings/scenarios.js';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`Failed to record: no scenario named ${unknown.join(', ')}. Please pick from: ${scenarios.map((s) => s.name).join(', ')}.`);
  process.exit(2);
}
let failed = 0;
for (const scenario of scenarios.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
  const path = join('recordings', `${scenario.name}.jsonl`);
  const outcome = await recordScenario(scenario, path);
  console.log(`${outcome.ok ? 'recorded' : outcome.written ? 'FAILED  ' : 'REFUSED '} ${path}${outcome.error ? `: ${outcome.error}` : ''}`);
  if (!outcome.ok) failed++;
}
process.exit(failed > 0 ? 1 : 0);
