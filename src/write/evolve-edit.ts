/**
 * After `gen slice` declares new events, their handlers are added to the user's evolve.ts with
 * ts-morph, so the new slice compiles at once. Everything else in the file stays as the user
 * wrote it; a file laid out differently is left alone, and the compiler will point at it.
 */
import { IndentationText, Node, Project as TsProject, QuoteKind } from 'ts-morph';
import { inside } from './disk.js';

export function addEvolveHandlers(root: string, path: string, handlers: ReadonlyArray<{ event: string; text: string }>): 'added' | 'missing' | 'unrecognized' {
  const project = new TsProject({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Single },
  });
  const file = project.addSourceFileAtPathIfExists(inside(root, path));
  if (file === undefined) return 'missing';
  const initializer = file.getVariableDeclaration('evolve')?.getInitializer();
  if (initializer === undefined || !Node.isObjectLiteralExpression(initializer)) return 'unrecognized';
  for (const { event, text } of handlers) {
    if (initializer.getProperty(event) === undefined) initializer.addProperty(text);
  }
  file.saveSync();
  return 'added';
}
