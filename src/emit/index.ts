/** The generator: the whole output of a project, planned in memory from the model. */
import type { Project } from '../model/model.js';
import { planAggregate } from './aggregate.js';
import { planApp } from './app.js';
import { planContextTypes } from './context.js';
import type { PlannedFile } from './plan.js';
import { planProjections } from './projections.js';
import { planRuntime } from './runtime.js';
import { planSurface } from './surface.js';

export type { Ownership, PlannedFile } from './plan.js';

export function planProject(project: Project): PlannedFile[] {
  const planned = [
    ...planRuntime(),
    ...project.contexts.flatMap((context) => [
      ...planContextTypes(context),
      ...context.aggregates.flatMap((aggregate) => planAggregate(context, aggregate)),
      ...planProjections(context),
    ]),
    ...planApp(project),
    ...planSurface(project),
  ];
  return planned.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
