import type { ResolvedCompany } from '../options';

/** A row exactly as the API puts it in JSON (quirks included). */
export type WireRow = { id: number } & Record<string, unknown>;

/** What every generator of one company needs. */
export interface CompanyContext {
  seed: number;
  company: ResolvedCompany;
  anchorMs: number;
}

/** Keeps each company's id ranges apart and each entity's ranges recognisable. */
export const ID_BASE = {
  positions: (c: number) => 1_000 + c * 1_000,
  staff: (c: number) => 100_000 + c * 10_000,
  serviceCategories: (c: number) => 200_000 + c * 10_000,
  services: (c: number) => 300_000 + c * 10_000,
  labels: (c: number) => 700_000 + c * 10_000,
  accounts: (c: number) => 900_000 + c * 10_000,
  clients: (c: number) => 10_000_000 + c * 10_000_000,
  records: (c: number) => 1_000_000_000 + c * 100_000_000,
  transactions: (c: number) => 10_000_000_000 + c * 100_000_000,
  visits: (c: number) => 20_000_000_000 + c * 100_000_000,
  documents: (c: number) => 30_000_000_000 + c * 100_000_000,
};

/** ids `base + index` (dense); inverse gives undefined outside the base. */
export function denseIds(base: number, count: number) {
  return {
    idOf: (index: number) => base + index,
    indexOf: (id: number) => {
      const index = id - base;
      return Number.isInteger(index) && index >= 0 && index < count ? index : undefined;
    },
  };
}
