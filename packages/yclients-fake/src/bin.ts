/**
 * `pnpm --filter @yclients-pg/yclients-fake start --clients 5000 --records 50000 --port 8080`
 * Serves the simulator over HTTP until interrupted.
 */
import { parseArgs } from 'node:util';
import { createYclientsFake } from './index';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '500' },
    records: { type: 'string', default: '5000' },
    transactions: { type: 'string' },
    companies: { type: 'string', default: '1' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    'no-rate-limit': { type: 'boolean', default: false },
    'legacy-strings': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`yclients-fake: a YClients API simulator

  --clients N        clients per company (default 500)
  --records N        records per company (default 5000)
  --transactions N   transactions per company (default records / 2)
  --companies N      number of companies, ids 101, 102, … (default 1)
  --port N           (default 8080; 0 picks a free port)
  --host H           (default 127.0.0.1)
  --seed N           (default 1)
  --no-rate-limit    turn off the 5/s and 200/min limits
  --legacy-strings   every id, amount and flag as a string`);
  process.exit(0);
}

function count(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, got ${value}`);
    process.exit(2);
  }
  return n;
}

const records = count('records', values.records);
const fake = createYclientsFake({
  seed: count('seed', values.seed),
  companies: Array.from({ length: Math.max(1, count('companies', values.companies)) }, (_, i) => ({
    id: 101 + i,
    clients: count('clients', values.clients),
    records,
    transactions:
      values.transactions === undefined
        ? Math.floor(records / 2)
        : count('transactions', values.transactions),
  })),
  rateLimit: values['no-rate-limit'] ? false : undefined,
  legacyStrings: values['legacy-strings'],
});
const server = await fake.listen(count('port', values.port), values.host);
const { partnerToken, userToken, login, password } = fake.credentials;
console.log(`YClients simulator listening at ${server.url}
  companies:      ${fake.companyIds.join(', ')}
  partner token:  ${partnerToken}
  user token:     ${userToken}
  login/password: ${login} / ${password}
  rate limit:     ${values['no-rate-limit'] ? 'off' : '5/s, 200/min per IP'}
  control:        ${server.url.replace(/\/api\/v1$/, '')}/__control/…

  YCLIENTS_BASE_URL=${server.url} YCLIENTS_PARTNER_TOKEN=${partnerToken} YCLIENTS_USER_TOKEN=${userToken} YCLIENTS_COMPANY_IDS=${fake.companyIds.join(',')}`);

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
