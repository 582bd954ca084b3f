/**
 * Hostile strings (reliability-tests.md): quotes, backticks, `${`, a trailing backslash, `*\/`,
 * newlines, U+2028 and NUL in descriptions, enum values and patterns. The generated code must
 * compile, have the same top-level statements as for plain strings, and give back each string.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { planProject } from '../../src/emit/index.js';
import { compileProject } from '../../src/model/project.js';
import { tempProject, type TempProject } from './project.js';

const NASTY = [
  "it's",
  'say "hi"',
  'a`b`',
  '${process.exit(1)}',
  'back\\',
  '*/ evil()',
  'line\nbreak',
  'sep\u2028arator',
  'nul\u0000byte',
  '</script>',
  '\\u0041',
];
const PATTERN = `^["'\`$\\\\{}*/]+$`;

function spec(strings: readonly string[], description: string, pattern: string) {
  return stringify({
    groundwork: 1,
    context: 'hostile',
    description,
    types: { Label: { description, fields: { text: { type: 'string', pattern, description } } } },
    aggregates: {
      Thing: {
        description,
        id: 'thingId',
        state: { mood: { type: 'enum', values: strings, description }, label: 'Label' },
        events: { ThingMade: { description, fields: { mood: { type: 'enum', values: strings }, label: 'Label' } } },
        commands: {
          MakeThing: {
            description,
            creates: true,
            input: { mood: { type: 'enum', values: strings, description }, label: 'Label' },
            emits: ['ThingMade'],
            allow: ['maker'],
          },
        },
      },
    },
    projections: { Things: { description, key: 'thingId', columns: { mood: { type: 'string', description } }, on: ['ThingMade'] } },
  });
}

const plain = spec(
  NASTY.map((_, i) => `value${i}`),
  'A plain description.',
  '^[a-z]+$',
);
const hostile = spec(NASTY, NASTY.join(' '), PATTERN);

function statements(text: string): string[] {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  return source.statements.map((s) => {
    const name =
      (s as { name?: ts.Identifier }).name?.text ??
      (ts.isVariableStatement(s) ? s.declarationList.declarations.map((d) => d.name.getText(source)).join(',') : '');
    return `${ts.SyntaxKind[s.kind]} ${name}`;
  });
}

let project: TempProject;
beforeAll(async () => {
  project = tempProject({ 'hostile.groundwork.yaml': hostile });
  const result = await project.gen();
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}, 60_000);
afterAll(() => project?.remove());

describe('hostile strings', () => {
  it('validate cleanly: they are data, not names', () => {
    expect(compileProject([{ file: 'h.groundwork.yaml', text: hostile }]).diagnostics).toEqual([]);
  });

  it('give the same top-level statements as plain strings, file by file', () => {
    const a = planProject(compileProject([{ file: 'hostile.groundwork.yaml', text: plain }]).project!);
    const b = planProject(compileProject([{ file: 'hostile.groundwork.yaml', text: hostile }]).project!);
    expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
    for (const [i, file] of b.entries()) expect(statements(file.content), file.path).toEqual(statements(a[i]!.content));
  });

  it('compile under strict', () => {
    expect(project.tsc(true)).toBe('');
  }, 60_000);

  it('come back unchanged from the compiled modules', async () => {
    const schemas = (await import(pathToFileURL(join(project.dir, 'dist/hostile/thing/schemas.js')).href)) as {
      makeThingSchema: { shape: { mood: { options: string[] } } };
    };
    expect(schemas.makeThingSchema.shape.mood.options).toEqual(NASTY);
    const types = (await import(pathToFileURL(join(project.dir, 'dist/hostile/types.js')).href)) as {
      labelSchema: { safeParse(v: unknown): { success: boolean } };
    };
    const regex = new RegExp(`^(?:${PATTERN})$`, 'u');
    for (const probe of ['"\'`$\\{}*/', 'abc', '${}', '']) expect(types.labelSchema.safeParse({ text: probe }).success, probe).toBe(regex.test(probe));
    const state = (await import(pathToFileURL(join(project.dir, 'dist/hostile/thing/types.js')).href)) as { initialThingState(): { mood: string } };
    expect(state.initialThingState().mood).toBe(NASTY[0]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  }, 60_000);

  it('land in doc comments that they cannot close', () => {
    const text = project.read('src/hostile/thing/types.ts');
    const source = ts.createSourceFile('t.ts', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const state = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === 'ThingState')!;
    const doc = ts
      .getJSDocCommentsAndTags(state)
      .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
      .join('');
    expect(doc).toContain('*\\/ evil()');
    expect(doc).toContain('${process.exit(1)}');
    expect(doc).not.toContain('\u0000');
    expect(text).not.toContain('\u2028');
  });
});
