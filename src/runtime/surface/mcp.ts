/**
 * The MCP server: the one file that calls @modelcontextprotocol/sdk, so moving to its next major
 * version changes this file only. Tools come from tools.ts; a business failure is a tool result
 * marked isError, an unknown tool a protocol error. Over stdio the identity is the one verified at
 * start-up (stdout carries protocol messages only); over Streamable HTTP each request's bearer token.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, SurfaceOperations } from './operations.js';
import type { SurfaceFailure } from './problems.js';
import { callTool, errorResult, toolsFor } from './tools.js';

/**
 * An MCP server for one caller (undefined: no identity, read tools only, every call refused).
 * `recheck` says whether the caller's credential still holds (a long-lived stdio server's token expires).
 */
function mcpServer(operations: SurfaceOperations, caller: Caller | undefined, recheck?: () => Promise<SurfaceFailure | undefined>): Server {
  const surface = operations.surface;
  const server = new Server({ name: surface.name, version: surface.version }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: toolsFor(surface, caller !== undefined).map((tool) => ({
      ...tool,
      inputSchema: { ...tool.inputSchema, type: 'object' as const },
      outputSchema: { ...tool.outputSchema, type: 'object' as const },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args = {} } = request.params;
    const visible = toolsFor(surface, caller !== undefined).some((tool) => tool.name === name);
    const expired = visible && caller !== undefined ? await recheck?.() : undefined;
    if (expired !== undefined) return { ...errorResult(expired), content: [...errorResult(expired).content] };
    const result = visible
      ? await callTool(
          surface,
          name,
          args,
          caller === undefined ? undefined : { ...caller, via: { ...caller.via, requestId: operations.newRequestId() } },
          operations,
        )
      : undefined;
    if (result === undefined) throw new McpError(ErrorCode.InvalidParams, `there is no tool ${name}`);
    return { ...result, content: [...result.content] };
  });
  return server;
}

/** Serves MCP on stdin/stdout until the input ends. */
export async function serveMcpStdio(
  operations: SurfaceOperations,
  caller: Caller | undefined,
  recheck?: () => Promise<SurfaceFailure | undefined>,
): Promise<{ closed: Promise<void> }> {
  const server = mcpServer(operations, caller, recheck);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  await server.connect(transport);
  return { closed };
}

/**
 * Answers one Streamable HTTP POST, statelessly: a server and transport of its own, for the caller
 * its bearer token named. The response is written to `response` directly.
 */
export function mcpOverHttp(operations: SurfaceOperations) {
  return async (request: IncomingMessage, response: ServerResponse, body: unknown, caller: Caller): Promise<void> => {
    const server = mcpServer(operations, caller);
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  };
}
