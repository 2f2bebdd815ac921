/**
 * What the sync keeps state for: the values of `yclients_sync.sync_state.entity` (its check constraint,
 * 00001) and of `quarantine.entity`, in dependency order (design §4.2).
 */
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

export function isEntityName(value: string): value is EntityName {
  return (ENTITY_NAMES as readonly string[]).includes(value);
}
