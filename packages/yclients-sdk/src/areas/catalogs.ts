/**
 * The company and its catalogs: small unpaged lists, each read whole in one request.
 */
import { normaliseAccount } from '../normalise/accounts';
import { normaliseClientLabel } from '../normalise/client-labels';
import { normaliseCompany } from '../normalise/company';
import { normalisePosition } from '../normalise/positions';
import { normaliseServiceCategory } from '../normalise/service-categories';
import { normaliseService } from '../normalise/services';
import { normaliseStaff } from '../normalise/staff';
import type { ListResult } from '../pages';
import type { Account, ClientLabel, Company, Position, Service, ServiceCategory, Staff } from '../types';
import { type Api, type AreaContext, listAnswer, listOf, requireRow, sanitiseOne } from './context';

export interface CatalogMethods {
  /** `GET /company/{id}`: `timezone` is the company's IANA zone (`timezone_name`, else `timezone`). */
  company(companyId: number): Promise<Company>;
  /** `GET /company/{id}/staff/positions`. */
  positions(companyId: number): Promise<ListResult<Position>>;
  /** `GET /company/{id}/staff`. */
  staff(companyId: number): Promise<ListResult<Staff>>;
  /** `GET /company/{id}/service_categories`. */
  serviceCategories(companyId: number): Promise<ListResult<ServiceCategory>>;
  /** `GET /company/{id}/services`, each with the staff who perform it. */
  services(companyId: number): Promise<ListResult<Service>>;
  /** `GET /labels/{id}/1`: client categories, deleted ones included (flagged). */
  clientLabels(companyId: number): Promise<ListResult<ClientLabel>>;
  /** `GET /accounts/{id}`: cash desks and accounts. */
  accounts(companyId: number): Promise<ListResult<Account>>;
}

/** `GET /company/{id}`, normalised; shared with the zone lookup (which keeps nothing else from it). */
export async function fetchCompany(api: Api, companyId: number): Promise<Company> {
  const { data } = await api.GET('/company/{company_id}', { params: { path: { company_id: companyId } } });
  return normaliseCompany(sanitiseOne(requireRow(data, 'GET /company/{company_id}')));
}

export function catalogs({ api }: AreaContext): CatalogMethods {
  const path = (companyId: number) => ({ params: { path: { company_id: companyId } } });
  return {
    company: (companyId) => fetchCompany(api, companyId),
    async positions(companyId) {
      const { data } = await api.GET('/company/{company_id}/staff/positions', path(companyId));
      return listOf(listAnswer(data).rows, normalisePosition);
    },
    async staff(companyId) {
      const { data } = await api.GET('/company/{company_id}/staff', path(companyId));
      return listOf(listAnswer(data).rows, normaliseStaff);
    },
    async serviceCategories(companyId) {
      const { data } = await api.GET('/company/{company_id}/service_categories', path(companyId));
      return listOf(listAnswer(data).rows, normaliseServiceCategory);
    },
    async services(companyId) {
      const { data } = await api.GET('/company/{company_id}/services', path(companyId));
      return listOf(listAnswer(data).rows, normaliseService);
    },
    async clientLabels(companyId) {
      // Entity 1 = clients (yclients-open-questions Q9); the answer may be a bare array (DOC-2026; yclients-api.md §1).
      const { data } = await api.GET('/labels/{company_id}/{entity}', {
        params: { path: { company_id: companyId, entity: 1 } },
      });
      return listOf(listAnswer(data).rows, normaliseClientLabel);
    },
    async accounts(companyId) {
      const { data } = await api.GET('/accounts/{company_id}', path(companyId));
      return listOf(listAnswer(data).rows, normaliseAccount);
    },
  };
}
