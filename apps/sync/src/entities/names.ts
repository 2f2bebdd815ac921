/** The entities in dependency order (design §4.2); also the values of `sync_state.entity`. */
export const ENTITY_NAMES = [
  'positions',
  'staff',
  'service_categories',
  'services',
  'client_categories',
  'clients',
  'accounts',
  'records',
  'transactions',
] as const;

export type EntityName = (typeof ENTITY_NAMES)[number];

/** `--only` accepts the specification's coarse names too: staff brings positions, and so on. */
export const ENTITY_GROUPS: Record<string, EntityName[]> = {
  staff: ['positions', 'staff'],
  services: ['service_categories', 'services'],
  clients: ['client_categories', 'clients'],
  transactions: ['accounts', 'transactions'],
};

export function isEntityName(value: string): value is EntityName {
  return (ENTITY_NAMES as readonly string[]).includes(value);
}
