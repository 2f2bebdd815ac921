export { normaliseAccount } from './accounts';
export { normaliseClientLabel } from './client-labels';
export { normaliseClient } from './clients';
export { FALLBACK_TIME_ZONE, isTimeZone, normaliseCompany } from './company';
export { normalisePosition } from './positions';
export { normaliseRecord, recordNeedsZone } from './records';
export type { RejectedRow } from './rows';
export { noRepairs, type Repairs, sanitiseWire } from './sanitise';
export { normaliseServiceCategory } from './service-categories';
export { normaliseService } from './services';
export { normaliseStaff } from './staff';
export { normaliseTransaction } from './transactions';
export {
  arrayOf,
  DEFAULT_SERVER_OFFSET,
  type NormaliseOptions,
  normalisePhone,
  objectOrNull,
  toBool,
  toColor,
  toDate,
  toId,
  toInt,
  toNumber,
  toText,
  toTimestamp,
} from './values';
