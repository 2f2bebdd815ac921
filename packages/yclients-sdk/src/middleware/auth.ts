/**
 * Authorisation as openapi-fetch middleware: every request gets `Authorization: Bearer <partner>` (for
 * `POST /auth`) or `Bearer <partner>, User <user>` (everything else), logging in first when the client
 * was given a login and password instead of a user token. Also the login itself, two-factor step
 * included (yclients-api.md §2.2):
 *
 * 1. `POST /auth {login, password}` answers 201 with the user token, or 200 with a challenge when the
 *    user has two-factor login on: YClients has sent a code (by e-mail in the only documented sample).
 * 2. `POST /auth {login, password, 2fa: {uuid, secret}}` with the challenge's `uuid` and the code
 *    answers 201 with the user token. The field names of this call are not in the official docs (see the
 *    README, "Two-factor login").
 *
 * `/auth` is a POST and is never retried: a code is never submitted twice by the SDK. Neither the
 * password, the code nor a token ever appears in an error message or a hook payload.
 */
import type { Middleware } from 'openapi-fetch';
import type { Api } from '../areas/context';
import { YclientsApiError, YclientsAuthError, YclientsRateLimitError } from '../errors';
import type { components } from '../generated/schema';
import { strictId } from '../normalise/row';
import { objectOrNull, toInt, toText } from '../normalise/values';

/** What YClients said about a login that needs a 2FA code (HTTP 200 from `POST /auth`). */
export interface TwoFactorChallenge {
  /** Identifies this login attempt; sent back with the code. */
  uuid: string;
  /** `login` in the documented sample. */
  flow: string | null;
  /**
   * How the code was sent: `email` in the only documented sample; other values (SMS, messengers) are
   * not documented.
   */
  transport: string | null;
  /** Where the code was sent, masked by YClients (`test***@yclients.com`). */
  recipient: string | null;
  /** `refresh_ttl_sec` (60 in the sample): seconds before another code may be requested, it seems. */
  refreshTtlSec: number | null;
  /** `attempts_left` (3 in the sample): codes that may still be tried. */
  attemptsLeft: number | null;
}

/** A user token, and who it belongs to. */
export interface UserSession {
  /** Put it in your configuration (e.g. `YCLIENTS_USER_TOKEN`); it changes when the password does. */
  userToken: string;
  userId: number | null;
  userName: string | null;
}

/** The outcome of one login step. */
export type LoginResult =
  | ({ status: 'authorised' } & UserSession)
  | { status: 'two_factor_required'; challenge: TwoFactorChallenge };

export interface AuthOptions {
  partnerToken: string;
  userToken?: string | undefined;
  login?: string | undefined;
  password?: string | undefined;
}

type AuthBody = components['schemas']['AuthRequest'];

export function createAuth(options: AuthOptions, api: Api) {
  let userToken = options.userToken;
  let loggingIn: Promise<void> | null = null;

  const middleware: Middleware = {
    async onRequest({ request, schemaPath }) {
      const isLogin = schemaPath === '/auth';
      if (!isLogin && !userToken) await authenticate();
      request.headers.set(
        'Authorization',
        isLogin || !userToken
          ? `Bearer ${options.partnerToken}`
          : `Bearer ${options.partnerToken}, User ${userToken}`,
      );
    },
  };

  /** Logs in with login + password once (concurrent callers share the attempt); 2FA is an error here. */
  function authenticate(): Promise<void> {
    loggingIn ??= (async () => {
      const result = await login();
      if (result.status === 'two_factor_required') {
        throw new YclientsAuthError(
          {
            method: 'POST',
            path: '/auth',
            status: 200,
            apiMessage: `two-factor login is on for this YClients user (a code was sent by ${result.challenge.transport ?? 'an undocumented transport'}); get a user token once with login() and submitTwoFactorCode(), and use it instead of login and password`,
          },
          'two_factor_required',
        );
      }
    })().finally(() => {
      loggingIn = null;
    });
    return loggingIn;
  }

  /** Step 1: `POST /auth` with the client's login and password. */
  async function login(): Promise<LoginResult> {
    const { login, password } = credentials();
    return finish(await postAuth({ login, password }, 'auth'));
  }

  /** Step 2: the code the user received, for the challenge `login()` returned. */
  async function submitTwoFactorCode(
    challenge: TwoFactorChallenge | string,
    code: string,
  ): Promise<LoginResult> {
    const uuid = typeof challenge === 'string' ? challenge : challenge.uuid;
    const secret = code.trim();
    if (!uuid) throw new TypeError('submitTwoFactorCode: the challenge has no uuid');
    if (!secret) throw new TypeError('submitTwoFactorCode: the code is empty');
    const { login, password } = credentials();
    return finish(await postAuth({ login, password, '2fa': { uuid, secret } }, 'two_factor_refused'));
  }

  function credentials(): { login: string; password: string } {
    if (!options.login || !options.password) {
      throw new YclientsAuthError({
        method: 'POST',
        path: '/auth',
        status: 0,
        apiMessage: 'no login and password to authenticate with',
      });
    }
    return { login: options.login, password: options.password };
  }

  async function postAuth(
    body: AuthBody,
    refused: 'auth' | 'two_factor_refused',
  ): Promise<{ status: number; data: unknown }> {
    try {
      const { data, response } = await api.POST('/auth', { body });
      return { status: response.status, data };
    } catch (error) {
      // A refusal (a wrong password or code is a 4xx or `success:false`) is a credentials problem;
      // throttling and 5xx stay what they are (transient).
      if (
        error instanceof YclientsApiError &&
        !(error instanceof YclientsRateLimitError) &&
        error.status < 500
      ) {
        throw new YclientsAuthError(
          {
            method: 'POST',
            path: '/auth',
            status: error.status,
            apiMessage: error.apiMessage ?? (refused === 'auth' ? 'login refused' : 'code refused'),
          },
          refused,
        );
      }
      throw error;
    }
  }

  /** 201 (or a 200 carrying a token) → the session, used from now on; 200 with a uuid → the challenge. */
  function finish(answer: { status: number; data: unknown }): LoginResult {
    const data = objectOrNull(objectOrNull(answer.data)?.data);
    const token = toText(data?.user_token);
    if (token) {
      userToken = token;
      return {
        status: 'authorised',
        userToken: token,
        userId: strictId(data?.id),
        userName: toText(data?.name),
      };
    }
    const uuid = toText(data?.uuid)?.trim();
    if (answer.status === 200 && data && uuid) {
      const transport = objectOrNull(data.transport);
      return {
        status: 'two_factor_required',
        challenge: {
          uuid,
          flow: toText(data.flow),
          transport: toText(transport?.type),
          recipient: toText(transport?.recipient),
          refreshTtlSec: toInt(data.refresh_ttl_sec),
          attemptsLeft: toInt(data.attempts_left),
        },
      };
    }
    throw new YclientsAuthError({
      method: 'POST',
      path: '/auth',
      status: answer.status,
      apiMessage: answer.status === 200 ? 'a 2FA answer without a uuid' : 'no user_token in the answer',
    });
  }

  return { middleware, authenticate, login, submitTwoFactorCode };
}
