// A relying party built with panva's oauth4webapi using pushed authorization requests
// (RFC 9126) and signed request objects (RFC 9101) at Tessera. The person's part (login and
// consent pages) is played by the Rust test in between; this script does the client's steps.
//
// Environment:
//   ISSUER                 Tessera's issuer (http on loopback: insecure requests allowed)
//   PAR_MODE               `push`: discovery, then PAR; prints the request_uri and the
//                          authorization URL, with the PKCE verifier, state and nonce to keep;
//                          `exchange`: validates the callback URL and redeems the code;
//                          `keys`: makes an ES256 key pair, prints both JWKs;
//                          `objects`: pushes one request object per variant in PAR_VARIANTS
//                          and prints what /par answered to each (status and error);
//                          `unpushed_good` is a good one made and not pushed
//   CLIENT_ID, CLIENT_SECRET   the client (secret: client_secret_basic; empty: public)
//   REDIRECT_URI, SCOPE    the authorization request's
//   PRIVATE_JWK            (request objects) the client's private key, JWK JSON with `kid`
//   REQUEST_OBJECT         `yes`: `push` sends a signed request object instead of parameters
//   CALLBACK_URL, CODE_VERIFIER, STATE, NONCE   (exchange) what push printed, and where the
//                          browser was sent back to
//
// Prints one JSON object on stdout and exits 0; on failure a message on stderr and exit 1.

import * as oauth from 'oauth4webapi';

const TIMEOUT_MS = 50_000;
setTimeout(() => {
  console.error(`par.mjs: gave up after ${TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TIMEOUT_MS).unref();

function need(name) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    console.error(`par.mjs: ${name} is required`);
    process.exit(1);
  }
  return v;
}

const insecure = { [oauth.allowInsecureRequests]: true };
const b64 = (bytes) => Buffer.from(bytes).toString('base64url');

async function discover() {
  const issuer = new URL(need('ISSUER'));
  const res = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure });
  return oauth.processDiscoveryResponse(issuer, res);
}

function clientAndAuth() {
  const client = { client_id: need('CLIENT_ID') };
  const secret = process.env.CLIENT_SECRET;
  const auth = secret ? oauth.ClientSecretBasic(secret) : oauth.None();
  return { client, auth };
}

async function privateKey() {
  const jwk = JSON.parse(need('PRIVATE_JWK'));
  const key = await crypto.subtle.importKey(
    'jwk',
    jwk,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  return { key, kid: jwk.kid };
}

function authorizationParameters(codeChallenge, state, nonce) {
  return new URLSearchParams({
    response_type: 'code',
    redirect_uri: need('REDIRECT_URI'),
    scope: need('SCOPE'),
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
}

async function push() {
  const as = await discover();
  const { client, auth } = clientAndAuth();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  let params = authorizationParameters(codeChallenge, state, nonce);
  if (process.env.REQUEST_OBJECT === 'yes') {
    const request = await oauth.issueRequestObject(as, client, params, await privateKey());
    params = new URLSearchParams({ request });
  }
  const response = await oauth.pushedAuthorizationRequest(as, client, auth, params, insecure);
  const cacheControl = response.headers.get('cache-control');
  const status = response.status;
  const pushed = await oauth.processPushedAuthorizationResponse(as, client, response);
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('request_uri', pushed.request_uri);
  return {
    status,
    cache_control: cacheControl,
    par_endpoint: as.pushed_authorization_request_endpoint,
    require_par: as.require_pushed_authorization_requests,
    request_uri: pushed.request_uri,
    expires_in: pushed.expires_in,
    authorization_url: url.href,
    code_verifier: codeVerifier,
    state,
    nonce,
  };
}

async function exchange() {
  const as = await discover();
  const { client, auth } = clientAndAuth();
  const callback = new URL(need('CALLBACK_URL'));
  const params = oauth.validateAuthResponse(as, client, callback, need('STATE'));
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    need('REDIRECT_URI'),
    need('CODE_VERIFIER'),
    insecure,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: need('NONCE'),
    requireIdToken: true,
  });
  const claims = oauth.getValidatedIdTokenClaims(result);
  return {
    token_type: result.token_type,
    access_token: result.access_token,
    sub: claims.sub,
    aud: claims.aud,
    nonce: claims.nonce,
  };
}

async function keys() {
  const pair = await oauth.generateKeyPair('ES256', { extractable: true });
  const kid = b64(crypto.getRandomValues(new Uint8Array(12)));
  const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const priv = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const publicJwk = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, kid, alg: 'ES256', use: 'sig' };
  return {
    jwks: JSON.stringify({ keys: [publicJwk] }),
    private_jwk: JSON.stringify({ ...priv, kid }),
  };
}

/// Request objects that must be refused, one per variant, each pushed to /par.
async function objects() {
  const as = await discover();
  const { client, auth } = clientAndAuth();
  const key = await privateKey();
  const codeChallenge = await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier());
  const params = () =>
    authorizationParameters(codeChallenge, oauth.generateRandomState(), oauth.generateRandomNonce());
  const modified = (change) =>
    oauth.issueRequestObject(as, client, params(), key, { [oauth.modifyAssertion]: change });
  const variants = {
    good: () => oauth.issueRequestObject(as, client, params(), key),
    tampered: async () => {
      const [h, p, s] = (await oauth.issueRequestObject(as, client, params(), key)).split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url'));
      claims.scope = 'openid email profile';
      return [h, b64(JSON.stringify(claims)), s].join('.');
    },
    alg_none: async () => {
      const [, p] = (await oauth.issueRequestObject(as, client, params(), key)).split('.');
      return [b64(JSON.stringify({ alg: 'none', typ: 'oauth-authz-req+jwt' })), p, ''].join('.');
    },
    unknown_key: async () => {
      const other = await oauth.generateKeyPair('ES256');
      return oauth.issueRequestObject(as, client, params(), { key: other.privateKey, kid: key.kid });
    },
    wrong_aud: () => modified((_, claims) => { claims.aud = 'https://elsewhere.example'; }),
    expired: () =>
      modified((_, claims) => {
        claims.exp = claims.iat - 3600;
        claims.nbf = claims.iat - 3700;
        claims.iat -= 3700;
      }),
    wrong_iss: () => modified((_, claims) => { claims.iss = 'someone-else'; }),
  };
  const wanted = need('PAR_VARIANTS').split(',');
  const answers = {};
  for (const name of wanted) {
    if (name === 'unpushed_good') {
      answers[name] = { request: await variants.good() };
      continue;
    }
    const request = await variants[name]();
    const response = await oauth.pushedAuthorizationRequest(
      as,
      client,
      auth,
      new URLSearchParams({ request }),
      insecure,
    );
    const body = await response.json();
    answers[name] = { status: response.status, error: body.error ?? null, request };
  }
  return answers;
}

const modes = { push, exchange, keys, objects };
const mode = modes[need('PAR_MODE')];
if (!mode) {
  console.error('par.mjs: PAR_MODE must be push, exchange, keys or objects');
  process.exit(1);
}
try {
  console.log(JSON.stringify(await mode()));
  process.exit(0);
} catch (e) {
  console.error(`par.mjs: ${e?.stack ?? e}`, e?.cause ?? '');
  process.exit(1);
}
