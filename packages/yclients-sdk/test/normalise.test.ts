import { describe, expect, it } from 'vitest';
import {
  normaliseAccount,
  normaliseClient,
  normaliseClientLabel,
  normaliseCompany,
  normalisePosition,
  normaliseRecord,
  normaliseService,
  normaliseServiceCategory,
  normaliseStaff,
  normaliseTransaction,
  YclientsError,
} from '../src';

const MSK = { companyTimeZone: 'Europe/Moscow', serverOffset: '+04:00' };

describe('company', () => {
  it('takes timezone_name, else timezone, else a numeric offset as a fixed zone', () => {
    expect(
      normaliseCompany({ id: 1, title: 'Салон', timezone_name: 'Asia/Yekaterinburg', timezone: 5 }).timezone,
    ).toBe('Asia/Yekaterinburg');
    expect(normaliseCompany({ id: '1', title: 'Салон', timezone: 'Europe/Samara' })).toMatchObject({
      id: 1,
      timezone: 'Europe/Samara',
    });
    expect(normaliseCompany({ id: 1, timezone: 3 }).timezone).toBe('Etc/GMT-3');
    expect(normaliseCompany({ id: 1, timezone_name: '' }).timezone).toBe('Europe/Moscow');
  });
});

describe('positions, categories, accounts', () => {
  it('position', () => {
    const raw = { id: '5', title: 'Мастер' };
    expect(normalisePosition(raw)).toEqual({ id: 5, title: 'Мастер', raw });
  });
  it('service category with string scalars', () => {
    const raw = { id: '7', title: 'Стрижки', weight: '10', api_id: '' };
    expect(normaliseServiceCategory(raw)).toEqual({ id: 7, title: 'Стрижки', weight: 10, api_id: '', raw });
  });
  it('accounts: type decides is_cash when the flag is absent', () => {
    expect(normaliseAccount({ id: 1, title: 'Касса', type: 0, comment: '' })).toMatchObject({
      type: 0,
      is_cash: true,
      comment: '',
    });
    expect(normaliseAccount({ id: 2, title: 'Безнал', type: '1' })).toMatchObject({
      type: 1,
      is_cash: false,
    });
    expect(normaliseAccount({ id: 3, title: 'X', type: 1, is_cash: true })).toMatchObject({ is_cash: true });
  });
  it('a row without an id fails loudly, naming no content', () => {
    expect(() => normaliseAccount({ id: 0, title: '+79161234567' })).toThrow(YclientsError);
    expect(() => normaliseAccount({ id: 0, title: '+79161234567' })).toThrow(
      'account: id is not a whole number in 1..2^53-1 (got 0)',
    );
    expect(() => normaliseAccount([])).toThrow('account: not an object (an array)');
  });
});

describe('staff', () => {
  it('new endpoint: numbers, position object, is_fired/is_deleted', () => {
    const raw = {
      id: 17969,
      name: 'Анна',
      specialization: 'Стилист',
      position: { id: 3, title: 'Топ-мастер' },
      fired: 0,
      is_fired: false,
      hidden: 1,
      status: 0,
      is_deleted: false,
      user_id: 0,
      weight: 10,
      api_id: null,
      dismissal_date: null,
      avatar: 'https://x/a.png',
    };
    expect(normaliseStaff(raw)).toEqual({
      id: 17969,
      name: 'Анна',
      specialization: 'Стилист',
      position_id: 3,
      position_title: 'Топ-мастер',
      fired: false,
      hidden: true,
      deleted: false,
      user_id: null,
      weight: 10,
      api_id: null,
      dismissal_date: null,
      avatar: 'https://x/a.png',
      raw,
    });
  });
  it('deprecated endpoint: strings, position [], status 1 = deleted', () => {
    const s = normaliseStaff({
      id: '5',
      name: 'Б',
      fired: '1',
      hidden: '0',
      status: '1',
      weight: '4',
      position: [],
      image_group: [],
      user_id: '77',
      dismissal_date: '2024-03-01',
    });
    expect(s).toMatchObject({
      id: 5,
      fired: true,
      hidden: false,
      deleted: true,
      weight: 4,
      position_id: null,
      position_title: null,
      user_id: 77,
      dismissal_date: '2024-03-01',
    });
  });
});

describe('services', () => {
  it('string samples and the staff links', () => {
    const raw = {
      id: '79067',
      category_id: '7',
      title: 'Стрижка',
      price_min: '1000.00',
      price_max: 1500.5,
      duration: 3600,
      active: '1',
      weight: 2,
      comment: '',
      api_id: '',
      image_group: [],
      staff: [{ id: '5905', seance_length: '2700' }, { id: 6, seance_length: 3600, price: 1800 }, []],
    };
    expect(normaliseService(raw)).toEqual({
      id: 79067,
      category_id: 7,
      title: 'Стрижка',
      price_min: 1000,
      price_max: 1500.5,
      duration_seconds: 3600,
      active: true,
      weight: 2,
      comment: '',
      api_id: '',
      staff: [
        { staff_id: 5905, seance_length_seconds: 2700, price: null },
        { staff_id: 6, seance_length_seconds: 3600, price: 1800 },
      ],
      raw,
    });
  });
});

