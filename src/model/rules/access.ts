/**
 * Access rules: declared roles and their scope, who may run the trust operations, and input
 * fields that reference another aggregate. What they declare is enforced by the pipeline, so a
 * declaration that could never be checked is an error here, not a silent no-op there.
 */
import { finding, type Finding, type Path } from '../../spec/diagnostics.js';
import type { AccessRuleSpec, FieldMapSpec, FieldSpec, ReadRuleSpec } from '../../spec/schema.js';
import { didYouMean } from '../../spec/suggest.js';
import { durationMs } from '../duration.js';
import { quote } from '../names.js';
import { asObject, checkName, reportDuplicates, structureFieldsPath, type SpecFile } from './shared.js';

/** How long an approval may stay open: long enough for a human to answer, short enough to stay a decision about now. */
export const APPROVAL_MIN_MS = 60_000;
export const APPROVAL_MAX_MS = 30 * 86_400_000;

export function checkAccess(f: SpecFile, out: Finding[]): void {
  checkRoles(f, out);
  checkApprovals(f, out);
  const operations = f.spec.operations ?? {};
  for (const operation of ['forget', 'verify'] as const) {
    const rule = operations[operation];
    if (rule !== undefined) checkAccessRule(f, ['operations', operation], operation, rule, out);
  }
  for (const operation of ['history', 'stateAt'] as const) {
    const rule = operations[operation];
    if (rule !== undefined) checkReadRule(f, ['operations', operation], `read ${operation === 'history' ? 'the history' : 'state-at'}`, rule, out);
  }
  checkProjectionReads(f, out);
  checkReferences(f, out);
}

function checkReadRule(f: SpecFile, path: Path, operation: string, rule: ReadRuleSpec, out: Finding[]): void {
  checkAccessRule(f, path, operation, rule, out);
  (rule.pii ?? []).forEach((role, i) => {
    if (!checkName(out, f.file, [...path, 'pii', i], role, 'role', 'value', 'role')) return;
    if (!rule.allow.includes(role)) {
      out.push(
        finding('GW1059', f.file, [...path, 'pii', i], `role ${quote(role)} may see personal data but may not ${operation} at all`, {
          hint: `add ${quote(role)} to \`allow\`, or remove it from \`pii\``,
        }),
      );
    }
  });
}

function checkProjectionReads(f: SpecFile, out: Finding[]): void {
  for (const [name, projection] of Object.entries(f.spec.projections ?? {})) {
    const read = projection.read;
    if (read === undefined) continue;
    const path = ['projections', name, 'read'];
    checkReadRule(f, path, `read ${name}`, read, out);
    const columns = [projection.key, ...Object.keys(projection.columns)];
    if (read.subject !== undefined && !columns.includes(read.subject)) {
      out.push(
        finding('GW1059', f.file, [...path, 'subject'], `${quote(read.subject)} is not a column of ${name}`, {
          hint: didYouMean(read.subject, columns) ?? `name the column that holds whose data a row is: one of ${columns.join(', ')}`,
        }),
      );
    }
    const own = read.allow.filter((role) => f.spec.roles?.[role]?.scope === 'own');
    if (read.subject === undefined && own.length > 0) {
      out.push(
        finding('GW1059', f.file, [...path, 'allow'], `role ${quote(own[0]!)} reads only its own data, but ${name} does not say whose data a row is`, {
          hint: 'name the column that holds the data subject with `subject:`, such as `subject: customerId`',
        }),
      );
    }
  }
}

/** A trust operation may be declared in one file only. */
export function checkOperationsOnce(files: readonly SpecFile[], out: Finding[]): void {
  const first = new Map<string, string>();
  for (const f of files) {
    for (const operation of Object.keys(f.spec.operations ?? {})) {
      const earlier = first.get(operation);
      if (earlier === undefined) {
        first.set(operation, f.file);
        continue;
      }
      out.push(
        finding('GW1057', f.file, ['operations', operation], `who may ${operation} is declared here and in ${earlier}`, {
          at: 'key',
          hint: 'declare it once, in the file of the context that owns personal data policy',
        }),
      );
    }
  }
}

function checkRoles(f: SpecFile, out: Finding[]): void {
  const roles = f.spec.roles;
  for (const name of Object.keys(roles ?? {})) checkName(out, f.file, ['roles', name], name, 'role', 'key', 'role');
  for (const [a, aggregate] of Object.entries(f.spec.aggregates ?? {})) {
    for (const [c, command] of Object.entries(aggregate.commands)) {
      if (command.allow === undefined || command.allow === 'public') continue;
      const path = ['aggregates', a, 'commands', c, 'allow'];
      command.allow.forEach((role, i) => {
        checkDeclared(f, [...path, i], role, out);
        if (roles?.[role]?.scope === 'own' && aggregate.subject === undefined) {
          out.push(
            finding('GW1055', f.file, [...path, i], `role ${quote(role)} acts only on its own data, but aggregate ${quote(a)} declares no \`subject\``, {
              hint: `declare whose data a ${a} is with \`subject:\`, or allow a role with \`scope: any\``,
            }),
          );
        }
      });
    }
  }
}

