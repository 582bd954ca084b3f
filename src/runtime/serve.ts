/**
 * The surfaces of a project: what its generated `surface.ts`, `serve.ts` and `mcp.ts` import. Kept
 * apart from index.ts so an app that serves nothing never loads the HTTP server or the MCP SDK.
 */
export { developmentCredentials, jwtCredentials } from './adapters/jwt/index.js';
export type { JwtOptions } from './adapters/jwt/index.js';
export { identityFromClaims, tokenFingerprint } from './core/identity.js';
export type { Claims, ClaimsMapping, Identity, IdentityCheck } from './core/identity.js';
export type { CredentialCheck, CredentialProblem, Credentials } from './ports/credentials.js';
export type {
  AggregateEndpoint,
  CommandEndpoint,
  Json,
  JsonObject,
  ProjectionEndpoint,
  ReadAccess,
  SurfaceDefinition,
  ToolAnnotations,
} from './surface/definition.js';
export { httpServer } from './surface/http.js';
export type { HttpOptions } from './surface/http.js';
export { credentialsFrom, runMcpStdio, runServer, startServer } from './surface/main.js';
export type { RunningServer, ServeOptions } from './surface/main.js';
export { SurfaceOperations, scopedKey } from './surface/operations.js';
export type { Answer, Caller, CommandAnswer, CommandCall } from './surface/operations.js';
export { PROBLEMS, problemOf } from './surface/problems.js';
export type { ProblemDetails, SurfaceCode, SurfaceFailure } from './surface/problems.js';
export { callTool, toolsFor } from './surface/tools.js';
export type { Tool, ToolResult } from './surface/tools.js';