describe('client labels', () => {
  it('every value a string, deleted kept, colour with #', () => {
    const raw = {
      id: '241625',
      salon_id: '1',
      title: 'VIP',
      color: 'dfd4f2',
      icon: '',
      entity: '1',
      deleted: '1',
      not_editable: '0',
    };
    expect(normaliseClientLabel(raw)).toEqual({
      id: 241625,
      title: 'VIP',
      color: '#dfd4f2',
      deleted: true,
      raw,
    });
    expect(normaliseClientLabel({ id: 2, title: 'New', color: '#ff0000' }).deleted).toBe(false);
  });
});

describe('clients', () => {
  const full = {
    id: 101,
    name: 'Ирина',
    surname: 'Петрова',
    patronymic: '',
    phone: 79161234567,
    email: '',
    card: '',
    birth_date: 0,
    comment: 'без комментариев',
    discount: '5',
    sex_id: 2,
    sex: 'Женский',
    sms_check: 1,
    sms_bot: 0,
    sms_not: '0',
    balance: '-150.50',
    importance_id: 3,
    importance: 'Золото',
    spent: 12000,
    visits: '7',
    last_change_date: '2020-02-01T12:00:00+0400',
    custom_fields: [],
    categories: [{ id: '9', title: 'VIP', color: '#ff0000' }],
  };
  it('the full profile of the deprecated list', () => {
    expect(normaliseClient(full, MSK)).toEqual({
      id: 101,
      name: 'Ирина',
      surname: 'Петрова',
      patronymic: '',
      phone: '+79161234567',
      email: '',
      card: '',
      birth_date: null,
      comment: 'без комментариев',
      discount: 5,
      sex_id: 2,
      sex: 'Женский',
      sms_check: true,
      sms_bot: false,
      sms_not: false,
      balance: -150.5,
      importance_id: 3,
      importance: 'Золото',
      spent: 12000,
      visits: 7,
      last_change_date: '2020-02-01T12:00:00+04:00',
      custom_fields: {},
      categories: [{ id: 9, title: 'VIP', color: '#ff0000' }],
      raw: full,
    });
  });
  it('birth_date spellings, custom_fields as an object, phone with 8', () => {
    expect(normaliseClient({ id: 1, birth_date: '', phone: '89161234567' }).phone).toBe('+79161234567');
    expect(normaliseClient({ id: 1, birth_date: '1970-01-01' }).birth_date).toBeNull();
    expect(normaliseClient({ id: 1, birth_date: '1990-05-17' }).birth_date).toBe('1990-05-17');
    expect(normaliseClient({ id: 1, custom_fields: { salesap_id: 1786534 } }).custom_fields).toEqual({
      salesap_id: 1786534,
    });
  });
  it('a search row: only the projected fields, the rest null', () => {
    const c = normaliseClient({
      id: 5,
      name: 'A',
      phone: '+7 *** ***-45-67',
      sold_amount: 900,
      visits_count: 3,
      deposit_balance: null,
      last_visit_date: null,
    });
    expect(c).toMatchObject({
      id: 5,
      phone: '+7 *** ***-45-67',
      spent: 900,
      visits: 3,
      balance: null,
      categories: [],
      custom_fields: {},
      birth_date: null,
    });
  });
});

