import { rowRandom } from '../random';
import { DAY_MS, isoNoColon, localMidnight, MINUTE_MS, SERVER_OFFSET_HOURS } from '../time';
import type { Catalogs } from './catalogs';
import { chance, int, pick, round2, weighted } from './draw';
import { INCOME_EXPENSES, OUTFLOW_EXPENSES } from './names';
import type { Records } from './records';
import { Timeline } from './timeline';
import { type CompanyContext, denseIds, ID_BASE, type WireRow } from './wire';

export interface TransactionSkeleton {
  lastChange: number;
}

export interface Transactions {
  timeline: Timeline<WireRow, TransactionSkeleton>;
  compose(fields: Record<string, unknown>, id: number, previous: WireRow | undefined, nowMs: number): WireRow;
}

const PAST_DAYS = 730;
const OPEN_SECOND = 9 * 3600;
const WORK_SECONDS = 15 * 3600;

/** Phones inside transactions are strings; the one real capture shows `+7…`. */
function transactionPhone(phone: unknown): string {
  const digits = String(phone ?? '').replace(/\D/g, '');
  return digits.length >= 10 ? `+7${digits.slice(-10)}` : String(phone ?? '');
}

export function createTransactions(ctx: CompanyContext, catalogs: Catalogs, records: Records): Transactions {
  const { seed, company, anchorMs } = ctx;
  const c = company.ordinal;
  const count = company.transactions;
  const start = localMidnight(anchorMs, company.offsetHours) - PAST_DAYS * DAY_MS;
  const totalSeconds = PAST_DAYS * WORK_SECONDS;
  const ids = denseIds(ID_BASE.transactions(c), count);
  // Finance timestamps are written in the server's zone (+0400), whatever the company's zone is.
  const stamp = (ms: number) => isoNoColon(ms, SERVER_OFFSET_HOURS);

  const timeOf = (index: number): number => {
    const jitter = rowRandom(seed, `transactions.slot:${company.id}`, index)();
    const second = Math.floor(((index + jitter) * totalSeconds) / Math.max(1, count));
    const day = Math.floor(second / WORK_SECONDS);
    return start + day * DAY_MS + (OPEN_SECOND + (second % WORK_SECONDS)) * 1000;
  };
  const skeleton = (index: number): TransactionSkeleton => {
    const rng = rowRandom(seed, `transactions.skeleton:${company.id}`, index);
    return { lastChange: Math.min(timeOf(index) + int(rng, 0, 120) * MINUTE_MS, anchorMs) };
  };

  const accountRef = (accountId: number) => {
    const a = catalogs.accounts.lookup(accountId);
    return { id: accountId, title: a?.title ?? '', is_cash: Number(a?.type ?? 0) === 0 };
  };
  const masterRef = (staffId: number) => ({ id: staffId, title: catalogs.staff.lookup(staffId)?.name ?? '' });
  const randomAccount = (rng: () => number) => ID_BASE.accounts(c) + int(rng, 0, company.accounts - 1);

  const generate = (index: number): WireRow => {
    const rng = rowRandom(seed, `transactions:${company.id}`, index);
    const time = timeOf(index);
    const sk = skeleton(index);
    const kind = weighted(rng, [
      ['service', 60],
      ['goods', 10],
      ['other', 5],
      ['topUp', 5],
      ['outflow', 20],
    ] as const);
    const row: WireRow = {
      id: ids.idOf(index),
      document_id: 0,
      expense: {},
      date: stamp(time),
      amount: 0,
      comment: '',
      master: [],
      supplier: [],
      account: accountRef(randomAccount(rng)),
      client: [],
      last_change_date: stamp(sk.lastChange),
      record_id: 0,
      visit_id: 0,
      sold_item_id: 0,
      sold_item_type: '',
    };
    if (kind === 'service' && company.records > 0) {
      // paid for a visit that took place shortly before
      const recordIndex = Math.max(0, records.timeline.lowerBound(time) - 1 - int(rng, 0, 2));
      const record = records.timeline.baseEntry(recordIndex).row;
      const services = (record.services as WireRow[]) ?? [];
      const client = record.client as WireRow | null;
      row.expense = { ...INCOME_EXPENSES.service };
      row.amount = round2(services.reduce((s, line) => s + Number(line.cost ?? 0), 0));
      row.record_id = record.id;
      row.visit_id = records.visitIdOf(recordIndex);
      row.document_id = ID_BASE.documents(c) + recordIndex;
      row.master = masterRef(Number(record.staff_id));
      row.client = client ? { id: client.id, name: client.name, phone: transactionPhone(client.phone) } : [];
      row.sold_item_id = services[0]?.id ?? 0;
      row.sold_item_type = 'service';
    } else if (kind === 'outflow') {
      const expense = pick(rng, OUTFLOW_EXPENSES);
      row.expense = { ...expense };
      row.amount = -int(rng, 5, 300) * 100;
      row.comment = expense.title;
      row.document_id = ID_BASE.documents(c) + 90_000_000 + index;
      if (expense.id === 102) row.master = masterRef(ID_BASE.staff(c) + int(rng, 0, company.staff - 1));
    } else {
      const expense =
        kind === 'goods'
          ? INCOME_EXPENSES.goods
          : kind === 'topUp'
            ? INCOME_EXPENSES.topUp
            : INCOME_EXPENSES.other;
      row.expense = { ...expense };
      row.amount = int(rng, 3, 80) * 100;
      row.document_id = ID_BASE.documents(c) + 90_000_000 + index;
      if (kind === 'goods') {
        row.sold_item_type = 'goods_transaction';
        row.sold_item_id = 40_000_000 + index;
        if (chance(rng, 0.5)) row.master = masterRef(ID_BASE.staff(c) + int(rng, 0, company.staff - 1));
      }
    }
    return row;
  };

  const compose: Transactions['compose'] = (fields, id, previous, nowMs) => {
    const template = previous ?? {
      id,
      document_id: 0,
      expense: { ...INCOME_EXPENSES.other },
      date: stamp(nowMs),
      amount: 0,
      comment: '',
      master: [],
      supplier: [],
      account: accountRef(ID_BASE.accounts(c)),
      client: [],
      last_change_date: stamp(nowMs),
      record_id: 0,
      visit_id: 0,
      sold_item_id: 0,
      sold_item_type: '',
    };
    const row: WireRow = { ...template, ...fields, id };
    if (fields.expense_id !== undefined) {
      const eid = Number(fields.expense_id);
      const known = [...Object.values(INCOME_EXPENSES), ...OUTFLOW_EXPENSES].find((e) => e.id === eid);
      row.expense = known ? { ...known } : { id: eid, title: 'Статья', type: 6 };
      delete row.expense_id;
    }
    if (fields.account_id !== undefined) {
      row.account = accountRef(Number(fields.account_id));
      delete row.account_id;
    }
    if (fields.master_id !== undefined) {
      row.master = fields.master_id ? masterRef(Number(fields.master_id)) : [];
      delete row.master_id;
    }
    if (fields.client_id !== undefined) {
      const cl = fields.client_id ? records.embedClient(Number(fields.client_id)) : null;
      row.client = cl ? { id: cl.id, name: cl.name, phone: transactionPhone(cl.phone) } : [];
      delete row.client_id;
    }
    if (fields.date !== undefined) {
      const ms = typeof fields.date === 'number' ? fields.date : Date.parse(String(fields.date));
      if (!Number.isFinite(ms)) throw new Error(`transaction date is not a time: ${String(fields.date)}`);
      row.date = stamp(ms);
    }
    row.last_change_date = stamp(nowMs);
    return row;
  };

  const timeline = new Timeline<WireRow, TransactionSkeleton>({
    baseCount: count,
    timeOf,
    ...ids,
    // deleted transactions exist (the `deleted=1` filter finds them) but carry no flag of their own
    deletedModulus: 53,
    deletedResidue: 7,
    generate,
    skeleton,
  });
  return { timeline, compose };
}
