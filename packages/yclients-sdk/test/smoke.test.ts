import { describe, expect, it } from 'vitest';
import { client, ok, sequence, useServer } from './helpers';

useServer();

describe('smoke', () => {
  it('reads staff', async () => {
    const calls = sequence('get', '/company/:id/staff', [
      () => ok([{ id: '1', name: 'Анна', position: [] }], { count: 1 }),
    ]);
    const yc = client();
    const staff = await yc.staff(42);
    expect(staff[0]).toMatchObject({ id: 1, name: 'Анна', position_id: null });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer partner-SECRET-123, User user-SECRET-456');
    expect(calls[0]!.headers.get('accept')).toBe('application/vnd.yclients.v2+json');
  });
});
