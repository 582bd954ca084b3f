/**
 * Golden diagnostics: each invalid fixture's text and JSON output is kept next to it. A change in
 * wording or position shows up as a diff in review; update with `npx vitest run -u`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createColors } from '../../src/terminal/color.js';
import { compileProject } from '../../src/model/project.js';
import { formatJson, formatText } from '../../src/spec/format.js';

const dir = join(import.meta.dirname, '../../fixtures/invalid');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.groundwork.yaml'))
  .sort();

describe('golden diagnostics for invalid fixtures', () => {
  it('there are invalid fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(5));

  it.each(fixtures)('%s', async (name) => {
    const file = `fixtures/invalid/${name}`;
    const text = readFileSync(join(dir, name), 'utf8');
    const { diagnostics, project } = compileProject([{ file, text }]);
    expect(project).toBeUndefined();
    const base = join(dir, name.replace(/\.groundwork\.yaml$/, ''));
    await expect(formatText(diagnostics, new Map([[file, text]]), createColors(false))).toMatchFileSnapshot(`${base}.expected.txt`);
    await expect(formatJson(diagnostics, [file], false)).toMatchFileSnapshot(`${base}.expected.json`);
  });

  it('every fixture starts with the yaml-language-server schema line', () => {
    for (const name of fixtures) {
      expect(readFileSync(join(dir, name), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schemas/groundwork.schema.json');
    }
  });
});
