/**
 * What the surfaces say about a command or a projection, written from the model: tool names,
 * the text a model reads before calling a tool, and the JSON Schemas of inputs and rows.
 */
import { createHash } from 'node:crypto';
import type { Aggregate, CommandDef, Context, Projection } from '../model/model.js';
import { ident, snake, title } from './code.js';
import { idSchema, objectSchema, type JsonSchema, type JsonValue } from './json-schema.js';

/** A tool name of at most 64 characters: a long one keeps its start and a hash of the whole. */
export function toolName(name: string): string {
  if (name.length <= 64) return name;
  return `${name.slice(0, 55)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The tools every surface offers besides its commands and projections (runtime/surface/tools.ts). */
export const TRUST_TOOLS: ReadonlySet<string> = new Set([
  'history',
  'state_at',
  'verify_store',
  'command_status',
  'undo_command',
  'approve_request',
  'refuse_request',
]);

/** A command's tool: its snake_case name, or `run_<name>` where that is one of the trust tools. */
export function commandTool(c: CommandDef): string {
  const base = toolName(snake(ident(c.name, 'pascal')));
  return TRUST_TOOLS.has(base) ? toolName(`run_${base}`) : base;
}

/** A projection's read tools; `read_` in front where a command's tool (or a trust tool) has the name already. */
export function readTools(p: Projection, taken: ReadonlySet<string>): { readonly get: string; readonly list: string } {
  const base = snake(ident(p.name, 'pascal'));
  const free = (name: string) => (taken.has(name) || TRUST_TOOLS.has(name) ? toolName(`read_${name}`) : toolName(name));
  return { get: free(`get_${base}`), list: free(`list_${base}${base.endsWith('s') ? '' : 's'}`) };
}

export function inputSchema(context: Context, a: Aggregate, c: CommandDef): JsonSchema {
  const id = ident(a.id, 'camel');
  return objectSchema(c.input, context.types, { [id]: idSchema(`The ${a.name} id (a ULID)${c.creates ? ': make a new one for a new ' + a.name : ''}.`) });
}

export function rowSchema(context: Context, p: Projection): JsonSchema {
  const base = objectSchema(p.columns, context.types, { [p.key]: { type: 'string' } });
  const properties = base['properties'] as Record<string, JsonValue>;
  const nullable: Record<string, JsonValue> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const erasable = p.columns.some((f) => f.name === name && f.encrypted);
    nullable[name] =
      name === p.key
        ? schema
        : { anyOf: [schema, { type: 'null' }, ...(erasable ? [{ type: 'object', properties: { erased: { const: true } }, required: ['erased'] }] : [])] };
  }
  return { type: 'object', properties: nullable, required: [p.key] };
}

/** What a model reads before it calls the tool: what it does, what it records, who may, undo, approval, retries. */
export function commandDescription(a: Aggregate, c: CommandDef): string {
  const what = c.description ?? `${title(ident(c.name, 'pascal'))}${a.description === undefined ? '' : ` (${a.name}: ${a.description.replace(/\.$/, '')})`}.`;
  const records = `Records ${c.emitted.map((e) => e.name).join(' or ')} on ${c.creates ? 'a new' : 'an existing'} ${a.name}.`;
  const who = `${c.allow === 'public' ? 'Any authenticated caller' : `Roles ${c.allow.join(', ')}`} may call it${c.actors.length < 4 ? `, as ${c.actors.join(' or ')}` : ''}.`;
  const own = c.ownDataRoles.length === 0 ? '' : ` Role ${c.ownDataRoles.join(', ')} acts only on its own data.`;
  const undo = c.undo === undefined ? ' It cannot be undone.' : ` Undo: ${c.undo} (through undo_command).`;
  const approval =
    c.approval === undefined
      ? ''
      : ` Calls by ${c.approval.actors.join(' or ')} need a human's approval first (role ${c.approval.by.join(' or ')}, within ${minutes(c.approval.expiresMs)}): the first call answers with an approval id; call again with it and the same input once approved.`;
  return `${what} ${records} ${who}${own}${undo}${approval} Pass the same idempotencyKey when you retry; a new key is a new action.`;
}

function minutes(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;
}
