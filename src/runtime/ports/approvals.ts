/**
 * Requests for a human's approval of a command, and their decisions. The audit log holds the proof
 * (each step is a chained record); this store is how a request is found again by its id.
 */
import type { ActorKind } from '../core/types.js';

export interface ApprovalRequest {
  /** The id of the call that asked: the caller runs the command again with it. */
  readonly approvalId: string;
  readonly command: string;
  readonly tenant: string;
  readonly streamId: string;
  readonly subject: string | null;
  /** The keyed hash of the exact input the approval is for. */
  readonly payloadHash: string | null;
  readonly requester: { readonly id: string; readonly kind: ActorKind };
  readonly onBehalfOf: string | null;
  readonly requestedAt: string;
  readonly expiresAt: string;
}

export interface ApprovalRecord extends ApprovalRequest {
  readonly decision: 'pending' | 'approved' | 'refused';
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly reason: string | null;
}

export interface ApprovalStore {
  request(request: ApprovalRequest): Promise<void>;
  /** The request with its decision, within a tenant; undefined for an unknown id or another tenant's. */
  get(approvalId: string, tenant: string): Promise<ApprovalRecord | undefined>;
  /** Records the decision if the request is still pending; false when it was decided already. */
  decide(approvalId: string, tenant: string, decision: 'approved' | 'refused', by: string, at: string, reason: string | null): Promise<boolean>;
}
