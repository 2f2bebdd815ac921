import { fail, MESSAGES, ok } from '../http/envelope';
import type { Route } from './context';

/** `POST /auth`: 201 with the user token; 200 with a 2FA challenge when the user has 2FA on. */
export const authRoutes: Route[] = [
  {
    method: 'POST',
    template: '/auth',
    auth: 'partner',
    modernOnly: true,
    handle: ({ body, state }) => {
      const { credentials, twoFactor, twoFactorCode } = state.options;
      if (body.login !== credentials.login || body.password !== credentials.password) {
        return fail(401, MESSAGES.wrongCredentials);
      }
      const second = body['2fa'] as { uuid?: unknown; secret?: unknown } | undefined;
      if (twoFactor && !second) {
        return ok(
          {
            uuid: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
            flow: 'login',
            transport: { type: 'email', recipient: 'a***n@salon.test' },
            refresh_ttl_sec: 60,
            attempts_left: 3,
          },
          [],
          200,
        );
      }
      if (twoFactor && String(second?.secret) !== twoFactorCode) return fail(401, MESSAGES.wrongCode);
      return ok(
        {
          id: 4_242_424,
          user_token: credentials.userToken,
          name: 'Администратор',
          phone: '79990000000',
          login: credentials.login,
          email: credentials.login,
          avatar: 'https://assets.yclients.test/general/0/01/123.png',
          is_approved: true,
          is_email_confirmed: true,
        },
        [],
        201,
      );
    },
  },
];
