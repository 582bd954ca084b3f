/**
 * File skeletons are Handlebars templates in `templates/`, rendered with `noEscape` and `strict`.
 * Templates hold no logic: every slot receives text already built through `code.ts`.
 */
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

const TEMPLATES = new URL('../../templates/', import.meta.url);
const compiled = new Map<string, HandlebarsTemplateDelegate<Record<string, string>>>();

export type TemplateName = 'generated-module' | 'decide' | 'evolve' | 'projection-handlers' | 'upcast';

export function render(name: TemplateName, slots: Record<string, string>): string {
  let template = compiled.get(name);
  if (template === undefined) {
    const source = readFileSync(new URL(`${name}.ts.hbs`, TEMPLATES), 'utf8');
    template = Handlebars.compile<Record<string, string>>(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return tidy(template(slots));
}

/** One blank line at most between blocks, none at the end but a single newline. */
function tidy(text: string): string {
  return `${text.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The module specifier for importing `to` from `from` (both relative to the output folder). */
export function importPath(from: string, to: string): string {
  const relative = posix.relative(posix.dirname(from), to).replace(/\.ts$/, '.js');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

export interface Import {
  /** A package name, or a file of the output folder (ending in `.ts`). */
  readonly from: string;
  readonly names: readonly string[];
  readonly types?: readonly string[];
}

/** Import declarations, sorted by module, values before `type` names. */
export function imports(file: string, list: readonly Import[]): string {
  const merged = new Map<string, { names: Set<string>; types: Set<string> }>();
  for (const entry of list) {
    const key = entry.from.endsWith('.ts') ? importPath(file, entry.from) : entry.from;
    const target = merged.get(key) ?? { names: new Set<string>(), types: new Set<string>() };
    for (const n of entry.names) target.names.add(n);
    for (const t of entry.types ?? []) target.types.add(t);
    merged.set(key, target);
  }
  const lines = [...merged.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([module, { names, types }]) => {
      for (const n of names) types.delete(n);
      if (names.size === 0 && types.size === 0) return '';
      if (names.size === 0) return `import type { ${[...types].sort().join(', ')} } from '${module}';`;
      const specifiers = [...[...names].sort(), ...[...types].sort().map((t) => `type ${t}`)];
      return `import { ${specifiers.join(', ')} } from '${module}';`;
    })
    .filter((line) => line !== '');
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function rank(module: string): number {
  return module.startsWith('.') ? 1 : 0;
}
