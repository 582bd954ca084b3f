/** Renders docs/rules.md from the rule table, so the documented list cannot drift from the code. */
import { RULES, type Code } from './codes.js';

const GROUPS: ReadonlyArray<{ title: string; from: string; to: string; intro: string }> = [
  {
    title: 'Reading the file',
    from: 'GW0000',
    to: 'GW0999',
    intro: 'Reported before the spec is looked at: the YAML itself, and the limits that keep hostile input harmless.',
  },
  { title: 'Shape', from: 'GW1000', to: 'GW1009', intro: 'Phase one: the zod schema. Every key is known, every value has the right type.' },
  { title: 'References', from: 'GW1010', to: 'GW1029', intro: 'Phase two: every name a spec mentions exists where it must.' },
  {
    title: 'Names',
    from: 'GW1030',
    to: 'GW1049',
    intro: 'Names become TypeScript identifiers, object keys and file names, so they are checked before any code is emitted.',
  },
  { title: 'Commands and authorization', from: 'GW1050', to: 'GW1069', intro: 'Every command leaves a record and is denied by default.' },
  {
    title: 'Fields, constraints and personal data',
    from: 'GW1070',
    to: 'GW1089',
    intro: 'Constraints must make sense for their type; personal data never becomes an id, a subject or a key.',
  },
  { title: 'Warnings', from: 'GW1090', to: 'GW1099', intro: 'Reported, but only fail `groundwork validate --strict`.' },
  {
    title: 'Event versions',
    from: 'GW1100',
    to: 'GW1119',
    intro: 'An event that changed shape keeps every earlier shape under `previous`, so stored events can be read through upcasters.',
  },
  {
    title: 'Breaking changes',
    from: 'GW1120',
    to: 'GW1199',
    intro:
      'Reported by `groundwork validate --against <older specs or git ref>`: changes that break stored events or callers. The same change made with a new version (the old shape under `previous`) is not reported.',
  },
  { title: 'Generated code', from: 'GW2000', to: 'GW2999', intro: 'Found by `groundwork gen --check --deep` in the files gen scaffolded and you own.' },
  { title: 'Running the tool', from: 'GW9000', to: 'GW9999', intro: 'Not findings in a spec: the command could not run. These exit with code 2.' },
];

export function renderRulesDoc(): string {
  const lines = [
    '# Diagnostic codes',
    '',
    '<!-- Generated from src/spec/codes.ts by test/spec/rules-doc.test.ts; update with `npx vitest run -u`. -->',
    '',
    'Every finding of `groundwork validate` carries one of these stable codes. A code never changes',
    'meaning once released. Errors make `validate` exit 1; warnings do so only under `--strict`.',
    '',
  ];
  const codes = Object.keys(RULES) as Code[];
  for (const group of GROUPS) {
    const members = codes.filter((code) => code >= group.from && code <= group.to);
    if (members.length === 0) continue;
    lines.push(`## ${group.title}`, '', group.intro, '', '| code | name | severity | rule |', '| --- | --- | --- | --- |');
    for (const code of members) {
      const rule = RULES[code];
      lines.push(`| ${code} | ${rule.name} | ${rule.severity} | ${rule.summary.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
