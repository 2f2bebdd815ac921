/**
 * `pnpm sync login`: obtain a user token once, for an account that logs in with a two-factor code
 * (YClients answers `/auth` with a challenge, and the code arrives by e-mail or SMS: docs/yclients-api.md).
 * The token is printed for the user to put in `.env` as YCLIENTS_USER_TOKEN; it is never logged, and the
 * sync itself never keeps it anywhere.
 */
import { createYclientsClient, YclientsAuthError } from '@yclients-pg/sdk';
import { ConfigError, CredentialsRefusedError, UsageError } from '../errors';

export async function runLogin(
  env: NodeJS.ProcessEnv,
  io: {
    stdout: (text: string) => void;
    prompt?: (question: string) => Promise<string>;
    fetch?: typeof fetch;
  },
): Promise<void> {
  const missing = ['YCLIENTS_PARTNER_TOKEN', 'YCLIENTS_LOGIN', 'YCLIENTS_PASSWORD'].filter(
    (n) => !env[n]?.trim(),
  );
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((variable) => ({ variable, message: 'is required by `pnpm sync login`' })),
    );
  }
  const prompt = io.prompt;
  if (!prompt) throw new UsageError('`pnpm sync login` asks for a code: run it on a terminal');
  const yc = createYclientsClient({
    partnerToken: env.YCLIENTS_PARTNER_TOKEN!.trim(),
    login: env.YCLIENTS_LOGIN!.trim(),
    password: env.YCLIENTS_PASSWORD!,
    ...(env.YCLIENTS_BASE_URL?.trim() ? { baseUrl: env.YCLIENTS_BASE_URL.trim() } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
  try {
    let step = await yc.login();
    while (step.status === 'two_factor_required') {
      const { transport, recipient, attemptsLeft } = step.challenge;
      const code = await prompt(
        `Code sent by ${transport ?? 'YClients'} to ${recipient ?? 'you'}` +
          `${attemptsLeft === null ? '' : ` (${attemptsLeft} attempts left)`}: `,
      );
      step = await yc.submitTwoFactorCode(step.challenge, code.trim());
    }
    io.stdout(`YCLIENTS_USER_TOKEN=${step.userToken}\n(put this line in .env; it is shown only here)`);
  } catch (error) {
    if (error instanceof YclientsAuthError) {
      throw new CredentialsRefusedError(`YClients refused the login: ${error.apiMessage ?? error.message}`);
    }
    throw error;
  }
}
