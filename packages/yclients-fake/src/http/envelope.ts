import type { FakeResponse } from './types';

/** `{success, data, meta}`; `meta` is `[]` when there is nothing to say, as on the real API. */
export function ok(data: unknown, meta: unknown = [], status = 200): FakeResponse {
  return { kind: 'json', status, body: { success: true, data, meta } };
}

export function fail(status: number, message: string, extra: Record<string, unknown> = {}): FakeResponse {
  return { kind: 'json', status, body: { success: false, data: null, meta: { message, ...extra } } };
}

/** The form some newer endpoints use: no `success`/`data` keys at all. */
export function failErrorsForm(status: number, message: string): FakeResponse {
  return { kind: 'json', status, body: { errors: { code: status, message }, meta: { message } } };
}

export const MESSAGES = {
  unauthorised: 'Необходима авторизация',
  companyNotFound: 'Филиал не найден.',
  notFound: 'Не найдено',
  throttled: 'Превышен лимит запросов',
  licence: (companyId: number) => `Необходимо продлить лицензию в филиале с id: ${companyId}`,
  wrongCredentials: 'Неверный логин или пароль',
  wrongCode: 'Неверный код подтверждения',
  badDate: 'Неверный формат даты',
  badFilter: 'Недопустимое значение фильтра',
  unavailable: 'Сервис временно недоступен',
} as const;

/** The throttle answer: HTTP 429, or (as real traffic sometimes shows) the same body with HTTP 200. */
export function throttled(options: { as200: boolean; retryAfterSeconds?: number }): FakeResponse {
  const response = fail(options.as200 ? 200 : 429, MESSAGES.throttled);
  if (response.kind === 'json' && options.retryAfterSeconds !== undefined) {
    response.headers = { 'Retry-After': String(options.retryAfterSeconds) };
  }
  return response;
}
