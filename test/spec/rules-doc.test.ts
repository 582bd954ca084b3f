import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/spec/codes.js';
import { renderRulesDoc } from '../../src/spec/rules-doc.js';

describe('docs/rules.md', () => {
  it('lists every rule with its code (update with `npx vitest run -u`)', async () => {
    const doc = renderRulesDoc();
    for (const code of Object.keys(RULES)) expect(doc).toContain(`| ${code} |`);
    await expect(doc).toMatchFileSnapshot(join(import.meta.dirname, '../../docs/rules.md'));
  });
});
