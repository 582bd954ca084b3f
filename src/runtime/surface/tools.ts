/**
 * The MCP tools of a project, as data: one per command, and the reads, approvals, undo and status
 * tools, each with a portable input schema (an object at the root, no combinators there, no $ref),
 * an output schema and annotations; and how a call of each is answered from SurfaceOperations.
 * Nothing here knows the SDK: mcp.ts hands these to it.
 */
import type { CommandQuery } from '../ports/event-store.js';
import type { CommandEndpoint, Json, JsonObject, ProjectionEndpoint, SurfaceDefinition, ToolAnnotations } from './definition.js';
import { type Answer, type Caller, MAX_PAGE, type SurfaceOperations } from './operations.js';
import { invalid, PROBLEMS, problemOf, thrown, type SurfaceFailure } from './problems.js';

export interface Tool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonObject;
  readonly outputSchema: JsonObject;
  readonly annotations: ToolAnnotations;
}

export interface ToolResult {
  readonly content: readonly { readonly type: 'text'; readonly text: string }[];
  /** The answer, matching the tool's output schema; absent on an error (clients check it against that schema). */
  readonly structuredContent?: { readonly [key: string]: unknown };
  readonly isError?: true;
}

type Args = Readonly<Record<string, unknown>>;

interface ToolEntry {
  readonly tool: Tool;
  /** Whether the tool changes anything: such tools are offered only to a caller with an identity. */
  readonly writes: boolean;
  call(args: Args, caller: Caller, operations: SurfaceOperations): Promise<Answer<unknown>>;
}

const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const text = (description: string): JsonObject => ({ type: 'string', minLength: 1, maxLength: 256, description });
const object = (properties: Record<string, Json>, required: readonly string[]): JsonObject => ({
  type: 'object',
  properties,
  required: [...required],
  additionalProperties: false,
});

const EVENTS: JsonObject = {
  type: 'array',
  items: object({ type: { type: 'string' }, version: { type: 'integer' }, data: { type: 'object' } }, ['type', 'version', 'data']),
};
const COMMAND_OUTPUT = object(
  {
    commandId: { type: 'string' },
    streamId: { type: 'string' },
    version: { type: 'integer', description: 'The stream version after the command.' },
    events: EVENTS,
    dryRun: { type: 'boolean' },
    duplicate: { type: 'boolean' },
  },
  ['commandId', 'streamId', 'version', 'events'],
);

const built = new WeakMap<SurfaceDefinition, readonly ToolEntry[]>();

/** Every tool of the surface, in a fixed order: commands as the spec lists them, then the reads, then the trust tools. Built once per surface. */
export function toolEntries(surface: SurfaceDefinition): readonly ToolEntry[] {
  let entries = built.get(surface);
  if (entries === undefined) {
    entries = buildEntries(surface);
    built.set(surface, entries);
  }
  return entries;
}

function buildEntries(surface: SurfaceDefinition): readonly ToolEntry[] {
  return [
    ...surface.commands.map(commandTool),
    ...surface.projections.flatMap((p) => [getTool(p), listTool(p)]),
    historyTool(),
    stateAtTool(surface),
    verifyTool(),
    statusTool(),
    undoTool(),
    decisionTool('approve_request', 'approved'),
    decisionTool('refuse_request', 'refused'),
  ];
}

/** The tools a caller is offered: all of them with an identity, the read-only ones without. */
export function toolsFor(surface: SurfaceDefinition, identified: boolean): readonly Tool[] {
  return toolEntries(surface)
    .filter((entry) => identified || !entry.writes)
    .map((entry) => entry.tool);
}

