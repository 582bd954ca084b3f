import { compileProject, type CompileResult } from '../src/model/project.js';
import type { Diagnostic } from '../src/spec/diagnostics.js';

export function compile(text: string, file = 'test.groundwork.yaml'): CompileResult {
  return compileProject([{ file, text }]);
}

export function compileFiles(files: Record<string, string>): CompileResult {
  return compileProject(Object.entries(files).map(([file, text]) => ({ file, text })));
}

export function codes(result: CompileResult): string[] {
  return result.diagnostics.map((d) => d.code);
}

export function only(result: CompileResult, code: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.code === code);
}

/** A small valid spec; tests replace parts of it to break one rule at a time. */
export const BASE = `groundwork: 1
context: shop
types:
  Money:
    amount: { type: integer, min: 0 }
    currency: { type: string, pattern: "^[A-Z]{3}$" }
aggregates:
  Order:
    id: orderId
    subject: customerId
    state:
      customerId: ulid
      status: { type: enum, values: [open, paid] }
    events:
      OrderPlaced:
        customerId: ulid
        total: Money
        note: { type: string, pii: true, optional: true }
      OrderPaid: {}
      OrderReopened: {}
    commands:
      PlaceOrder:
        creates: true
        input:
          customerId: ulid
          total: Money
        emits: [OrderPlaced]
        allow: [customer]
      PayOrder:
        emits: [OrderPaid]
        allow: [customer, billing]
        actors: [human, agent]
        undo: ReopenOrder
      ReopenOrder:
        emits: [OrderReopened]
        allow: [support]
projections:
  OpenOrders:
    key: orderId
    columns:
      customerId: ulid
      status: string
    on: [OrderPlaced, OrderPaid, OrderReopened]
`;

/** BASE with one exact piece of text replaced; fails loudly if the piece is not there. */
export function variant(from: string, to: string, base = BASE): string {
  if (!base.includes(from)) throw new Error(`variant: ${JSON.stringify(from)} not in base`);
  return base.replace(from, to);
}
