/** `pnpm sync`: only wires the process to the CLI. */
import { main } from './cli/main';

const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.env.INIT_CWD ?? process.cwd(),
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
// Let exit hooks (the embedded PostgreSQL's stop) run, then leave even if a socket lingers.
setTimeout(() => process.exit(code), 2000).unref();
