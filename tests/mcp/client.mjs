// An MCP client built with the official TypeScript SDK (`Client` and
// `StreamableHTTPClientTransport` with an `OAuthClientProvider`), signing in at Tessera.
//
// The SDK does the OAuth work itself: the server's 401 `WWW-Authenticate: Bearer
// resource_metadata="..."`, protected resource metadata (RFC 9728), authorization server
// metadata (RFC 8414), dynamic client registration (RFC 7591), the authorization request with
// PKCE S256 and the `resource` indicator (RFC 8707), the code exchange. The provider below
// only stores what the SDK hands it, and its `redirectToAuthorization(url)` plays the person:
// it follows Tessera's pages over HTTP with a cookie jar (login form, consent form) and
// takes the `code` from the redirect to this client's loopback redirect URI.
//
// Environment:
//   MCP_SERVER_URL    the MCP endpoint (what server.mjs printed), required
//   MCP_CLIENT_MODE   `dcr` (default): the SDK registers the client at Tessera's /register;
//                     `cimd`: the client_id is the URL of a Client ID Metadata Document this
//                     process serves on 127.0.0.1;
//                     `bearer`: no OAuth flow: calls the tool with MCP_BEARER_TOKEN as is
//   TESSERA_EMAIL, TESSERA_PASSWORD   the person who signs in (dcr, cimd, preregistered)
//   MCP_BEARER_TOKEN  the token to send (bearer)
//   MCP_EXPECT        `refused` (default: a 401 is the success of a `bearer` run) or `accepted`
//
// Prints one JSON object on stdout (what happened, for the test to check) and exits 0 on
// success; on failure a message on stderr and exit status 1.

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const TIMEOUT_MS = 50_000;
setTimeout(() => {
  console.error(`client.mjs: gave up after ${TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TIMEOUT_MS).unref();

const serverUrl = need('MCP_SERVER_URL');
const mode = process.env.MCP_CLIENT_MODE || 'dcr';

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`client.mjs: set ${name}`);
    process.exit(2);
  }
  return value;
}

/** Every HTTP request the SDK makes, in order (method, URL without query, status, and the
 * token request's parameters except secrets), so the test can see the protocol steps. */
const requests = [];
/** What is known so far, printed also when the run fails. */
const report = { mode, requests };
async function tracingFetch(input, init) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const entry = { method, url: url.origin + url.pathname };
  if (init?.body instanceof URLSearchParams) {
    const params = Object.fromEntries(init.body);
    for (const secret of ['code', 'code_verifier', 'refresh_token', 'client_secret']) {
      if (secret in params) params[secret] = '(present)';
    }
    entry.form = params;
  }
  const res = await fetch(input, init);
  entry.status = res.status;
  requests.push(entry);
  return res;
}

/** The person at the browser: GETs the authorization URL, signs in on the login page, allows
 * on the consent page, and returns the query of the redirect to `redirectUrl`. */
async function actAsPerson(authorizationUrl, redirectUrl, email, password) {
  const jar = new Map();
  const pages = [];
  const target = new URL(redirectUrl);
  const send = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie?.() ?? []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(a => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (!value || expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  let url = new URL(authorizationUrl);
  let res = await send(url);
  for (let step = 0; step < 10; step++) {
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      const next = new URL(res.headers.get('location'), url);
      await res.body?.cancel();
      if (next.origin === target.origin && next.pathname === target.pathname) {
        return { params: Object.fromEntries(next.searchParams), pages };
      }
      url = next;
      res = await send(url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) {
      throw new Error(`${url.origin}${url.pathname} answered ${res.status}: ${html.slice(0, 500)}`);
    }
    const form = parseForm(html, url);
    if (form.fields.has('password')) {
      pages.push({ page: 'login', url: url.origin + url.pathname });
      form.fields.set('email', email);
      form.fields.set('password', password);
    } else if (/name="decision"/.test(html)) {
      pages.push({ page: 'consent', url: url.origin + url.pathname, text: visibleText(html) });
      form.fields.set('decision', 'allow');
    } else {
      throw new Error(`neither a login nor a consent page at ${url}: ${visibleText(html).slice(0, 500)}`);
    }
    url = form.action;
    res = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([...form.fields]),
    });
  }
  throw new Error('no redirect back to the client after 10 pages');
}

/** The page's one POST form: its action and its named inputs (buttons are set by the caller). */
function parseForm(html, base) {
  const formTag = html.match(/<form\b[^>]*>/i)?.[0] ?? '';
  const action = new URL(unescapeHtml(attribute(formTag, 'action') ?? ''), base);
  const fields = new Map();
  for (const [tag] of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    const type = (attribute(tag, 'type') ?? 'text').toLowerCase();
    if (!name || type === 'submit' || type === 'button') continue;
    if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/i.test(tag)) continue;
    fields.set(name, unescapeHtml(attribute(tag, 'value') ?? ''));
  }
  return { action, fields };
}

function attribute(tag, name) {
  return tag.match(new RegExp(`\\s${name}="([^"]*)"`, 'i'))?.[1];
}

