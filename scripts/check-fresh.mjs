// Fails when a committed generated file differs from what its generator produces now:
// the SDK's OpenAPI types and sql/schema.sql (when they exist), then lint and typecheck.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
const checks = [];
if (existsSync('packages/yclients-sdk/openapi/yclients.yaml')) {
  checks.push([
    'SDK types',
    'pnpm --filter @yclients-pg/sdk run generate',
    'packages/yclients-sdk/src/generated',
  ]);
}
if (existsSync('sql/schema.sql')) {
  checks.push(['sql/schema.sql', 'pnpm --filter @yclients-pg/sql run dump', 'sql/schema.sql']);
}
for (const [name, generate, path] of checks) {
  run(generate);
  try {
    execSync(`git diff --exit-code -- ${path}`, { stdio: 'inherit' });
  } catch {
    console.error(`\n${name} is stale: run \`${generate}\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${name}: fresh`);
}
run('pnpm run lint');
run('pnpm run typecheck');
