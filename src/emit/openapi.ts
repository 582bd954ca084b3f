/**
 * The OpenAPI 3.1 document of a project's HTTP API, written at `gen` time from the model: one
 * operation per command, the status and undo routes, the approvals, and the reads the spec allows.
 * Deterministic: the same specs give the same document, its version a hash of its paths.
 */
import { createHash } from 'node:crypto';
import type { Project } from '../model/model.js';
import { ident, title } from './code.js';
import type { JsonSchema, JsonValue } from './json-schema.js';
import { commandDescription, inputSchema, rowSchema } from './describe.js';

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: PROBLEM } } });
const ERRORS = {
  '400': problem('Invalid input, header or query (with the field paths).'),
  '401': problem('No valid bearer token; WWW-Authenticate names the protected-resource metadata.'),
  '403': problem('Not allowed (with the reason), or a human must approve first (with the approval id).'),
  '404': problem('Not found in your tenant.'),
  '429': problem('Too many requests; Retry-After says when to come back.'),
  '500': problem('The server failed; the audit log records why.'),
  '503': problem('The store is unavailable; nothing was written.'),
};
const COMMAND_ERRORS = {
  ...ERRORS,
  '409': problem('Already exists, a conflict, a request with this key still in flight, not undoable or already undone.'),
  '410': problem('The data subject was forgotten.'),
  '412': problem('The stream is not at the version If-Match names.'),
  '413': problem('The body is too large.'),
  '422': problem('A business rule refused it, the idempotency key was used with another request, or the input names something that does not exist.'),
};

