/** Approval requests in the embedded store's database. */
import type { Database } from 'better-sqlite3';
import type { ApprovalRecord, ApprovalRequest, ApprovalStore } from '../../ports/approvals.js';

interface Row {
  record: string;
  decision: ApprovalRecord['decision'];
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
}

export class SqliteApprovalStore implements ApprovalStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async request(request: ApprovalRequest): Promise<void> {
    this.#db
      .prepare(`INSERT INTO gw_approvals (approval_id, tenant, record, decision) VALUES (?, ?, ?, 'pending') ON CONFLICT (tenant, approval_id) DO NOTHING`)
      .run(request.approvalId, request.tenant, JSON.stringify(request));
  }

  async get(approvalId: string, tenant: string): Promise<ApprovalRecord | undefined> {
    const row = this.#db
      .prepare(`SELECT record, decision, decided_by, decided_at, reason FROM gw_approvals WHERE approval_id = ? AND tenant = ?`)
      .get(approvalId, tenant) as Row | undefined;
    return row === undefined ? undefined : recordOf(row);
  }

  async decide(approvalId: string, tenant: string, decision: 'approved' | 'refused', by: string, at: string, reason: string | null): Promise<boolean> {
    const { changes } = this.#db
      .prepare(`UPDATE gw_approvals SET decision = ?, decided_by = ?, decided_at = ?, reason = ? WHERE approval_id = ? AND tenant = ? AND decision = 'pending'`)
      .run(decision, by, at, reason, approvalId, tenant);
    return changes === 1;
  }
}

function recordOf(row: Row): ApprovalRecord {
  return { ...(JSON.parse(row.record) as ApprovalRequest), decision: row.decision, decidedBy: row.decided_by, decidedAt: row.decided_at, reason: row.reason };
}