/** Answers one call; an unknown tool is undefined (a protocol error), every other failure a result marked isError. */
export async function callTool(
  surface: SurfaceDefinition,
  name: string,
  args: Args,
  caller: Caller | undefined,
  operations: SurfaceOperations,
): Promise<ToolResult | undefined> {
  const entry = toolEntries(surface).find((e) => e.tool.name === name);
  if (entry === undefined) return undefined;
  if (caller === undefined)
    return errorResult({
      code: 'unauthenticated',
      problem: 'missing',
      message: 'this MCP server was started without an identity: set GROUNDWORK_TOKEN to a token of the configured issuer',
    });
  let answer: Answer<unknown>;
  try {
    answer = await entry.call(args, { ...caller, via: { ...caller.via, route: name } }, operations);
  } catch (error) {
    // The store gone or a bug below: a result the model can read, never the exception's text as a protocol error.
    answer = { ok: false, failure: thrown(error) };
  }
  if (!answer.ok) return errorResult(answer.failure);
  const value = answer.value as { readonly [key: string]: unknown };
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

function commandTool(endpoint: CommandEndpoint): ToolEntry {
  const inputSchema = object(
    {
      input: endpoint.inputSchema,
      idempotencyKey: {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        pattern: '^[\\x21-\\x7e]+$',
        description: 'A unique value for this intended action (such as a UUID). Pass the same value when you retry, so the action happens once.',
      },
      approvalId: text('Only when the first call answered that approval is required: the approval id it gave, once a human approved it. Pass the same input.'),
      dryRun: { type: 'boolean', description: 'true: check and show the events it would record, change nothing.' },
    },
    ['input', 'idempotencyKey'],
  );
  return {
    tool: {
      name: endpoint.tool,
      title: endpoint.title,
      description: endpoint.description,
      inputSchema,
      outputSchema: COMMAND_OUTPUT,
      annotations: endpoint.annotations,
    },
    writes: true,
    call: async (args, caller, operations) => {
      const answer = await operations.command(
        endpoint,
        args['input'],
        {
          idempotencyKey: optionalText(args['idempotencyKey']),
          approvalId: optionalText(args['approvalId']),
          dryRun: args['dryRun'] === true,
        },
        caller,
      );
      if (!answer.ok) return answer;
      const value = answer.value;
      if (value.kind === 'accepted') return { ok: true, value: { commandId: value.commandId, streamId: '', version: 0, events: [] } };
      return { ok: true, value: value.kind === 'dry-run' ? value.body : { ...value.body, duplicate: value.replayed } };
    },
  };
}

function getTool(p: ProjectionEndpoint): ToolEntry {
  return {
    tool: {
      name: p.getTool,
      title: `Read one ${p.title} row`,
      description: `${p.description} Reads the row whose ${p.key} is the given key, in your tenant${p.subjectColumn === undefined ? '' : ' (acting for someone, only their rows)'}.${p.piiColumns.length > 0 ? ` Personal data (${p.piiColumns.join(', ')}) only for roles allowed to see it.` : ''}`,
      inputSchema: object({ key: text(`The ${p.key} of the row.`) }, ['key']),
      outputSchema: p.rowSchema,
      annotations: READ,
    },
    writes: false,
    call: async (args, caller, operations) => {
      const key = optionalText(args['key']);
      return key === undefined ? failed(invalid(['key'], 'give the key of the row')) : operations.row(p, key, caller);
    },
  };
}

function listTool(p: ProjectionEndpoint): ToolEntry {
  return {
    tool: {
      name: p.listTool,
      title: `List ${p.title} rows`,
      description: `${p.description} Lists rows in ${p.key} order, at most ${MAX_PAGE} per call; pass the returned next as after for the following page.`,
      inputSchema: object(
        {
          after: text('The next value of the previous page.'),
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, description: 'Rows per page (default 20).' },
        },
        [],
      ),
      outputSchema: object({ rows: { type: 'array', items: p.rowSchema }, next: { type: ['string', 'null'] } }, ['rows', 'next']),
      annotations: READ,
    },
    writes: false,
    call: async (args, caller, operations) => {
      const limit = args['limit'];
      if (limit !== undefined && typeof limit !== 'number') return failed(invalid(['limit'], `limit is a whole number from 1 to ${MAX_PAGE}`));
      return operations.rows(p, { after: optionalText(args['after']), limit }, caller);
    },
  };
}

