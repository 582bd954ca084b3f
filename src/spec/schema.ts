/**
 * The spec format, version 1. This zod schema is the single source of truth for the shape of a
 * `*.groundwork.yaml` file: the TypeScript types below are inferred from it and the JSON Schema in
 * `schemas/` is generated from it. Names, references and cross-field rules are checked afterwards
 * by `model/check.ts`, where they can be reported with better messages.
 */
import { z } from 'zod';

export const FORMAT_VERSION = 1;

export const BUILTIN_TYPES = ['string', 'integer', 'number', 'boolean', 'datetime', 'date', 'uuid', 'ulid', 'email', 'enum', 'list'] as const;
export type BuiltinType = (typeof BUILTIN_TYPES)[number];

export const ACTOR_KINDS = ['human', 'agent', 'service', 'job'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

const description = z.string().max(2000).describe('Free text for people; copied into generated doc comments (escaped).');

const typeName = z.string().describe(`A built-in type (${BUILTIN_TYPES.join(', ')}) or the name of a type declared under \`types\`.`);

const fieldObject = z
  .strictObject({
    type: typeName,
    optional: z.boolean().describe('The field may be left out. Default false.').optional(),
    pii: z
      .boolean()
      .describe('Personal data: encrypted per subject at rest and erased by `forget`. Cannot be an id, a subject or a projection key.')
      .optional(),
    description: description.optional(),
    min: z.number().describe('Smallest allowed value (integer and number).').optional(),
    max: z.number().describe('Largest allowed value (integer and number).').optional(),
    minLength: z.int().nonnegative().describe('Shortest allowed length (string and email: characters; list: items).').optional(),
    maxLength: z.int().nonnegative().describe('Longest allowed length (string and email: characters; list: items).').optional(),
    pattern: z.string().max(1000).describe('A JavaScript regular expression (u flag) the whole string must match (string only).').optional(),
    values: z.array(z.string().min(1).max(200)).describe('The allowed values of an enum, in order.').optional(),
    references: z
      .string()
      .describe(
        "Command input only: this ulid field names an aggregate of this context (by its PascalCase name). The pipeline checks that it exists, is in the caller's tenant and, for an actor bound to a subject, belongs to that subject.",
      )
      .optional(),
    get items(): z.ZodOptional<typeof field> {
      return field.describe('The type of each item of a list: a type name or a field definition.').optional();
    },
  })
  .describe('A field with its type and constraints.');

export const field: z.ZodUnion<readonly [typeof typeName, typeof fieldObject]> = z
  .union([typeName, fieldObject])
  .describe('A field: its type name as shorthand (`amount: integer`), or a mapping with `type` and constraints.');

const fieldMap = z.record(z.string(), field).describe('Fields by camelCase name, in the order they are stored.');

/**
 * `{description, fields}`, or a plain field map as shorthand. The output records which form was
 * written, because the document path of a field depends on it.
 */
function structure(what: string) {
  return z.union([
    z
      .strictObject({
        description: description.optional(),
        fields: fieldMap,
      })
      .describe(`A ${what} with a description. Its fields go under \`fields\`.`)
      .transform((value) => ({ ...value, form: 'longhand' as const })),
    fieldMap.transform((fields) => ({ fields, form: 'shorthand' as const, description: undefined })),
  ]);
}

const typeDef = structure('named value type').describe('A named value type: a field map, or `{description, fields}`.');

const eventDef = z
  .union([
    z
      .strictObject({
        description: description.optional(),
        version: z
          .int()
          .min(1)
          .max(1000)
          .describe('The current schema version of the event. Default 1. Raise it when the fields change, and keep the old shape under `previous`.')
          .optional(),
        fields: fieldMap,
        previous: z
          .record(z.string(), fieldMap)
          .describe('The field map of each earlier version, by version number: stored events of those versions are read through upcasters.')
          .optional(),
      })
      .describe('An event with a description, a version or earlier shapes. Its fields go under `fields`.')
      .transform((value) => ({ ...value, form: 'longhand' as const })),
    fieldMap.transform((fields) => ({ fields, form: 'shorthand' as const, description: undefined, version: undefined, previous: undefined })),
  ])
  .describe('An event: a field map (`{}` for none), or `{description, version, fields, previous}`.');

const roleList = z.array(z.string().describe('A role name, such as `support`.')).describe('The roles that may run this command.');

const command = z
  .strictObject({
    description: description.optional(),
    creates: z.boolean().describe('This command starts a new aggregate; it is refused when the aggregate already exists. Default false.').optional(),
    input: fieldMap.describe('The command input fields (the aggregate id is implied).').optional(),
    emits: z.array(z.string().describe('An event name of the same aggregate.')).describe('The events this command may record. At least one.'),
    allow: z
      .union([roleList, z.literal('public').describe('Any authenticated caller may run this command.')])
      .describe('Required. The roles allowed to run the command, or `public`. Access is denied by default.')
      .optional(),
    actors: z
      .array(z.enum(ACTOR_KINDS).describe('An actor kind.'))
      .describe('The kinds of actor that may run this command: human, agent, service, job. Default all.')
      .optional(),
    undo: z.string().describe('The compensating command of the same aggregate that `groundwork undo` dispatches.').optional(),
    approval: z
      .strictObject({
        description: description.optional(),
        actors: z
          .array(z.enum(ACTOR_KINDS).describe('An actor kind.'))
          .describe('The kinds of actor whose calls need approval: human, agent, service, job. Default all.')
          .optional(),
        by: roleList.describe('The roles that may approve. The approver is a human and never the requester. At least one.'),
        expires: z.string().describe('How long a request for approval stays open, and an approval stays usable: a number and s, m, h or d, such as `15m`.'),
      })
      .describe(
        "Calls of these actors need a human's approval first: the first call records a request, a human approves it, the caller runs the command again with the approval id.",
      )
      .optional(),
  })
  .describe('A command: what a caller asks the aggregate to do.');

const accessRule = z
  .strictObject({
    description: description.optional(),
    allow: roleList.describe('The roles that may run this operation. At least one.'),
    actors: z
      .array(z.enum(ACTOR_KINDS).describe('An actor kind.'))
      .describe('The kinds of actor that may run this operation: human, agent, service, job. Default all.')
      .optional(),
  })
  .describe('Who may run a trust operation: roles and actor kinds.');

const readRule = accessRule
  .extend({
    allow: roleList.describe('The roles that may read. At least one.'),
    pii: roleList.describe('The roles among `allow` that also see personal data (pii fields); everyone else reads without them. Default none.').optional(),
  })
  .describe('Who may read over HTTP and MCP: roles and actor kinds; an `own` role reads only its own data.');

const role = z
  .strictObject({
    description: description.optional(),
    scope: z
      .enum(['own', 'any'])
      .describe(
        '`own`: an actor whose only allowed role for a command is this one is the data subject and may touch only its own aggregates. `any` (the default): no such binding.',
      )
      .optional(),
  })
  .describe('A role callers may hold.');

const aggregate = z
  .strictObject({
    description: description.optional(),
    id: z.string().describe('The camelCase name of the aggregate id, such as `orderId`. Ids are ULIDs.'),
    subject: z
      .string()
      .describe(
        'The state field that names whose data this is (the data subject), or the aggregate id for an aggregate that is its own subject: used for on-behalf-of checks, history and `forget`.',
      )
      .optional(),
    snapshotEvery: z.int().min(1).max(1_000_000).describe('Write a snapshot of the state every N events. Default: no snapshots.').optional(),
    state: fieldMap.describe('The fields of the aggregate state that `evolve` maintains.').optional(),
    events: z.record(z.string(), eventDef).describe('The events of this aggregate, by PascalCase name.'),
    commands: z.record(z.string(), command).describe('The commands of this aggregate, by PascalCase name.'),
  })
  .describe('An aggregate: a consistency boundary with its state, events and commands.');

const projection = z
  .strictObject({
    description: description.optional(),
    key: z.string().describe('The column that identifies a row: an aggregate id or a field of the events in `on`.'),
    columns: fieldMap.describe('The columns of the read model table, besides the key.'),
    on: z.array(z.string().describe('An event name.')).min(1).describe('The events this projection handles. It never skips one.'),
    read: readRule
      .extend({
        subject: z
          .string()
          .describe(
            "The column (or the key) that names whose data a row is: an actor acting for someone, or holding an `own` role, reads only that subject's rows.",
          )
          .optional(),
      })
      .describe('Who may read this projection over HTTP and MCP. Without it, nobody may.')
      .optional(),
  })
  .describe('A projection: a read model table kept up to date from events.');

export const specSchema = z
  .strictObject({
    groundwork: z.literal(FORMAT_VERSION).describe('The spec format version. Always 1 for this release.'),
    context: z.string().describe('The bounded context this file declares, in kebab-case, such as `billing`. One per file.'),
    description: description.optional(),
    types: z.record(z.string(), typeDef).describe('Named value types shared by the fields of this context, by PascalCase name.').optional(),
    aggregates: z.record(z.string(), aggregate).describe('The aggregates of this context, by PascalCase name.').optional(),
    projections: z.record(z.string(), projection).describe('The projections (read models) of this context, by PascalCase name.').optional(),
    roles: z
      .record(z.string(), role)
      .describe('The roles of this context, by lower-case name. Once any is declared, every role a command allows must be declared.')
      .optional(),
    operations: z
      .strictObject({
        forget: accessRule.describe('Who may forget a data subject (erase its personal data for good). Without it, forget is denied to everyone.').optional(),
        history: readRule.describe('Who may read the history (audit records with their events) over HTTP and MCP. Without it, nobody may.').optional(),
        stateAt: readRule.describe("Who may read an aggregate's state at a past version or time over HTTP and MCP. Without it, nobody may.").optional(),
        verify: accessRule.describe('Who may run verify over HTTP and MCP. Without it, nobody may.').optional(),
      })
      .describe('Who may run the trust operations. Declared in at most one file of a project.')
      .optional(),
  })
  .describe('A Groundwork spec: one bounded context.');

export type Spec = z.output<typeof specSchema>;
export type FieldSpec = z.output<typeof field>;
export type FieldObjectSpec = z.output<typeof fieldObject>;
export type FieldMapSpec = z.output<typeof fieldMap>;
export type StructureSpec = z.output<typeof typeDef>;
export type EventSpec = z.output<typeof eventDef>;
export type AggregateSpec = z.output<typeof aggregate>;
export type CommandSpec = z.output<typeof command>;
export type ProjectionSpec = z.output<typeof projection>;
export type AccessRuleSpec = z.output<typeof accessRule>;
export type ReadRuleSpec = z.output<typeof readRule>;
export type RoleSpec = z.output<typeof role>;

/** The keys each kind of mapping accepts, for did-you-mean hints on unknown keys. */
export const KNOWN_KEYS = {
  root: Object.keys(specSchema.shape),
  aggregate: Object.keys(aggregate.shape),
  command: Object.keys(command.shape),
  projection: Object.keys(projection.shape),
  role: Object.keys(role.shape),
  operations: ['forget', 'history', 'stateAt', 'verify'],
  accessRule: Object.keys(accessRule.shape),
  field: Object.keys(fieldObject.shape),
  structure: ['description', 'fields'],
  event: ['description', 'version', 'fields', 'previous'],
} as const;
