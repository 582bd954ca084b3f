/** Approval requests in the shared store's schema. */
import type { ApprovalRecord, ApprovalRequest, ApprovalStore } from '../../ports/approvals.js';
import type { Pool } from './database.js';

interface Row {
  record: string;
  decision: ApprovalRecord['decision'];
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
}

export class PostgresApprovalStore implements ApprovalStore {
  readonly #pool: Pool;
  readonly #s: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schema;
  }

  async request(request: ApprovalRequest): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#s}.gw_approvals (approval_id, tenant, record, decision) VALUES ($1, $2, $3, 'pending') ON CONFLICT (tenant, approval_id) DO NOTHING`,
      [request.approvalId, request.tenant, JSON.stringify(request)],
    );
  }

  async get(approvalId: string, tenant: string): Promise<ApprovalRecord | undefined> {
    const { rows } = await this.#pool.query<Row>(
      `SELECT record, decision, decided_by, decided_at, reason FROM ${this.#s}.gw_approvals WHERE approval_id = $1 AND tenant = $2`,
      [approvalId, tenant],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { ...(JSON.parse(row.record) as ApprovalRequest), decision: row.decision, decidedBy: row.decided_by, decidedAt: row.decided_at, reason: row.reason };
  }

  async decide(approvalId: string, tenant: string, decision: 'approved' | 'refused', by: string, at: string, reason: string | null): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE ${this.#s}.gw_approvals SET decision = $3, decided_by = $4, decided_at = $5, reason = $6 WHERE approval_id = $1 AND tenant = $2 AND decision = 'pending'`,
      [approvalId, tenant, decision, by, at, reason],
    );
    return rowCount === 1;
  }
}