function historyTool(): ToolEntry {
  return {
    tool: {
      name: 'history',
      title: 'What happened',
      description:
        'Every command recorded (accepted, refused or failed) for one stream, data subject, correlation or actor, oldest first, with who acted, for whom, through which surface, and the events it recorded. Give exactly one of stream, subject, correlation, actor.',
      inputSchema: object(
        {
          stream: text('An aggregate id.'),
          subject: text('A data subject, such as a customer id.'),
          correlation: text('A correlation id.'),
          actor: text('An actor id.'),
        },
        [],
      ),
      outputSchema: object({ entries: { type: 'array', items: { type: 'object' } }, truncated: { type: 'boolean' } }, ['entries', 'truncated']),
      annotations: READ,
    },
    writes: false,
    call: async (args, caller, operations) => {
      const given = (['stream', 'subject', 'correlation', 'actor'] as const).filter((k) => optionalText(args[k]) !== undefined);
      if (given.length !== 1) return failed(invalid(['arguments'], 'give exactly one of stream, subject, correlation or actor'));
      const kind = given[0]!;
      return operations.history({ [kind]: optionalText(args[kind])! } as CommandQuery, caller);
    },
  };
}

function stateAtTool(surface: SurfaceDefinition): ToolEntry {
  const aggregates = surface.aggregates.map((a) => a.aggregate.name);
  return {
    tool: {
      name: 'state_at',
      title: 'State at a point in the past',
      description: 'The state of one aggregate as of a version or a time (ISO 8601), folded from its events; now when neither is given.',
      inputSchema: object(
        {
          aggregate: { type: 'string', enum: aggregates, description: 'The aggregate type.' },
          id: text('The aggregate id.'),
          version: { type: 'integer', minimum: 0, description: 'The version to stop at.' },
          at: { type: 'string', format: 'date-time', description: 'The time to stop at.' },
        },
        ['aggregate', 'id'],
      ),
      outputSchema: object({ state: { type: 'object' }, version: { type: 'integer' } }, ['state', 'version']),
      annotations: READ,
    },
    writes: false,
    call: async (args, caller, operations) => {
      const aggregate = optionalText(args['aggregate']);
      const id = optionalText(args['id']);
      if (aggregate === undefined || id === undefined) return failed(invalid(['aggregate'], 'give the aggregate type and id'));
      const version = args['version'];
      const at = optionalText(args['at']);
      if (version !== undefined && at !== undefined) return failed(invalid(['version'], 'give version or at, not both'));
      if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 0))
        return failed(invalid(['version'], 'a version is a whole number'));
      if (at !== undefined && Number.isNaN(Date.parse(at))) return failed(invalid(['at'], 'at is an ISO 8601 time'));
      const when = typeof version === 'number' ? { version } : { time: at === undefined ? new Date().toISOString() : new Date(at).toISOString() };
      return operations.stateAt(aggregate, id, when, caller);
    },
  };
}

function verifyTool(): ToolEntry {
  return {
    tool: {
      name: 'verify_store',
      title: 'Verify the record',
      description: 'Checks every hash chain and signed checkpoint of the store and names the first altered row when one was.',
      inputSchema: object({}, []),
      outputSchema: object(
        { ok: { type: 'boolean' }, rows: { type: 'object' }, checkpoints: { type: 'object' }, findings: { type: 'array', items: { type: 'object' } } },
        ['ok', 'rows', 'checkpoints', 'findings'],
      ),
      annotations: READ,
    },
    writes: false,
    call: (_, caller, operations) => operations.verify(caller),
  };
}

function statusTool(): ToolEntry {
  return {
    tool: {
      name: 'command_status',
      title: 'Status of a command',
      description: 'Whether a command you sent was queued, succeeded (with its versions) or was refused (with why).',
      inputSchema: object({ commandId: text('The command id a command tool answered with.') }, ['commandId']),
      outputSchema: object(
        {
          commandId: { type: 'string' },
          status: { type: 'string', enum: ['queued', 'accepted', 'unknown', 'succeeded', 'rejected', 'failed'] },
          command: { type: 'string' },
          streamId: { type: 'string' },
          versions: { anyOf: [object({ from: { type: 'integer' }, to: { type: 'integer' } }, ['from', 'to']), { type: 'null' }] },
          error: { anyOf: [{ type: 'object' }, { type: 'null' }] },
        },
        ['commandId', 'status'],
      ),
      annotations: READ,
    },
    writes: false,
    call: async (args, caller, operations) => {
      const id = optionalText(args['commandId']);
      return id === undefined ? failed(invalid(['commandId'], 'give a command id')) : operations.status(id, caller);
    },
  };
}

