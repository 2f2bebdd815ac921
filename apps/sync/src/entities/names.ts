import type { EntityName } from '@yclients-pg/sql';

export { ENTITY_NAMES, type EntityName, isEntityName } from '@yclients-pg/sql';

/** `--only` accepts the specification's coarse names too: staff brings positions, and so on. */
export const ENTITY_GROUPS: Record<string, EntityName[]> = {
  staff: ['positions', 'staff'],
  services: ['service_categories', 'services'],
  clients: ['client_categories', 'clients'],
  transactions: ['accounts', 'transactions'],
};
