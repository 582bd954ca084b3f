/**
 * The subscriptions template generated into a temporary project, compiled, and served on
 * 127.0.0.1:0 through the project's own copy of the runtime, with JWTs of a test issuer.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { REPO, tempProject, type TempProject } from '../gen/project.js';
import { AUDIENCE, ISSUER, testIssuer, type TestIssuer } from './tokens.js';

type Serve = typeof import('../../src/runtime/serve.js');
type Runtime = typeof import('../../src/runtime/index.js');

export interface Served {
  readonly project: TempProject;
  readonly url: string;
  readonly issuer: TestIssuer;
  readonly serve: Serve;
  readonly runtime: Runtime;
  readonly app: import('../../src/runtime/index.js').App;
  /** A bearer token for these claims (tenant acme unless given). */
  token(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const TEMPLATE_SPEC = readFileSync(join(REPO, 'templates/project/subscriptions/subscriptions.groundwork.yaml'), 'utf8');

export async function generated(): Promise<TempProject> {
  const project = tempProject({ 'subscriptions.groundwork.yaml': TEMPLATE_SPEC });
  const gen = await project.gen();
  if (gen.code !== 0) throw new Error(`gen failed: ${gen.stderr}`);
  const errors = project.tsc(true);
  if (errors !== '') throw new Error(`tsc failed: ${errors}`);
  return project;
}

export async function serveProject(
  project: TempProject,
  options: { readonly rate?: { perSecond: number; burst: number }; readonly database?: string } = {},
): Promise<Served> {
  const dist = (path: string) => pathToFileURL(join(project.dir, 'dist', path)).href;
  const { definition } = (await import(dist('app.js'))) as { definition: import('../../src/runtime/index.js').AppDefinition };
  const { surface } = (await import(dist('surface.js'))) as { surface: import('../../src/runtime/serve.js').SurfaceDefinition };
  const serve = (await import(dist('groundwork/runtime/serve.js'))) as Serve;
  const runtime = (await import(dist('groundwork/runtime/index.js'))) as Runtime;
  const issuer = await testIssuer();
  const running = await serve.startServer(definition, surface, {
    app: { path: join(project.dir, options.database ?? 'billing.db'), kek: Buffer.alloc(32, 9), env: {} },
    env: {},
    credentials: serve.jwtCredentials({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    host: '127.0.0.1',
    port: 0,
    rate: options.rate,
    stderr: () => undefined,
  });
  return {
    project,
    url: running.url,
    issuer,
    serve,
    runtime,
    app: running.app,
    token: (claims) => issuer.mint({ tenant: 'acme', ...claims }),
    close: () => running.close(),
  };
}