function undoTool(): ToolEntry {
  return {
    tool: {
      name: 'undo_command',
      title: 'Undo a command',
      description:
        'Runs the compensating command the spec declares for an accepted command (once; a second undo is refused). Commands without a declared undo cannot be undone.',
      inputSchema: object({ commandId: text('The id of the accepted command to undo.') }, ['commandId']),
      outputSchema: COMMAND_OUTPUT,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    writes: true,
    call: async (args, caller, operations) => {
      const id = optionalText(args['commandId']);
      if (id === undefined) return failed(invalid(['commandId'], 'give the id of the command to undo'));
      const answer = await operations.undo(id, caller);
      return answer.ok && answer.value.kind === 'done' ? { ok: true, value: answer.value.body } : answer;
    },
  };
}

function decisionTool(name: string, decision: 'approved' | 'refused'): ToolEntry {
  const verb = decision === 'approved' ? 'Approve' : 'Refuse';
  return {
    tool: {
      name,
      title: `${verb} a request for approval`,
      description: `${verb} a pending request for approval of a command. Only a human holding a role the command's approval names may, never the one who asked nor the person the command acts for.`,
      inputSchema: object({ approvalId: text('The id of the request.'), reason: { type: 'string', maxLength: 500, description: 'Why, for the record.' } }, [
        'approvalId',
      ]),
      outputSchema: object(
        { ok: { type: 'boolean' }, commandId: { type: 'string' }, approvalId: { type: 'string' }, decision: { type: 'string' }, command: { type: 'string' } },
        ['approvalId', 'decision'],
      ),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    writes: true,
    call: async (args, caller, operations) => {
      const id = optionalText(args['approvalId']);
      if (id === undefined) return failed(invalid(['approvalId'], 'give the id of the request'));
      return operations.decide(id, decision, optionalText(args['reason']), caller);
    },
  };
}

/**
 * A failure as a tool result: a text saying what happened and what to do, then the problem details
 * as JSON. Not as structured content: clients check that against the tool's output schema, which
 * describes the answer.
 */
export function errorResult(failure: SurfaceFailure): ToolResult {
  const details = problemOf(failure);
  return {
    content: [
      { type: 'text', text: `${PROBLEMS[failure.code].title}: ${details.detail}. ${whatToDo(failure)}` },
      { type: 'text', text: JSON.stringify({ error: details }) },
    ],
    isError: true,
  };
}

function whatToDo(failure: SurfaceFailure): string {
  switch (failure.code) {
    case 'validation':
      return 'Fix the fields named and call again with the same idempotencyKey.';
    case 'approval-required':
      return failure.approvalId === null
        ? 'This command needs a human approval first.'
        : `Ask a human with one of the roles ${failure.by.join(', ')} to approve request ${failure.approvalId} (before ${failure.expiresAt}), then call again with approvalId "${failure.approvalId}" and the same input.`;
    case 'forbidden':
    case 'unauthenticated':
      return 'This identity may not do this; retrying will not help.';
    case 'in-flight':
    case 'rate-limited':
    case 'storage':
      return 'Wait a moment and call again with the same idempotencyKey.';
    case 'idempotency-mismatch':
      return 'That idempotencyKey was used for another action: use a new key for a new action.';
    case 'conflict':
    case 'precondition-failed':
      return 'The data changed meanwhile: read it again before deciding.';
    default:
      return 'Do not retry the same call.';
  }
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function failed(failure: SurfaceFailure): Answer<never> {
  return { ok: false, failure };
}
