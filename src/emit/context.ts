/** Context-wide files: named value types with their initial values and schemas. */
import type { Context } from '../model/model.js';
import { docComment, ident } from './code.js';
import { dependencyOrder, initialValue, members, namedSchemaName, zodObject } from './fields.js';
import { RUNTIME_INDEX, files } from './layout.js';
import { header, type PlannedFile } from './plan.js';
import { imports, render, type Import } from './render.js';

export function planContextTypes(context: Context): PlannedFile[] {
  if (context.types.length === 0) return [];
  const path = files.contextTypes(context);
  const blocks = dependencyOrder(context.types).flatMap((t) => {
    const name = ident(t.name, 'pascal');
    return [
      `${docComment(t.description)}export interface ${name} {\n${members(t.fields, { readonly: true, indent: '  ' }).join('\n')}\n}`,
      `export function initial${name}(): ${name} {\n  return {\n${t.fields.map((f) => `    ${ident(f.name, 'camel')}: ${initialValue(f)},`).join('\n')}\n  };\n}`,
      `export const ${namedSchemaName(t.name)} = ${zodObject(t.fields, '')} satisfies z.ZodType<${name}>;`,
    ];
  });
  const usesUlid = blocks.some((b) => b.includes('ULID_PATTERN'));
  const list: Import[] = [{ from: 'zod', names: ['z'] }, ...(usesUlid ? [{ from: RUNTIME_INDEX, names: ['ULID_PATTERN'] }] : [])];
  const content = render('generated-module', { header: header(context.file), imports: imports(path, list), body: blocks.join('\n\n') });
  return [{ path, ownership: 'generated', source: context.file, content }];
}
