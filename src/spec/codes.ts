/**
 * Every diagnostic Groundwork can report, with its stable code.
 * Codes never change meaning once released; docs/rules.md is checked against this table.
 */
export type Severity = 'error' | 'warning';

export interface Rule {
  readonly name: string;
  readonly severity: Severity;
  readonly summary: string;
}

export const RULES = {
  // Reading the file and YAML syntax
  GW0001: { name: 'yaml-syntax', severity: 'error', summary: 'The file is not valid YAML (bad indentation, unclosed quote or bracket, tab indentation, ...).' },
  GW0002: { name: 'duplicate-key', severity: 'error', summary: 'A mapping has the same key twice; YAML would silently keep only one.' },
  GW0003: { name: 'file-too-large', severity: 'error', summary: 'A spec file is larger than 1 MiB; split the context into several files.' },
  GW0004: { name: 'nesting-too-deep', severity: 'error', summary: 'The YAML nests deeper than 64 levels; no valid spec needs that.' },
  GW0005: { name: 'alias-limit', severity: 'error', summary: 'Anchors and aliases expand past the safety limit (protects against "billion laughs" inputs).' },
  GW0006: { name: 'not-a-spec', severity: 'error', summary: 'The document is empty or its top level is not a mapping.' },
  GW0007: { name: 'multiple-documents', severity: 'error', summary: 'A spec file holds more than one YAML document; use one file per bounded context.' },

  // Shape: the zod schema
  GW1001: { name: 'unknown-key', severity: 'error', summary: 'A key the spec format does not define (usually a typo; a did-you-mean hint is given).' },
  GW1002: { name: 'missing-key', severity: 'error', summary: 'A required key is missing.' },
  GW1003: { name: 'wrong-type', severity: 'error', summary: 'A value has the wrong YAML type (for example a list where a mapping is expected).' },
  GW1004: { name: 'invalid-value', severity: 'error', summary: 'A value is out of range or not one of the allowed values.' },
  GW1005: { name: 'unsupported-version', severity: 'error', summary: '`groundwork:` names a format version this release cannot read (this release reads 1).' },

  // References
  GW1010: { name: 'unknown-type', severity: 'error', summary: 'A field type is neither a built-in type nor a type declared under `types`.' },
  GW1011: { name: 'type-cycle', severity: 'error', summary: 'Named types refer to each other in a cycle; such a value could never be written down.' },
  GW1012: { name: 'unknown-event', severity: 'error', summary: 'A command emits an event its aggregate does not declare.' },
  GW1013: { name: 'unknown-undo', severity: 'error', summary: '`undo` names a command that does not exist in the same aggregate.' },
  GW1014: {
    name: 'undo-creates',
    severity: 'error',
    summary: '`undo` names a command with `creates: true`; a compensating command acts on an existing aggregate.',
  },
  GW1015: { name: 'unknown-projection-event', severity: 'error', summary: 'A projection listens (`on`) to an event no aggregate declares.' },
  GW1016: { name: 'unknown-subject', severity: 'error', summary: "An aggregate's `subject` is neither a field of its state nor the aggregate's own id." },
  GW1017: { name: 'unresolved-key', severity: 'error', summary: 'A projection `key` is neither an aggregate id nor a field of any event it listens to.' },
  GW1018: { name: 'id-clash', severity: 'error', summary: "An aggregate's `id` is also declared as a field of its state, input or events with another type." },
  GW1019: {
    name: 'unknown-reference',
    severity: 'error',
    summary: '`references` names no aggregate of the same context; only aggregates the pipeline can look up in its own store can be referenced.',
  },

  // Names
  GW1030: {
    name: 'name-case',
    severity: 'error',
    summary:
      'Aggregates, commands, events, projections and types are PascalCase; fields, ids and keys are camelCase; contexts are kebab-case; roles are lower-case.',
  },
  GW1031: {
    name: 'reserved-name',
    severity: 'error',
    summary: 'A name is a JavaScript/TypeScript reserved word, a global, an Object.prototype member or a name Groundwork generates itself.',
  },
  GW1032: {
    name: 'invisible-character',
    severity: 'error',
    summary: 'A name contains an invisible, bidi-control or non-ASCII character that would make two names look alike.',
  },
  GW1033: { name: 'name-length', severity: 'error', summary: 'A name is empty or longer than 64 characters.' },
  GW1034: {
    name: 'duplicate-name',
    severity: 'error',
    summary: 'Two declarations share a name within one project (names are global: they become TypeScript types and file names).',
  },
  GW1035: { name: 'case-twin', severity: 'error', summary: 'Two names differ only in letter case; they would collide as file names on macOS and Windows.' },
  GW1036: {
    name: 'unsafe-file-name',
    severity: 'error',
    summary: 'A name is a reserved device name on Windows (CON, NUL, COM1, ...) and cannot be a file name.',
  },
  GW1037: { name: 'duplicate-context', severity: 'error', summary: 'Two spec files declare the same `context`.' },

  // Commands and authorization
  GW1050: { name: 'emits-empty', severity: 'error', summary: 'A command emits no event; every accepted command must leave a record.' },
  GW1051: {
    name: 'allow-missing',
    severity: 'error',
    summary: 'A command has no `allow`; access is denied by default, so list roles or write `allow: public`.',
  },
  GW1052: { name: 'unknown-actor-kind', severity: 'error', summary: '`actors` may only list human, agent, service and job.' },
  GW1053: { name: 'duplicate-entry', severity: 'error', summary: 'A list (`emits`, `allow`, `actors`, `on`, enum `values`) names the same entry twice.' },
  GW1054: {
    name: 'undeclared-role',
    severity: 'error',
    summary: 'The file declares `roles`, and an `allow` list names a role that is not among them (usually a typo).',
  },
  GW1055: {
    name: 'own-role-without-subject',
    severity: 'error',
    summary: 'A role with `scope: own` may run a command of an aggregate that declares no `subject`, so nobody holding only that role could ever pass.',
  },
  GW1056: {
    name: 'misplaced-reference',
    severity: 'error',
    summary: '`references` is only checked on a top-level `ulid` field of command input; elsewhere it would promise a check that never runs.',
  },
  GW1057: {
    name: 'operations-twice',
    severity: 'error',
    summary: 'Two spec files declare the same trust operation under `operations`; who may run it must be said once per project.',
  },
  GW1058: {
    name: 'approval-invalid',
    severity: 'error',
    summary: 'An `approval` names no approving role, or an expiry that is not a duration from 1 minute to 30 days (`30s` is too short, `45d` too long).',
  },
  GW1059: {
    name: 'read-invalid',
    severity: 'error',
    summary:
      "A `read` rule could never be checked: its `subject` is not a column of the projection, an `own` role may read a projection with no `subject`, or a `pii` role is not one of the rule's `allow`.",
  },

  // Fields and constraints
  GW1070: { name: 'pii-id', severity: 'error', summary: 'A `pii` field is used as an aggregate id; ids are stored in clear and can never be erased.' },
  GW1071: { name: 'pii-key', severity: 'error', summary: 'A `pii` field or column is a projection key; keys are stored in clear and can never be erased.' },
  GW1072: {
    name: 'pii-subject',
    severity: 'error',
    summary: "An aggregate's `subject` field is `pii`; subject ids go into the audit log, which holds no personal data.",
  },
  GW1073: { name: 'enum-values', severity: 'error', summary: 'An enum has no `values`, or a non-enum field has `values`.' },
  GW1074: { name: 'min-max', severity: 'error', summary: '`min` is greater than `max`, or `minLength` greater than `maxLength`.' },
  GW1075: { name: 'bad-pattern', severity: 'error', summary: '`pattern` is not a valid regular expression (JavaScript syntax, `u` flag).' },
  GW1076: {
    name: 'constraint-not-applicable',
    severity: 'error',
    summary: 'A constraint does not apply to the field type (for example `pattern` on an integer).',
  },
  GW1077: { name: 'list-items', severity: 'error', summary: 'A `list` field has no `items`, or a non-list field has `items`.' },

  // Warnings
  GW1090: { name: 'unused-event', severity: 'warning', summary: 'An event is declared but no command emits it.' },
  GW1091: { name: 'unused-type', severity: 'warning', summary: 'A named type is declared but never used.' },

  // Event versions
  GW1100: {
    name: 'version-gap',
    severity: 'error',
    summary: 'An event at `version: N` lacks the shape of an earlier version under `previous`; every version from 1 to N-1 is declared.',
  },
  GW1101: {
    name: 'version-order',
    severity: 'error',
    summary: 'A version under `previous` is not a whole number below the current `version`; version numbers only grow.',
  },
  GW1102: {
    name: 'version-pii-dropped',
    severity: 'error',
    summary: 'A field that was `pii` in an earlier version of an event is not `pii` in a later one; the stored ciphertext still needs its key.',
  },

  // Breaking changes: `groundwork validate --against` an older spec
  GW1120: { name: 'event-removed', severity: 'error', summary: 'An event of the older spec is gone or renamed; its stored events could no longer be read.' },
  GW1121: {
    name: 'event-field-removed',
    severity: 'error',
    summary: 'A field of an event (or of a named type) is gone or renamed without a new version; stored events still carry it under the old name.',
  },
  GW1122: {
    name: 'event-field-retyped',
    severity: 'error',
    summary: 'A field of an event (or of a named type) has a new type without a new version; stored values have the old type.',
  },
  GW1123: {
    name: 'event-field-required',
    severity: 'error',
    summary: 'A field of an event (or of a named type) became required, or a required one was added, without a new version; stored events lack it.',
  },
  GW1124: { name: 'enum-value-removed', severity: 'error', summary: 'An enum value is gone; stored events, states or callers still use it.' },
  GW1125: { name: 'command-removed', severity: 'error', summary: 'A command of the older spec is gone or renamed; its callers break.' },
  GW1126: {
    name: 'input-tightened',
    severity: 'error',
    summary: 'A command input field was removed, became required, was added as required, changed type, or got a stricter constraint; callers break.',
  },
  GW1127: {
    name: 'undo-target-removed',
    severity: 'error',
    summary: 'A command no longer names its `undo` command; recorded commands can no longer be undone.',
  },
  GW1128: {
    name: 'pii-removed',
    severity: 'error',
    summary: 'A field lost its `pii` flag; its stored values are ciphertext that now would be read as clear text.',
  },
  GW1129: {
    name: 'identity-changed',
    severity: 'error',
    summary: "An aggregate's `id` or `subject` changed; stored streams, keys and audit entries are addressed by the old one.",
  },
  GW1130: {
    name: 'version-lowered',
    severity: 'error',
    summary: "An event's `version` went down; its stored events were written with the higher one (a changed earlier shape is reported like a changed field).",
  },

  // Generated code
  GW2001: {
    name: 'missing-export',
    severity: 'error',
    summary: 'A file of yours lacks an export the generated wiring imports (reported by `gen --check --deep`).',
  },

  // Running the tool (these make the command exit 2)
  GW9001: { name: 'usage', severity: 'error', summary: 'The command line is wrong (unknown option, bad value).' },
  GW9002: { name: 'unreadable-file', severity: 'error', summary: 'A path given on the command line cannot be read.' },
  GW9003: { name: 'no-spec-files', severity: 'error', summary: 'No `*.groundwork.yaml` file was found where the command looked.' },
  GW9004: { name: 'write-failed', severity: 'error', summary: 'An output file could not be written.' },
  GW9005: {
    name: 'folder-not-empty',
    severity: 'error',
    summary: 'create-groundwork was pointed at a folder that has files in it (use --overwrite to write into it anyway).',
  },
  GW9006: {
    name: 'missing-input',
    severity: 'error',
    summary: 'A value the command needs was not given as a flag and there is no terminal to ask on (or prompts were turned off).',
  },
  GW9007: { name: 'step-failed', severity: 'error', summary: 'An external step (package install, git) failed; its own output is shown above.' },
  GW9008: { name: 'slice-exists', severity: 'error', summary: '`gen slice` was asked to add a command that the aggregate already has.' },
  GW9009: { name: 'unknown-aggregate', severity: 'error', summary: '`gen slice` names an aggregate that no spec file declares.' },
  GW9999: { name: 'internal', severity: 'error', summary: 'A bug in Groundwork. Please report it with the stack trace.' },
} as const satisfies Record<string, Rule>;

export type Code = keyof typeof RULES;

export function severityOf(code: Code): Severity {
  return RULES[code].severity;
}
