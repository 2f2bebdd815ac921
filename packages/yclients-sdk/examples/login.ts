/**
 * Gets a user token once, two-factor login included, and prints it (to put in your configuration as
 * YCLIENTS_USER_TOKEN). The code is read from the terminal; nothing is logged.
 *
 *   YCLIENTS_PARTNER_TOKEN=… YCLIENTS_LOGIN=… YCLIENTS_PASSWORD=… pnpm tsx examples/login.ts
 */
import { stdin, stdout } from 'node:process';
import { createInterface } from 'node:readline/promises';
import { createYclientsClient, YclientsAuthError } from '@yclients-pg/sdk';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};

const yc = createYclientsClient({
  partnerToken: env('YCLIENTS_PARTNER_TOKEN'),
  login: env('YCLIENTS_LOGIN'),
  password: env('YCLIENTS_PASSWORD'),
  ...(process.env.YCLIENTS_BASE_URL ? { baseUrl: process.env.YCLIENTS_BASE_URL } : {}),
});

/** One line from the terminal (or a pipe: `echo 123456 | …`). */
async function ask(question: string): Promise<string> {
  const terminal = createInterface({ input: stdin, output: stdout });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

try {
  let step = await yc.login();
  while (step.status === 'two_factor_required') {
    const { transport, recipient, attemptsLeft } = step.challenge;
    const code = await ask(
      `Code sent by ${transport ?? 'YClients'} to ${recipient ?? 'you'}` +
        `${attemptsLeft === null ? '' : ` (${attemptsLeft} attempts left)`}: `,
    );
    step = await yc.submitTwoFactorCode(step.challenge, code);
  }
  stdout.write(`YCLIENTS_USER_TOKEN=${step.userToken}\n`);
} catch (error) {
  if (!(error instanceof YclientsAuthError)) throw error;
  stdout.write(`YClients refused: ${error.apiMessage ?? error.message} (${error.code})\n`);
  process.exitCode = 1;
}