function unescapeHtml(s) {
  return s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&#x27;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function visibleText(html) {
  return unescapeHtml(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The claims of a JWT, unverified: the MCP server verifies; this is only for the report. */
function claims(jwt) {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/** An `OAuthClientProvider` that keeps everything in memory and signs in as the person. */
class PersonProvider {
  constructor({ redirectUrl, clientMetadata, clientInformation, email, password }) {
    this._redirectUrl = redirectUrl;
    this._clientMetadata = clientMetadata;
    this._clientInformation = clientInformation;
    this._email = email;
    this._password = password;
    this.registered = undefined;
    this.authorization = undefined;
  }
  get redirectUrl() {
    return this._redirectUrl;
  }
  get clientMetadata() {
    return this._clientMetadata;
  }
  state() {
    this._state = randomBytes(16).toString('base64url');
    return this._state;
  }
  clientInformation() {
    return this._clientInformation;
  }
  saveClientInformation(info) {
    if (!this.registered && info.client_id !== this._clientInformation?.client_id) {
      this.registered = info;
    }
    this._clientInformation = info;
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(tokens) {
    this._tokens = tokens;
  }
  saveCodeVerifier(verifier) {
    this._codeVerifier = verifier;
  }
  codeVerifier() {
    if (!this._codeVerifier) throw new Error('no code verifier saved');
    return this._codeVerifier;
  }
  async redirectToAuthorization(url) {
    const { params, pages } = await actAsPerson(url, this._redirectUrl, this._email, this._password);
    if (params.error) {
      throw new Error(`authorization refused: ${params.error} ${params.error_description ?? ''}`);
    }
    if (params.state !== this._state) throw new Error('the redirect carries another state');
    if (!params.code) throw new Error('the redirect carries no code');
    this.authorization = {
      request: Object.fromEntries(
        [...url.searchParams].filter(([k]) => k !== 'code_challenge' && k !== 'state'),
      ),
      iss: params.iss,
      pages,
      code: params.code,
    };
  }
}

/** A loopback listener: the redirect URI (a page saying the client may be closed) and, in
 * `cimd` mode, the Client ID Metadata Document. */
async function startLoopback() {
  const documents = new Map();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (req.method === 'GET' && documents.has(path)) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify(documents.get(path)));
    } else if (req.method === 'GET' && path === '/callback') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('Signed in; you can close this window.\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', resolve);
    server.on('error', reject);
  });
  server.unref();
  return { origin: `http://127.0.0.1:${server.address().port}`, documents, server };
}

