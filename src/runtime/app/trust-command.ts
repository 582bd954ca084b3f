/**
 * The trust operations as commands a person runs inside a generated project:
 * `node dist/cli.js history|verify|checkpoint|state-at|undo|forget|keys`. Readable output by
 * default, one JSON document with --json; exit 0 when fine, 1 when verify finds a problem or a
 * command is refused, 2 on a usage error.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { newSigningKeys, type Checkpoint } from '../core/checkpoint.js';
import type { AnyAggregate } from '../core/definitions.js';
import { ConfigurationError } from '../core/errors.js';
import { isErased } from '../core/pii.js';
import type { CommandResult } from '../core/pipeline.js';
import { ACTOR_KINDS, type ActorKind, type CommandContext } from '../core/types.js';
import type { ForgetOutcome, TimelineEntry, Trust } from '../trust/operations.js';
import type { VerifyReport } from '../trust/verify.js';

export interface TrustApp {
  readonly trust: Trust;
  readonly aggregates: Readonly<Record<string, AnyAggregate>>;
  verify(options?: { readonly incremental?: boolean }): Promise<VerifyReport>;
  checkpoint(): Promise<Checkpoint | undefined>;
  close(): Promise<void>;
}

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const USAGE = `usage: node dist/cli.js <command> [options]

  history  --stream ID | --subject ID | --correlation ID | --actor ID   the timeline, oldest first
  verify   [--incremental]                       check every chain and checkpoint; exit 1 on tampering
  checkpoint                                     take a signed checkpoint now
  state-at <Aggregate> <id> [--version N | --at TIME]   an aggregate's state back then
  undo     <commandId> --actor ID --kind KIND --roles R1,R2 [--input JSON]   run the declared undo
  forget   <subject> --actor ID --kind KIND --roles R1,R2   erase a subject's personal data
  approve  <approvalId> --actor ID --roles R1,R2   approve a command's request for approval (humans only)
  refuse   <approvalId> --actor ID --roles R1,R2 [--reason TEXT]   refuse it
  keys                                           print new keys for the environment

options: --tenant T (default $GROUNDWORK_TENANT or "default"), --json
environment: GROUNDWORK_DB (default app.db), GROUNDWORK_KEK, GROUNDWORK_SIGNING_KEY, GROUNDWORK_VERIFY_KEY
`;

class UsageError extends Error {}

/** How an operation opens the app: looking never writes, and verify needs no keys. */
export interface TrustAccess {
  readonly mode: 'read' | 'write';
  readonly withoutKeys: boolean;
}

const READS: ReadonlySet<string> = new Set(['history', 'verify', 'state-at']);

function access(command: string): TrustAccess {
  return { mode: READS.has(command) ? 'read' : 'write', withoutKeys: command === 'verify' };
}

const processOutput: CliOutput = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

