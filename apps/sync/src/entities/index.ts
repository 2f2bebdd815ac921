import { accounts, clientCategories, positions, serviceCategories, services, staff } from './catalogs';
import { clients } from './clients';
import type { EntityPipeline } from './context';
import type { EntityName } from './names';
import { records } from './records';
import { transactions } from './transactions';

export const PIPELINES: Record<EntityName, EntityPipeline> = {
  positions,
  staff,
  service_categories: serviceCategories,
  services,
  client_categories: clientCategories,
  clients,
  accounts,
  records,
  transactions,
};
