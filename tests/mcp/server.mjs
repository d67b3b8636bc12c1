// A small MCP server built with the official TypeScript SDK, protected by Tessera.
//
// It is an OAuth protected resource (RFC 9728): its resource identifier is its own URL
// (`http://127.0.0.1:PORT/mcp`), it publishes protected resource metadata naming Tessera's
// issuer as its authorization server, answers requests without a valid token with
// `401 WWW-Authenticate: Bearer ..., resource_metadata="..."`, and accepts only RFC 9068
// access tokens (`typ: at+jwt`) signed by a key in Tessera's JWKS, issued by Tessera, not
// expired, and whose audience is this server's resource identifier: a token meant for
// another resource (or for Tessera itself) is refused.
//
// Environment:
//   TESSERA_ISSUER  Tessera's issuer URL (required), e.g. http://127.0.0.1:8080
//   MCP_PORT        port to listen on, 127.0.0.1 only (default 0: one the kernel picks)
//   MCP_SCOPE       the scope the tools need (default `mcp:tools`)
//
// Prints one line on stdout once it listens: the MCP endpoint URL, which is also the
// resource identifier to register in Tessera (`tessera resource create --identifier URL`).

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';

const issuer = process.env.TESSERA_ISSUER;
if (!issuer) {
  console.error('server.mjs: set TESSERA_ISSUER to Tessera\'s issuer URL');
  process.exit(2);
}
const scope = process.env.MCP_SCOPE || 'mcp:tools';
const port = Number(process.env.MCP_PORT || 0);

// The authorization server's own metadata (RFC 8414) says where its keys are.
const asMetadataUrl = new URL('/.well-known/oauth-authorization-server', issuer);
const asMetadataResponse = await fetch(asMetadataUrl);
if (!asMetadataResponse.ok) {
  console.error(`server.mjs: ${asMetadataUrl} answered ${asMetadataResponse.status}`);
  process.exit(1);
}
const asMetadata = await asMetadataResponse.json();
if (asMetadata.issuer !== issuer) {
  console.error(`server.mjs: metadata issuer ${asMetadata.issuer} is not ${issuer}`);
  process.exit(1);
}
const jwks = createRemoteJWKSet(new URL(asMetadata.jwks_uri));

const app = createMcpExpressApp({ host: '127.0.0.1' });
const listener = await new Promise((resolve, reject) => {
  const l = app.listen(port, '127.0.0.1', () => resolve(l));
  l.on('error', reject);
});
const resource = `http://127.0.0.1:${listener.address().port}/mcp`;
const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(resource));

// RFC 9728 §3: served at /.well-known/oauth-protected-resource/mcp for the resource .../mcp.
app.use(
  new URL(resourceMetadataUrl).pathname,
  metadataHandler({
    resource,
    authorization_servers: [issuer],
    scopes_supported: [scope],
    bearer_methods_supported: ['header'],
    resource_name: 'Tessera MCP example',
  }),
);

/** Checks a Tessera access token: signature (JWKS), typ, iss, exp, aud = this resource. */
const verifier = {
  async verifyAccessToken(token) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: resource,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub', 'client_id'],
      }));
    } catch (e) {
      // The description goes into a quoted WWW-Authenticate parameter: no double quotes.
      throw new InvalidTokenError(`${e.code ?? 'invalid'}: ${e.message}`.replaceAll('"', "'"));
    }
    return {
      token,
      clientId: String(payload.client_id),
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      expiresAt: payload.exp,
      resource: new URL(resource),
      extra: { sub: payload.sub, aud: payload.aud },
    };
  },
};
const bearer = requireBearerAuth({
  verifier,
  requiredScopes: [scope],
  resourceMetadataUrl,
  expectedResource: new URL(resource),
});

/** One MCP server per request (stateless Streamable HTTP), knowing who called. */
function mcpServer(auth) {
  const server = new McpServer({ name: 'tessera-mcp-example', version: '1.0.0' });
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers',
      inputSchema: { a: z.number(), b: z.number() },
    },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  server.registerTool(
    'whoami',
    { description: 'The access token the call came with, as this server saw it' },
    async () => ({
      content: [
        {
          type: 'text',
          text: JSON.stringify({
            sub: auth.extra.sub,
            aud: auth.extra.aud,
            client_id: auth.clientId,
            scopes: auth.scopes,
          }),
        },
      ],
    }),
  );
  return server;
}

app.all('/mcp', bearer, async (req, res) => {
  if (req.method !== 'POST') {
    // Stateless: no server-initiated stream, no sessions to delete.
    res.status(405).set('Allow', 'POST').json({ error: 'method_not_allowed' });
    return;
  }
  const server = mcpServer(req.auth);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (e) {
    console.error('server.mjs:', e);
    if (!res.headersSent) res.status(500).json({ error: 'server_error' });
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    listener.close();
    process.exit(0);
  });
}

console.log(resource);