/** Runs one trust operation; `open` opens the project's app (its store comes from the environment). */
export async function runTrustCommand(
  argv: readonly string[],
  open: (access: TrustAccess) => Promise<TrustApp>,
  out: CliOutput = processOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  // Piped into `head`: stop quietly when the reader goes away.
  if (out === processOutput) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        stream: { type: 'string' },
        subject: { type: 'string' },
        correlation: { type: 'string' },
        actor: { type: 'string' },
        kind: { type: 'string' },
        roles: { type: 'string' },
        tenant: { type: 'string' },
        input: { type: 'string' },
        reason: { type: 'string' },
        version: { type: 'string' },
        at: { type: 'string' },
        incremental: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    out.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help === true || command === undefined) {
    out[command === undefined && values.help !== true ? 'stderr' : 'stdout'](USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (command === 'keys') return printKeys(out, values.json === true);
  const tenant = values.tenant ?? env['GROUNDWORK_TENANT'] ?? 'default';
  const json = values.json === true;
  let app: TrustApp | undefined;
  try {
    app = await open(access(command));
    switch (command) {
      case 'history':
        return await history(app, values, tenant, json, out);
      case 'verify':
        return await verify(app, values.incremental === true, json, out);
      case 'checkpoint': {
        const checkpoint = await app.checkpoint();
        if (checkpoint === undefined) throw new UsageError('no signing key: set GROUNDWORK_SIGNING_KEY (see `keys`)');
        out.stdout(
          json
            ? `${JSON.stringify({ schemaVersion: 1, checkpoint: { seq: checkpoint.seq, root: checkpoint.root, events: checkpoint.events, createdAt: checkpoint.createdAt } })}\n`
            : `checkpoint ${checkpoint.seq}: root ${checkpoint.root.slice(0, 16)}… over ${checkpoint.events} events, signed\n`,
        );
        return 0;
      }
      case 'state-at':
        return await stateAt(app, args, values, tenant, json, out);
      case 'undo':
        return report(await app.trust.undo(required(args[0], 'the command id'), context(values, tenant), parseInput(values.input)), json, out);
      case 'forget':
        return reportForget(await app.trust.forget(required(args[0], 'the subject id'), context(values, tenant)), json, out);
      case 'approve':
      case 'refuse': {
        const decided = await app.trust.decideApproval(
          required(args[0], 'the approval id'),
          command === 'approve' ? 'approved' : 'refused',
          context(values, tenant),
          values.reason,
        );
        if (!decided.ok) return report(decided, json, out);
        out.stdout(json ? `${JSON.stringify({ schemaVersion: 1, ...decided })}\n` : `${decided.approvalId}: ${decided.decision} (${decided.command})\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      out.stderr(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigurationError) {
      out.stderr(`error (${error.code}): ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await app?.close();
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function context(values: { actor?: string | undefined; kind?: string | undefined; roles?: string | undefined }, tenant: string): CommandContext {
  const kind = values.kind ?? 'human';
  if (!(ACTOR_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${ACTOR_KINDS.join(', ')}`);
  return {
    actor: { id: required(values.actor, '--actor (who runs this)'), kind: kind as ActorKind, roles: (values.roles ?? '').split(',').filter((r) => r !== '') },
    tenant,
  };
}

function parseInput(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError('--input must be a JSON object, such as \'{"reason":"customer disputed"}\'');
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isErased(v) ? '[erased]' : v));
}

async function history(
  app: TrustApp,
  values: { stream?: string | undefined; subject?: string | undefined; correlation?: string | undefined; actor?: string | undefined },
  tenant: string,
  json: boolean,
  out: CliOutput,
): Promise<number> {
  const query =
    values.stream !== undefined
      ? { stream: values.stream }
      : values.subject !== undefined
        ? { subject: values.subject }
        : values.correlation !== undefined
          ? { correlation: values.correlation }
          : values.actor !== undefined
            ? { actor: values.actor }
            : undefined;
  if (query === undefined) throw new UsageError('history needs --stream, --subject, --correlation or --actor');
  const entries = await app.trust.history(query, tenant);
  if (json) {
    out.stdout(`${JSON.stringify({ schemaVersion: 1, query, tenant, entries }, (_k, v: unknown) => (isErased(v) ? { erased: true } : v), 2)}\n`);
    return 0;
  }
  if (entries.length === 0) out.stdout(`${printable(`no commands found for ${JSON.stringify(query)} in tenant ${tenant}`)}\n`);
  for (const entry of entries) out.stdout(timelineText(entry));
  return 0;
}

export function timelineText(entry: TimelineEntry): string {
  const a = entry.audit;
  const who = `${a.actor.kind} ${a.actor.id}${a.actor.roles.length > 0 ? ` [${a.actor.roles.join(', ')}]` : ''}`;
  const lines = [
    `${entry.recordedAt}  ${a.command}  ${a.outcome.toUpperCase()}${a.error === null ? '' : ` (${a.error.code}${a.error.rule === undefined ? '' : `: ${a.error.rule}`})`}`,
  ];
  lines.push(
    `    by ${who}${a.onBehalfOf === null ? '' : ` on behalf of ${a.onBehalfOf}`}; command ${a.commandId}${a.causationId === null ? '' : `, caused by ${a.causationId}`}`,
  );
  if (a.delegatedBy !== undefined || a.via !== undefined) {
    const delegated = a.delegatedBy === undefined ? '' : `delegated by ${a.delegatedBy}`;
    const via = a.via === undefined ? '' : `via ${a.via.transport} ${a.via.route}${a.via.clientId === null ? '' : ` (client ${a.via.clientId})`}`;
    lines.push(`    ${[delegated, via].filter((part) => part !== '').join('; ')}`);
  }
  if (a.decision === 'denied') lines.push(`    denied: ${a.reason ?? ''}`);
  for (const e of entry.events) lines.push(`    -> ${e.type} ${e.streamId} v${e.version} ${show(e.data)}`);
  return `${lines.map(printable).join('\n')}\n`;
}

/** Control, line-breaking and bidi characters, which could forge or reorder what a person reads. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line of human-readable output, with every character that could forge or reorder it escaped. */
export function printable(line: string): string {
  return line.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function verify(app: TrustApp, incremental: boolean, json: boolean, out: CliOutput): Promise<number> {
  const r = await app.verify({ incremental });
  if (json) {
    out.stdout(`${JSON.stringify({ schemaVersion: 1, ...r }, null, 2)}\n`);
    return r.ok ? 0 : 1;
  }
  out.stdout(
    `verified ${r.rows.events} events and ${r.rows.commands} audit records in ${r.buckets} buckets${r.incremental ? ' (incremental)' : ''}, ${r.checkpoints.checked} checkpoint(s), ${r.checkpoints.inSink} in the external sink, in ${r.seconds.toFixed(2)} s\n`,
  );
  for (const f of r.findings) out.stdout(`  ${f.kind.padEnd(28)} ${f.message}\n`);
  out.stdout(r.ok ? 'OK: every hash, link and checkpoint verifies\n' : `FAILED: ${r.findings.length} problem(s)\n`);
  return r.ok ? 0 : 1;
}

async function stateAt(
  app: TrustApp,
  args: readonly string[],
  values: { version?: string | undefined; at?: string | undefined },
  tenant: string,
  json: boolean,
  out: CliOutput,
): Promise<number> {
  const name = required(args[0], 'the aggregate name');
  const aggregate = app.aggregates[name];
  if (aggregate === undefined) throw new UsageError(`unknown aggregate "${name}"; one of ${Object.keys(app.aggregates).join(', ')}`);
  const id = required(args[1], 'the aggregate id');
  const at: { readonly version: number } | { readonly time: string } =
    values.version !== undefined ? { version: Number(values.version) } : values.at !== undefined ? { time: values.at } : { version: Number.MAX_SAFE_INTEGER };
  if ('version' in at && !Number.isInteger(at.version)) throw new UsageError('--version must be a whole number');
  if ('time' in at && Number.isNaN(Date.parse(at.time))) throw new UsageError('--at must be an ISO date and time');
  const result = await app.trust.stateAt(aggregate, id, at, tenant);
  if (result === undefined) {
    out.stderr(`${printable(`${name} ${id} does not exist in tenant ${tenant}`)}\n`);
    return 1;
  }
  out.stdout(
    json
      ? `${JSON.stringify({ schemaVersion: 1, aggregate: name, id, ...result }, (_k, v: unknown) => (isErased(v) ? { erased: true } : v), 2)}\n`
      : `${printable(`${name} ${id} at version ${result.version}: ${show(result.state)}`)}\n`,
  );
  return 0;
}

function report(result: CommandResult, json: boolean, out: CliOutput): number {
  if (json) out.stdout(`${JSON.stringify({ schemaVersion: 1, ...result })}\n`);
  else if (result.ok)
    out.stdout(`${printable(`done: command ${result.commandId} recorded ${result.events.map((e) => `${e.type} v${e.version}`).join(', ')}`)}\n`);
  else out.stdout(`${printable(`refused (${result.error.code}): ${result.error.message}`)}\n`);
  return result.ok ? 0 : 1;
}

function reportForget(result: ForgetOutcome, json: boolean, out: CliOutput): number {
  if (json) out.stdout(`${JSON.stringify({ schemaVersion: 1, ...result })}\n`);
  else if (!result.ok) out.stderr(`${printable(`refused (${result.error.code}): ${result.error.message}`)}\n`);
  else {
    const what = `data key ${result.keyDestroyed ? 'destroyed' : 'was already gone'}, ${result.snapshotsDeleted} snapshot(s) deleted, rebuilt ${result.projectionsRebuilt.join(', ') || 'no projection'}`;
    out.stdout(`${printable(`forgot ${result.subject}: ${what}`)}\n${result.pending.map((p) => `  pending: ${printable(p)}\n`).join('')}`);
  }
  return result.ok && result.pending.length === 0 ? 0 : 1;
}

function printKeys(out: CliOutput, json: boolean): number {
  const kek = randomBytes(32).toString('base64');
  const { privateKey, publicKey } = newSigningKeys();
  if (json) out.stdout(`${JSON.stringify({ GROUNDWORK_KEK: kek, GROUNDWORK_SIGNING_KEY: privateKey, GROUNDWORK_VERIFY_KEY: publicKey })}\n`);
  else
    out.stdout(
      `# keep these out of the database and out of version control\nGROUNDWORK_KEK=${kek}\nGROUNDWORK_SIGNING_KEY=${privateKey}\nGROUNDWORK_VERIFY_KEY=${publicKey}\n`,
    );
  return 0;
}
