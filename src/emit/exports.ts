/** The exports the wiring imports from user-owned files: what `gen --check --deep` verifies. */
import type { Project } from '../model/model.js';
import { files, names } from './layout.js';
import { versionedEvents } from './versions.js';

export interface RequiredExport {
  /** The user-owned file. */
  readonly path: string;
  readonly name: string;
  /** The generated file that imports it. */
  readonly importedBy: string;
}

export function requiredExports(project: Project): RequiredExport[] {
  const out: RequiredExport[] = [];
  for (const context of project.contexts) {
    for (const a of context.aggregates) {
      out.push({ path: files.evolve(context, a), name: 'evolve', importedBy: files.aggregateFold(context, a) });
      for (const c of a.commands) out.push({ path: files.decide(context, a, c), name: names.decide(c), importedBy: files.aggregateCommands(context, a) });
      for (const e of versionedEvents(a))
        out.push({ path: files.upcast(context, a, e), name: names.upcastSteps(e), importedBy: files.aggregateFold(context, a) });
    }
    for (const p of context.projections)
      out.push({ path: files.projectionHandlers(context, p), name: names.handlersConst(p), importedBy: files.projectionWiring(context) });
  }
  return out;
}