function checkApprovals(f: SpecFile, out: Finding[]): void {
  for (const [a, aggregate] of Object.entries(f.spec.aggregates ?? {})) {
    for (const [c, command] of Object.entries(aggregate.commands)) {
      const approval = command.approval;
      if (approval === undefined) continue;
      const path = ['aggregates', a, 'commands', c, 'approval'];
      if (approval.by.length === 0) {
        out.push(
          finding('GW1058', f.file, [...path, 'by'], `${c} needs approval, but no role may approve it`, {
            hint: 'list the roles whose holders may approve, such as `by: [support_lead]`',
          }),
        );
      }
      approval.by.forEach((role, i) => {
        if (checkName(out, f.file, [...path, 'by', i], role, 'role', 'value', 'role')) checkDeclared(f, [...path, 'by', i], role, out);
      });
      reportDuplicates(out, f.file, [...path, 'by'], approval.by, 'role');
      reportDuplicates(out, f.file, [...path, 'actors'], approval.actors ?? [], 'actor kind');
      const ms = durationMs(approval.expires);
      if (ms === undefined || ms < APPROVAL_MIN_MS || ms > APPROVAL_MAX_MS) {
        const what =
          ms === undefined
            ? `${quote(approval.expires)} is not a duration`
            : `${quote(approval.expires)} is ${ms < APPROVAL_MIN_MS ? 'shorter than a minute' : 'longer than 30 days'}`;
        out.push(
          finding('GW1058', f.file, [...path, 'expires'], `${c}'s approval expiry: ${what}`, {
            hint: 'write a number and s, m, h or d, from 1m to 30d, such as `15m`',
          }),
        );
      }
    }
  }
}

function checkAccessRule(f: SpecFile, path: Path, operation: string, rule: AccessRuleSpec, out: Finding[]): void {
  if (rule.allow.length === 0) {
    out.push(
      finding('GW1051', f.file, [...path, 'allow'], `${operation} allows no role, so nobody could run it`, {
        hint: `list the roles that may ${operation}, or remove \`operations.${operation}\` to deny it to everyone`,
      }),
    );
  }
  rule.allow.forEach((role, i) => {
    if (checkName(out, f.file, [...path, 'allow', i], role, 'role', 'value', 'role')) checkDeclared(f, [...path, 'allow', i], role, out);
  });
  reportDuplicates(out, f.file, [...path, 'allow'], rule.allow, 'role');
  reportDuplicates(out, f.file, [...path, 'actors'], rule.actors ?? [], 'actor kind');
}

function checkDeclared(f: SpecFile, path: Path, role: string, out: Finding[]): void {
  const roles = f.spec.roles;
  if (roles === undefined || role in roles) return;
  out.push(
    finding('GW1054', f.file, path, `role ${quote(role)} is not declared under \`roles\``, {
      hint: didYouMean(role, Object.keys(roles)) ?? `declare it: \`roles: { ${role}: { scope: any } }\``,
    }),
  );
}

function checkReferences(f: SpecFile, out: Finding[]): void {
  const aggregates = Object.keys(f.spec.aggregates ?? {});
  for (const [a, aggregate] of Object.entries(f.spec.aggregates ?? {})) {
    for (const [c, command] of Object.entries(aggregate.commands)) {
      for (const [name, spec] of Object.entries(command.input ?? {})) {
        const field = asObject(spec);
        if (field.references === undefined) continue;
        const path = ['aggregates', a, 'commands', c, 'input', name];
        if (field.type !== 'ulid') {
          out.push(
            finding('GW1056', f.file, [...path, 'references'], `input field ${quote(name)} references an aggregate but is of type ${quote(field.type)}`, {
              at: 'key',
              hint: 'aggregate ids are ULIDs: give the field `type: ulid`',
            }),
          );
        }
        if (!aggregates.includes(field.references)) {
          out.push(
            finding('GW1019', f.file, [...path, 'references'], `input field ${quote(name)} references unknown aggregate ${quote(field.references)}`, {
              hint: didYouMean(field.references, aggregates) ?? 'name an aggregate declared in this file',
            }),
          );
        }
      }
    }
  }
  for (const path of misplacedReferences(f)) {
    out.push(
      finding('GW1056', f.file, [...path, 'references'], '`references` is only checked on command input', {
        at: 'key',
        hint: 'remove it here; declare it on the command input field that names the other aggregate',
      }),
    );
  }
}

/** Every field with `references` outside the top level of a command's input. */
function misplacedReferences(f: SpecFile): Path[] {
  const found: Path[] = [];
  const visitMap = (path: Path, fields: FieldMapSpec) => {
    for (const [name, field] of Object.entries(fields)) visitField([...path, name], field);
  };
  const visitField = (path: Path, spec: FieldSpec | undefined) => {
    if (spec === undefined || typeof spec === 'string') return;
    if (spec.references !== undefined) found.push(path);
    visitField([...path, 'items'], spec.items);
  };
  for (const [t, type] of Object.entries(f.spec.types ?? {})) visitMap(structureFieldsPath(['types', t], type), type.fields);
  for (const [a, aggregate] of Object.entries(f.spec.aggregates ?? {})) {
    visitMap(['aggregates', a, 'state'], aggregate.state ?? {});
    for (const [e, event] of Object.entries(aggregate.events)) {
      const path = ['aggregates', a, 'events', e];
      visitMap(structureFieldsPath(path, event), event.fields);
      for (const [v, fields] of Object.entries(event.previous ?? {})) visitMap([...path, 'previous', v], fields);
    }
    for (const [c, command] of Object.entries(aggregate.commands)) {
      for (const [name, field] of Object.entries(command.input ?? {})) {
        if (typeof field !== 'string') visitField(['aggregates', a, 'commands', c, 'input', name, 'items'], field.items);
      }
    }
  }
  for (const [p, projection] of Object.entries(f.spec.projections ?? {})) visitMap(['projections', p, 'columns'], projection.columns);
  return found;
}
