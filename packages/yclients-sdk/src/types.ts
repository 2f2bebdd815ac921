/**
 * Normalised rows: exactly the shapes of docs/architecture.md §1, which the sync passes unchanged to
 * the SQL merge functions. Ids and money are numbers, timestamps ISO 8601 with an offset, dates
 * `YYYY-MM-DD`, flags booleans, unknown values null. `raw` is the row as YClients sent it.
 */
import type { components } from './generated/schema';

export type Raw = Record<string, unknown>;

export interface Company {
  id: number;
  title: string | null;
  /** IANA zone (`timezone_name`, else `timezone`). */
  timezone: string;
  raw: Raw;
}

export interface Position {
  id: number;
  title: string | null;
  raw: Raw;
}

export interface Staff {
  id: number;
  name: string | null;
  specialization: string | null;
  position_id: number | null;
  position_title: string | null;
  fired: boolean | null;
  hidden: boolean | null;
  deleted: boolean;
  user_id: number | null;
  weight: number | null;
  api_id: string | null;
  dismissal_date: string | null;
  avatar: string | null;
  raw: Raw;
}

export interface ServiceCategory {
  id: number;
  title: string | null;
  weight: number | null;
  api_id: string | null;
  raw: Raw;
}

export interface ServiceStaff {
  staff_id: number;
  seance_length_seconds: number | null;
  price: number | null;
}

export interface Service {
  id: number;
  category_id: number | null;
  title: string | null;
  price_min: number | null;
  price_max: number | null;
  duration_seconds: number | null;
  active: boolean | null;
  weight: number | null;
  comment: string | null;
  api_id: string | null;
  staff: ServiceStaff[];
  raw: Raw;
}

export interface ClientLabel {
  id: number;
  title: string | null;
  color: string | null;
  deleted: boolean;
  raw: Raw;
}

export interface ClientCategoryRef {
  id: number;
  title: string | null;
  color: string | null;
}

export interface Client {
  id: number;
  name: string | null;
  surname: string | null;
  patronymic: string | null;
  phone: string | null;
  email: string | null;
  card: string | null;
  birth_date: string | null;
  comment: string | null;
  discount: number | null;
  sex_id: number | null;
  sex: string | null;
  sms_check: boolean | null;
  sms_bot: boolean | null;
  sms_not: boolean | null;
  balance: number | null;
  importance_id: number | null;
  importance: string | null;
  spent: number | null;
  visits: number | null;
  last_change_date: string | null;
  /** `{code: value}`; `{}` when the client has none (the wire's `[]`). */
  custom_fields: Record<string, unknown>;
  categories: ClientCategoryRef[];
  raw: Raw;
}

export interface Account {
  id: number;
  title: string | null;
  type: number | null;
  is_cash: boolean | null;
  comment: string | null;
  raw: Raw;
}

export interface RecordStaffRef {
  id: number;
  name: string | null;
  specialization: string | null;
  position_id: number | null;
  position_title: string | null;
}

export interface RecordClientRef {
  id: number;
  name: string | null;
  surname: string | null;
  phone: string | null;
  email: string | null;
}

export interface RecordServiceLine {
  id: number;
  title: string | null;
  cost: number | null;
  first_cost: number | null;
  discount: number | null;
  amount: number | null;
  cost_per_unit: number | null;
  manual_cost: number | null;
}

export interface YcRecord {
  id: number;
  /** The visit time with the company's offset. */
  datetime: string;
  create_date: string | null;
  last_change_date: string | null;
  seance_length_seconds: number | null;
  /** 2 confirmed, 1 arrived, 0 waiting, −1 no-show. */
  attendance: number | null;
  visit_attendance: number | null;
  confirmed: boolean | null;
  paid_full: boolean | null;
  /** Numeric in records, a word (`paid_full`…) in visit history; meaning undocumented. */
  payment_status: number | string | null;
  online: boolean | null;
  comment: string | null;
  deleted: boolean;
  visit_id: number | null;
  staff_id: number | null;
  staff: RecordStaffRef | null;
  client_id: number | null;
  client: RecordClientRef | null;
  services: RecordServiceLine[];
  /** The wire row without `documents`. */
  raw: Raw;
}

export interface Transaction {
  id: number;
  date: string | null;
  amount: number | null;
  comment: string | null;
  document_id: number | null;
  last_change_date: string | null;
  record_id: number | null;
  visit_id: number | null;
  sold_item_id: number | null;
  sold_item_type: string | null;
  expense: { id: number; title: string | null; type: number | null } | null;
  account: { id: number; title: string | null; is_cash: boolean | null } | null;
  client: { id: number; name: string | null; phone: string | null } | null;
  master: { id: number; title: string | null } | null;
  supplier: { id: number; title: string | null } | null;
  raw: Raw;
}

/** The body of `createClient` / `updateClient` (`POST /clients/{id}`, `PUT /client/{id}/{client_id}`). */
export type ClientWrite = components['schemas']['ClientWrite'];
/** The body of `createRecord` / `updateRecord` (`POST /records/{id}`, `PUT /record/{id}/{record_id}`). */
export type RecordWrite = components['schemas']['RecordWrite'];
