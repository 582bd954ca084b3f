/** Name rules across the project: context names, and PascalCase declarations unique (also in letter case and against derived type names). */
import { finding, type Finding, type Path } from '../../spec/diagnostics.js';
import { DERIVED_SUFFIXES, quote } from '../names.js';
import { checkName, type SpecFile } from './shared.js';

export function checkContexts(files: readonly SpecFile[], out: Finding[]): void {
  const seen = new Map<string, string>();
  for (const { file, spec } of files) {
    checkName(out, file, ['context'], spec.context, 'context', 'value', 'context');
    const first = seen.get(spec.context);
    if (first === undefined) seen.set(spec.context, file);
    else
      out.push(
        finding('GW1037', file, ['context'], `context ${quote(spec.context)} is already declared in ${first}`, {
          hint: 'one file per bounded context: merge the two files or rename one context',
        }),
      );
  }
}

interface Declaration {
  readonly name: string;
  /** What the name declares, such as `event`; `what` adds the quoted name. */
  readonly noun: string;
  readonly what: string;
  readonly file: string;
  readonly path: Path;
}

/** Every PascalCase name of a project, and the type names the generator derives from them. */
function declarations(files: readonly SpecFile[]): { declared: Declaration[]; derived: Declaration[] } {
  const declared: Declaration[] = [];
  const derived: Declaration[] = [];
  for (const { file, spec } of files) {
    const declare = (name: string, noun: string, path: Path) => declared.push({ name, noun, what: `${noun} ${quote(name)}`, file, path });
    const derive = (name: string, what: string, path: Path) => derived.push({ name, noun: 'generated type', what, file, path });
    for (const name of Object.keys(spec.types ?? {})) declare(name, 'type', ['types', name]);
    for (const [a, aggregate] of Object.entries(spec.aggregates ?? {})) {
      declare(a, 'aggregate', ['aggregates', a]);
      for (const suffix of DERIVED_SUFFIXES.aggregate)
        derive(a + suffix, `the type ${quote(a + suffix)} generated for aggregate ${quote(a)}`, ['aggregates', a]);
      for (const [e, event] of Object.entries(aggregate.events)) {
        declare(e, 'event', ['aggregates', a, 'events', e]);
        for (const derivedName of versionTypeNames(e, Object.keys(event.previous ?? {})))
          derive(derivedName, `the type ${quote(derivedName)} generated for the versions of event ${quote(e)}`, ['aggregates', a, 'events', e]);
      }
      for (const c of Object.keys(aggregate.commands)) {
        declare(c, 'command', ['aggregates', a, 'commands', c]);
        for (const suffix of DERIVED_SUFFIXES.command)
          derive(c + suffix, `the type ${quote(c + suffix)} generated for command ${quote(c)}`, ['aggregates', a, 'commands', c]);
      }
    }
    for (const p of Object.keys(spec.projections ?? {})) {
      declare(p, 'projection', ['projections', p]);
      for (const suffix of DERIVED_SUFFIXES.projection)
        derive(p + suffix, `the type ${quote(p + suffix)} generated for projection ${quote(p)}`, ['projections', p]);
    }
  }
  return { declared, derived };
}

function elsewhere(first: Declaration, second: Declaration): string {
  return first.file === second.file ? '' : ` in ${first.file}`;
}

export function checkDeclarations(files: readonly SpecFile[], out: Finding[]): void {
  const { declared, derived } = declarations(files);
  const exact = new Map<string, Declaration>();
  const folded = new Map<string, Declaration>();
  for (const d of declared) {
    if (!checkName(out, d.file, d.path, d.name, 'pascal', 'key', d.noun)) continue;
    const same = exact.get(d.name);
    const twin = folded.get(d.name.toLowerCase());
    if (same !== undefined) {
      out.push(
        finding('GW1034', d.file, d.path, `${d.what} has the same name as ${same.what}${elsewhere(same, d)}`, {
          at: 'key',
          hint: 'names are unique across a project: rename one of them',
        }),
      );
    } else if (twin !== undefined) {
      out.push(
        finding('GW1035', d.file, d.path, `${d.what} differs only in letter case from ${twin.what}${elsewhere(twin, d)}`, {
          at: 'key',
          hint: 'the two would collide as file names on macOS and Windows: rename one',
        }),
      );
    } else {
      exact.set(d.name, d);
      folded.set(d.name.toLowerCase(), d);
    }
  }
  for (const g of derived) {
    const clash = exact.get(g.name);
    if (clash !== undefined) {
      out.push(finding('GW1034', clash.file, clash.path, `${clash.what} clashes with ${g.what}`, { at: 'key', hint: `rename ${clash.what}` }));
    }
  }
}

/** The types generated for an event's earlier versions: one per version, and the type of its upcaster steps. */
function versionTypeNames(event: string, versions: readonly string[]): string[] {
  if (versions.length === 0) return [];
  return [...versions.filter((v) => /^[1-9][0-9]*$/.test(v)).map((v) => `${event}V${v}`), `${event}Upcasters`];
}
