/**
 * The surface a project is generated with: tool names that never collide (with each other or the
 * trust tools), descriptions written from the spec, and the OpenAPI document, deterministic.
 */
import { describe, expect, it } from 'vitest';
import { planProject } from '../../src/emit/index.js';
import { BASE, compile, variant } from '../helpers.js';

function surfaceOf(text: string): string {
  const { project } = compile(text);
  if (project === undefined) throw new Error('the spec does not compile');
  return planProject(project).find((f) => f.path === 'src/surface.ts')!.content;
}

const tools = (surface: string) => [...surface.matchAll(/(?:tool|getTool|listTool): '([a-z0-9_]+)'/g)].map((m) => m[1]);

describe('the generated surface', () => {
  it('names a tool per command and two per projection, in snake_case', () => {
    expect(tools(surfaceOf(BASE))).toEqual(['place_order', 'pay_order', 'reopen_order', 'get_open_orders', 'list_open_orders']);
  });

  it('never gives two tools one name: a command named like a trust tool or a read tool yields', () => {
    const clashing = variant(
      '      ReopenOrder:\n',
      '      History:\n        emits: [OrderReopened]\n        allow: [support]\n      GetOpenOrders:\n        emits: [OrderReopened]\n        allow: [support]\n      ReopenOrder:\n',
    );
    const names = tools(surfaceOf(clashing));
    expect(names).toEqual(['place_order', 'pay_order', 'run_history', 'get_open_orders', 'reopen_order', 'read_get_open_orders', 'list_open_orders']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('writes the same surface and OpenAPI document for the same spec', () => {
    const plan = () => {
      const { project } = compile(BASE);
      return planProject(project!).filter((f) => f.path === 'src/surface.ts' || f.path === 'openapi.json' || f.path === 'src/openapi.ts');
    };
    expect(plan()).toEqual(plan());
    expect(plan()).toHaveLength(3);
  });
});