describe('records', () => {
  const wire = {
    id: 555,
    company_id: 42,
    staff_id: 17969,
    services: [
      {
        id: 1,
        title: 'Стрижка',
        cost: 900,
        cost_to_pay: 900,
        manual_cost: 0,
        cost_per_unit: 1000,
        discount: 10,
        first_cost: 1000,
        amount: 1,
      },
      {
        id: '2',
        title: 'Укладка',
        cost: '500',
        first_cost: '500',
        discount: 33.710000000000001,
        amount: '1',
        cost_per_unit: '500',
        manual_cost: '0',
      },
    ],
    staff: {
      id: 17969,
      api_id: null,
      name: 'Анна',
      specialization: 'Стилист',
      position: { id: 3, title: 'Топ-мастер' },
    },
    client: {
      id: 101,
      name: 'Ирина',
      surname: 'Петрова',
      phone: '79161234567',
      email: '',
      custom_fields: [],
    },
    date: '2019-01-16 16:00:00',
    datetime: '2019-01-16T16:00:00+09:00',
    create_date: '2019-01-16T20:35:11+0900',
    last_change_date: '2019-01-17T10:00:00+0900',
    seance_length: 3600,
    length: 3600,
    comment: '',
    online: true,
    attendance: -1,
    visit_attendance: '-1',
    confirmed: 1,
    paid_full: 0,
    payment_status: 0,
    deleted: false,
    visit_id: '8262996',
    custom_fields: [],
    documents: [{ id: 1, type_id: 7, date_created: '2019-01-16 16:00:00' }],
    finance_transactions: [{ id: 9, date: '2019-01-16 16:05:00', amount: 900, master: [], supplier: [] }],
  };
  it('normalises the full shape; raw drops documents only', () => {
    const r = normaliseRecord(wire, MSK);
    const { documents: _d, ...rawExpected } = wire;
    expect(r).toEqual({
      id: 555,
      datetime: '2019-01-16T16:00:00+09:00',
      create_date: '2019-01-16T20:35:11+09:00',
      last_change_date: '2019-01-17T10:00:00+09:00',
      seance_length_seconds: 3600,
      attendance: -1,
      visit_attendance: -1,
      confirmed: true,
      paid_full: false,
      payment_status: 0,
      online: true,
      comment: '',
      deleted: false,
      visit_id: 8262996,
      staff_id: 17969,
      staff: {
        id: 17969,
        name: 'Анна',
        specialization: 'Стилист',
        position_id: 3,
        position_title: 'Топ-мастер',
      },
      client_id: 101,
      client: { id: 101, name: 'Ирина', surname: 'Петрова', phone: '+79161234567', email: '' },
      services: [
        {
          id: 1,
          title: 'Стрижка',
          cost: 900,
          first_cost: 1000,
          discount: 10,
          amount: 1,
          cost_per_unit: 1000,
          manual_cost: 0,
        },
        {
          id: 2,
          title: 'Укладка',
          cost: 500,
          first_cost: 500,
          discount: 33.71,
          amount: 1,
          cost_per_unit: 500,
          manual_cost: 0,
        },
      ],
      raw: rawExpected,
    });
    expect(r.raw).not.toHaveProperty('documents');
    expect(r.raw).toHaveProperty('finance_transactions');
  });
  it('no client (null or []), staff without position, naive date read in the company zone', () => {
    const r = normaliseRecord(
      {
        id: 1,
        date: '2024-05-01 10:00:00',
        client: null,
        staff: { id: 4, name: 'Б' },
        services: [],
        deleted: 1,
      },
      MSK,
    );
    expect(r).toMatchObject({
      datetime: '2024-05-01T10:00:00+03:00',
      client: null,
      client_id: null,
      staff_id: 4,
      deleted: true,
    });
    expect(r.staff).toEqual({
      id: 4,
      name: 'Б',
      specialization: null,
      position_id: null,
      position_title: null,
    });
    expect(normaliseRecord({ id: 2, datetime: '2024-05-01T10:00:00+03:00', client: [] }).client).toBeNull();
  });
  it('payment_status may be a word', () => {
    expect(
      normaliseRecord({ id: 3, datetime: '2024-05-01T10:00:00+03:00', payment_status: 'paid_full' })
        .payment_status,
    ).toBe('paid_full');
  });
  it('a naive date without a zone is an error, not a guess', () => {
    expect(() => normaliseRecord({ id: 4, date: '2024-05-01 10:00:00' })).toThrow(
      /record 4: no usable datetime/,
    );
  });
});

describe('transactions', () => {
  it('real traffic: numbers, [] for empty parties, 0 ids when unlinked, +0400', () => {
    const raw = {
      id: 199254095,
      document_id: 0,
      date: '2020-09-01T12:30:00+0400',
      amount: 100,
      comment: '',
      expense: { id: 8, title: 'Прочие доходы', type: 2 },
      account: { id: 17433, title: 'Касса', is_cash: true },
      client: { id: 3, name: 'Ирина', phone: '+79161234567' },
      master: [],
      supplier: [],
      record_id: 0,
      visit_id: 0,
      sold_item_id: 0,
      sold_item_type: '',
      last_change_date: '2020-09-01T12:31:00+0400',
    };
    expect(normaliseTransaction(raw, MSK)).toEqual({
      id: 199254095,
      date: '2020-09-01T12:30:00+04:00',
      amount: 100,
      comment: '',
      document_id: null,
      last_change_date: '2020-09-01T12:31:00+04:00',
      record_id: null,
      visit_id: null,
      sold_item_id: null,
      sold_item_type: '',
      expense: { id: 8, title: 'Прочие доходы', type: 2 },
      account: { id: 17433, title: 'Касса', is_cash: true },
      client: { id: 3, name: 'Ирина', phone: '+79161234567' },
      master: null,
      supplier: null,
      raw,
    });
  });
  it('legacy strings; naive date in server time; master.name on single reads; client []', () => {
    const t = normaliseTransaction(
      {
        id: '4815162342',
        date: '2023-01-01 10:00:00',
        amount: '-1000.00',
        expense: { id: '5', title: 'Оказание услуг' },
        account: { id: '1', title: 'Касса' },
        client: [],
        master: { id: '17', name: 'Анна' },
        supplier: { id: 2, title: 'ООО Ромашка' },
        record_id: '555',
        visit_id: 777,
        sold_item_id: 12,
        sold_item_type: 'service',
      },
      MSK,
    );
    expect(t).toMatchObject({
      id: 4815162342,
      date: '2023-01-01T10:00:00+04:00',
      amount: -1000,
      expense: { id: 5, title: 'Оказание услуг', type: null },
      account: { id: 1, title: 'Касса', is_cash: null },
      client: null,
      master: { id: 17, title: 'Анна' },
      supplier: { id: 2, title: 'ООО Ромашка' },
      record_id: 555,
      visit_id: 777,
      sold_item_id: 12,
      sold_item_type: 'service',
    });
  });
});