const header = (name: string, description: string, required = false, schema: JsonSchema = { type: 'string' }) => ({
  name,
  in: 'header',
  required,
  description,
  schema,
});
const query = (name: string, description: string, schema: JsonSchema = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const path = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const json = (schema: JsonSchema, description: string) => ({ description, content: { 'application/json': { schema } } });

const EVENT = {
  type: 'object',
  properties: { type: { type: 'string' }, version: { type: 'integer' }, data: { type: 'object' } },
  required: ['type', 'version', 'data'],
};
const COMMAND_RESULT = {
  type: 'object',
  properties: { commandId: { type: 'string' }, streamId: { type: 'string' }, version: { type: 'integer' }, events: { type: 'array', items: EVENT } },
  required: ['commandId', 'streamId', 'version', 'events'],
};

export function openApiDocument(project: Project, name: string): JsonSchema {
  const paths: Record<string, JsonValue> = {};
  for (const context of project.contexts) {
    for (const a of context.aggregates) {
      for (const c of a.commands) {
        const pascal = ident(c.name, 'pascal');
        paths[`/commands/${pascal}`] = {
          post: {
            operationId: pascal,
            summary: title(pascal),
            description: commandDescription(a, c),
            tags: [a.name],
            parameters: [
              header(
                'Idempotency-Key',
                'A unique value per intended action; the same on every retry. Required, except for a dry run and a run under an approval.',
                false,
                {
                  type: 'string',
                  pattern: '^[\\x21-\\x7e]{1,128}$',
                },
              ),
              header('If-Match', 'The ETag of the stream version you last saw: refused with 412 if it moved.'),
              header('Prefer', '`respond-async`: answer 202 once the command is durable, before it runs.'),
              header('Approval-Id', 'The approval id a first call was answered with, once a human approved it.'),
              query('dryRun', '`true`: check and show the events it would record, change nothing.', { type: 'string', enum: ['true', 'false'] }),
            ],
            requestBody: { required: true, content: { 'application/json': { schema: inputSchema(context, a, c) } } },
            responses: {
              [c.creates ? '201' : '200']: {
                ...json(COMMAND_RESULT, 'Done: the events recorded. ETag is the stream version.'),
                headers: { ETag: { schema: { type: 'string' } } },
              },
              ...(c.creates ? { '200': json(COMMAND_RESULT, 'A dry run: the events it would record.') } : {}),
              '202': json(
                { type: 'object', properties: { commandId: { type: 'string' }, status: { type: 'string' } }, required: ['commandId', 'status'] },
                'Accepted (Prefer: respond-async): durable, not yet run; Location is its status.',
              ),
              ...COMMAND_ERRORS,
            },
          },
        };
      }
    }
  }
  paths['/commands/{commandId}'] = {
    get: {
      operationId: 'commandStatus',
      summary: 'Status of a command',
      parameters: [path('commandId', 'The command id.')],
      responses: {
        '200': json(
          { type: 'object', properties: { commandId: { type: 'string' }, status: { type: 'string' } }, required: ['commandId', 'status'] },
          'Its status.',
        ),
        ...ERRORS,
      },
    },
  };
  paths['/commands/{commandId}/undo'] = {
    post: {
      operationId: 'undoCommand',
      summary: 'Undo a command',
      description: 'Runs the compensating command the spec declares for an accepted command, once.',
      parameters: [path('commandId', 'The id of the accepted command.')],
      responses: { '200': json(COMMAND_RESULT, 'The compensating command was recorded.'), ...COMMAND_ERRORS },
    },
  };
  for (const verb of ['approve', 'refuse']) {
    paths[`/approvals/{approvalId}/${verb}`] = {
      post: {
        operationId: `${verb}Request`,
        summary: `${title(verb)} a request for approval`,
        description: 'Only a human holding a role the command names, never the requester nor the person the command acts for.',
        parameters: [path('approvalId', 'The id of the request.')],
        requestBody: {
          required: false,
          content: {
            'application/json': { schema: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } }, additionalProperties: false } },
          },
        },
        responses: { '200': json({ type: 'object' }, 'Decided.'), ...ERRORS },
      },
    };
  }
  for (const context of project.contexts) {
    for (const p of context.projections) {
      if (p.read === undefined) continue;
      const row = rowSchema(context, p);
      const readers = `Readable by ${p.read.allow.join(', ')}; personal data only for ${p.read.pii.length === 0 ? 'nobody' : p.read.pii.join(', ')}.`;
      paths[`/projections/${p.name}`] = {
        get: {
          operationId: `list${p.name}`,
          summary: `List ${title(p.name)} rows`,
          description: `${p.description ?? p.name} ${readers}`,
          tags: ['reads'],
          parameters: [
            query('after', 'The next value of the previous page.'),
            query('limit', 'Rows per page, 1 to 100 (default 20).', { type: 'integer', minimum: 1, maximum: 100 }),
          ],
          responses: {
            '200': json(
              { type: 'object', properties: { rows: { type: 'array', items: row }, next: { type: ['string', 'null'] } }, required: ['rows', 'next'] },
              'A page.',
            ),
            ...ERRORS,
          },
        },
      };
      paths[`/projections/${p.name}/{key}`] = {
        get: {
          operationId: `get${p.name}`,
          summary: `One ${title(p.name)} row`,
          description: readers,
          tags: ['reads'],
          parameters: [path('key', `The ${p.key}.`)],
          responses: { '200': json(row, 'The row.'), ...ERRORS },
        },
      };
    }
  }
  if (project.history !== undefined) {
    paths['/history'] = {
      get: {
        operationId: 'history',
        summary: 'What happened',
        description: 'Every command recorded for one stream, subject, correlation or actor, oldest first, with its events. Give exactly one.',
        tags: ['reads'],
        parameters: ['stream', 'subject', 'correlation', 'actor'].map((k) => query(k, `A ${k} id.`)),
        responses: {
          '200': json(
            { type: 'object', properties: { entries: { type: 'array', items: { type: 'object' } }, truncated: { type: 'boolean' } } },
            'The entries.',
          ),
          ...ERRORS,
        },
      },
    };
  }
  if (project.stateAt !== undefined) {
    paths['/aggregates/{aggregate}/{id}/state'] = {
      get: {
        operationId: 'stateAt',
        summary: 'State at a version or time',
        tags: ['reads'],
        parameters: [
          path('aggregate', 'The aggregate type.'),
          path('id', 'The aggregate id.'),
          query('version', 'Stop at this version.', { type: 'integer', minimum: 0 }),
          query('at', 'Stop at this time.', { type: 'string', format: 'date-time' }),
        ],
        responses: {
          '200': json(
            { type: 'object', properties: { state: { type: 'object' }, version: { type: 'integer' } }, required: ['state', 'version'] },
            'The state.',
          ),
          ...ERRORS,
        },
      },
    };
  }
  if (project.verify !== undefined) {
    paths['/verify'] = {
      get: { operationId: 'verify', summary: 'Verify the record', tags: ['reads'], responses: { '200': json({ type: 'object' }, 'The report.'), ...ERRORS } },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${name} API`,
      version: `1.0.0+${createHash('sha256').update(JSON.stringify(paths)).digest('hex').slice(0, 12)}`,
      description: project.contexts.map((c) => c.description ?? c.name).join(' '),
      'x-generated-by': 'groundwork gen: do not edit',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details, with the stable code and the failure fields.',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            code: { type: 'string' },
          },
          required: ['type', 'title', 'status', 'detail', 'code'],
        },
      },
    },
  };
}
