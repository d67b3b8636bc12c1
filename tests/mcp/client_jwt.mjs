// JWT client authentication (RFC 7523) against Tessera with panva's oauth4webapi: a third-party
// client's own assertions, signed by jose / WebCrypto, not by Tessera's code.
//
// MODE=keygen      makes an ES256 key pair; prints {public_jwk, private_jwk} (kid in both).
// MODE=private_key_jwt  ISSUER, CLIENT_ID, PRIVATE_JWK: client_credentials, introspection and
//                  revocation with PrivateKeyJwt (one assertion with aud = the token endpoint).
// MODE=client_secret_jwt  ISSUER, CLIENT_ID, CLIENT_SECRET: client_credentials with
//                  ClientSecretJwt, and introspection of the token it got.
// Prints one JSON report; any protocol error is thrown (non-zero exit).

import * as oauth from 'oauth4webapi';
import * as jose from 'jose';

const mode = process.env.MODE;
const insecure = { [oauth.allowInsecureRequests]: true };

async function discover() {
  const issuer = new URL(process.env.ISSUER);
  const response = await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' });
  return oauth.processDiscoveryResponse(issuer, response);
}

async function clientCredentials(as, client, auth, options = {}) {
  const response = await oauth.clientCredentialsGrantRequest(
    as, client, auth, new URLSearchParams({ scope: 'read' }), { ...insecure, ...options });
  return oauth.processClientCredentialsResponse(as, client, response);
}

async function introspect(as, client, auth, token) {
  const response = await oauth.introspectionRequest(as, client, auth, token, insecure);
  return oauth.processIntrospectionResponse(as, client, response);
}

async function revoke(as, client, auth, token) {
  const response = await oauth.revocationRequest(as, client, auth, token, insecure);
  await oauth.processRevocationResponse(response);
}

if (mode === 'keygen') {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const kid = `k-${Date.now()}`;
  const public_jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const private_jwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'ES256' };
  console.log(JSON.stringify({ public_jwk, private_jwk }));
} else if (mode === 'private_key_jwt') {
  const as = await discover();
  const client = { client_id: process.env.CLIENT_ID };
  const jwk = JSON.parse(process.env.PRIVATE_JWK);
  const key = await jose.importJWK(jwk, 'ES256');
  const auth = oauth.PrivateKeyJwt({ key, kid: jwk.kid });
  const first = await clientCredentials(as, client, auth);
  // The same client, its assertion addressed to the token endpoint instead of the issuer.
  const toEndpoint = oauth.PrivateKeyJwt({ key, kid: jwk.kid }, {
    [oauth.modifyAssertion]: (_header, payload) => { payload.aud = as.token_endpoint; },
  });
  const second = await clientCredentials(as, client, toEndpoint);
  const before = await introspect(as, client, auth, first.access_token);
  await revoke(as, client, auth, first.access_token);
  const after = await introspect(as, client, auth, first.access_token);
  const other = await introspect(as, client, auth, second.access_token);
  console.log(JSON.stringify({
    discovery: {
      methods: as.token_endpoint_auth_methods_supported,
      algs: as.token_endpoint_auth_signing_alg_values_supported,
    },
    token_type: first.token_type,
    scope: first.scope,
    second_token: typeof second.access_token === 'string',
    active_before: before.active,
    client_id_before: before.client_id,
    active_after_revocation: after.active,
    other_still_active: other.active,
  }));
} else if (mode === 'client_secret_jwt') {
  const as = await discover();
  const client = { client_id: process.env.CLIENT_ID };
  const auth = oauth.ClientSecretJwt(process.env.CLIENT_SECRET);
  const tokens = await clientCredentials(as, client, auth);
  const info = await introspect(as, client, auth, tokens.access_token);
  console.log(JSON.stringify({
    token_type: tokens.token_type,
    scope: tokens.scope,
    active: info.active,
    client_id: info.client_id,
  }));
} else {
  throw new Error(`unknown MODE ${mode}`);
}
