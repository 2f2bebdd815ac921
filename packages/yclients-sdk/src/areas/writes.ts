/**
 * Writes: create, update and delete clients and records. They are sent exactly once (never retried),
 * and what YClients answers is normalised like a read. A write that succeeded is never reported as a
 * failure because of the answer's shape: `data` may be the row or an array holding it (`POST /records`
 * answers 201 with an array, DOC-2026); only an answer with no row at all throws `invalid_row`, whose
 * message says the write was made.
 */
import { clientNeedsZone, normaliseClient } from '../normalise/clients';
import { normaliseRecord, recordNeedsZone } from '../normalise/records';
import type { Client, ClientWrite, RecordWrite, YcRecord } from '../types';
import { type AreaContext, requireRow, sanitiseOne } from './context';

export interface WriteOptions {
  /** The company's IANA zone, for naive times in the answer (else looked up when needed). */
  timeZone?: string;
}

export interface WriteMethods {
  /** `POST /clients/{id}`. */
  createClient(companyId: number, body: ClientWrite, options?: WriteOptions): Promise<Client>;
  /** `PUT /client/{id}/{client_id}`. */
  updateClient(
    companyId: number,
    clientId: number,
    body: ClientWrite,
    options?: WriteOptions,
  ): Promise<Client>;
  /** `DELETE /client/{id}/{client_id}`. */
  deleteClient(companyId: number, clientId: number): Promise<void>;
  /** `POST /records/{id}`; the created record (the first row when the answer holds an array). */
  createRecord(companyId: number, body: RecordWrite, options?: WriteOptions): Promise<YcRecord>;
  /** `PUT /record/{id}/{record_id}`. */
  updateRecord(
    companyId: number,
    recordId: number,
    body: RecordWrite,
    options?: WriteOptions,
  ): Promise<YcRecord>;
  /** `DELETE /record/{id}/{record_id}`. */
  deleteRecord(companyId: number, recordId: number): Promise<void>;
}

export function writes(ctx: AreaContext): WriteMethods {
  const { api } = ctx;

  async function client(companyId: number, wire: unknown, options?: WriteOptions): Promise<Client> {
    const row = sanitiseOne(wire);
    const zone = await ctx.zoneFor(companyId, options?.timeZone, clientNeedsZone(row));
    return normaliseClient(row, zone ? { companyTimeZone: zone } : {});
  }

  async function record(companyId: number, wire: unknown, options?: WriteOptions): Promise<YcRecord> {
    const row = sanitiseOne(wire);
    const zone = await ctx.zoneFor(companyId, options?.timeZone, recordNeedsZone(row));
    return normaliseRecord(row, {
      serverOffset: ctx.serverOffset,
      ...(zone ? { companyTimeZone: zone } : {}),
    });
  }

  return {
    async createClient(companyId, body, options) {
      const { data } = await api.POST('/clients/{company_id}', {
        params: { path: { company_id: companyId } },
        body,
      });
      return client(companyId, requireRow(data, 'POST /clients/{company_id}: created'), options);
    },
    async updateClient(companyId, clientId, body, options) {
      const { data } = await api.PUT('/client/{company_id}/{client_id}', {
        params: { path: { company_id: companyId, client_id: clientId } },
        body,
      });
      return client(companyId, requireRow(data, 'PUT /client/{company_id}/{client_id}: updated'), options);
    },
    async deleteClient(companyId, clientId) {
      await api.DELETE('/client/{company_id}/{client_id}', {
        params: { path: { company_id: companyId, client_id: clientId } },
      });
    },
    async createRecord(companyId, body, options) {
      const { data } = await api.POST('/records/{company_id}', {
        params: { path: { company_id: companyId } },
        body,
      });
      return record(companyId, requireRow(data, 'POST /records/{company_id}: created'), options);
    },
    async updateRecord(companyId, recordId, body, options) {
      const { data } = await api.PUT('/record/{company_id}/{record_id}', {
        params: { path: { company_id: companyId, record_id: recordId } },
        body,
      });
      return record(companyId, requireRow(data, 'PUT /record/{company_id}/{record_id}: updated'), options);
    },
    async deleteRecord(companyId, recordId) {
      await api.DELETE('/record/{company_id}/{record_id}', {
        params: { path: { company_id: companyId, record_id: recordId } },
      });
    },
  };
}