async function authorizedRun() {
  const email = need('TESSERA_EMAIL');
  const password = need('TESSERA_PASSWORD');
  const loopback = await startLoopback();
  const redirectUrl = `${loopback.origin}/callback`;
  const clientMetadata = {
    client_name: 'Tessera MCP e2e client',
    redirect_uris: [redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  };
  let clientInformation;
  if (mode === 'cimd') {
    // SDK 1.32's own `clientMetadataUrl` accepts only https URLs, which a test on loopback
    // cannot serve to Tessera; the metadata document URL is therefore handed to the SDK as
    // already known client information: it is the client_id the SDK sends.
    const clientId = `${loopback.origin}/client-metadata.json`;
    loopback.documents.set('/client-metadata.json', { client_id: clientId, ...clientMetadata });
    clientInformation = { client_id: clientId };
  } else if (mode === 'preregistered') {
    clientInformation = { client_id: need('MCP_CLIENT_ID') };
  } else if (mode !== 'dcr') {
    throw new Error(`unknown MCP_CLIENT_MODE ${mode}`);
  }
  const provider = new PersonProvider({
    redirectUrl,
    clientMetadata,
    clientInformation,
    email,
    password,
  });
  const url = new URL(serverUrl);

  // First connection: 401, discovery, registration, authorization (the person), then the
  // SDK stops with UnauthorizedError until the code is handed back.
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: tracingFetch });
  const firstClient = new Client({ name: 'tessera-e2e-client', version: '1.0.0' });
  try {
    await firstClient.connect(first);
    throw new Error('connected without authorization');
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  if (!provider.authorization) throw new Error('the SDK never sent the person to authorize');
  const { code, ...authorization } = provider.authorization;
  report.authorization = authorization;
  await first.finishAuth(code);
  await firstClient.close();
  report.client_id = provider.clientInformation()?.client_id;
  report.token = claims(provider.tokens()?.access_token ?? '');

  // Second connection, with the access token.
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: tracingFetch });
  const client = new Client({ name: 'tessera-e2e-client', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    if (e instanceof UnauthorizedError) {
      throw new Error(`the MCP server refused the access token Tessera issued (${e.message})`);
    }
    throw e;
  }
  const tools = await client.listTools();
  const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
  const whoami = await client.callTool({ name: 'whoami', arguments: {} });
  await client.close();

  return {
    ...report,
    registered: provider.registered
      ? { client_id: provider.registered.client_id, has_secret: !!provider.registered.client_secret }
      : null,
    token_type: provider.tokens()?.token_type,
    tools: tools.tools.map(t => t.name),
    add: sum.content?.[0]?.text,
    add_is_error: !!sum.isError,
    whoami: JSON.parse(whoami.content?.[0]?.text ?? 'null'),
  };
}

/** Sends a given token with the SDK client and no auth provider: a token for another
 * audience must end in a 401 (and the SDK's `StreamableHTTPError`), the right one in a result. */
async function bearerRun() {
  const token = need('MCP_BEARER_TOKEN');
  const expect = process.env.MCP_EXPECT || 'refused';
  const url = new URL(serverUrl);
  report.token = claims(token);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: tracingFetch,
  });
  const client = new Client({ name: 'tessera-e2e-client', version: '1.0.0' });
  try {
    await client.connect(transport);
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    report.accepted = true;
    report.add = sum.content?.[0]?.text;
    await client.close();
  } catch (e) {
    if (!(e instanceof StreamableHTTPError)) throw e;
    report.accepted = false;
    report.status = e.code;
  }
  // The same request without the SDK, to show the challenge the server sent.
  const raw = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  await raw.body?.cancel();
  report.raw_status = raw.status;
  report.www_authenticate = raw.headers.get('www-authenticate');
  if ((expect === 'accepted') !== report.accepted) {
    throw new Error(`the token was ${report.accepted ? 'accepted' : 'refused'}, expected ${expect}`);
  }
  return report;
}

try {
  const result = mode === 'bearer' ? await bearerRun() : await authorizedRun();
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (e) {
  console.error(`client.mjs (${mode}): ${e?.stack ?? e}`);
  console.log(JSON.stringify({ ...report, error: String(e?.message ?? e) }));
  process.exit(1);
}
