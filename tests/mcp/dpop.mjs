// DPoP (RFC 9449) against Tessera with panva's oauth4webapi, a spec-complete third-party client:
// the authorization code is redeemed with a DPoP proof, /userinfo is called with the bound
// token, and the refresh token is refreshed with the same key; every step retries once on a
// `use_dpop_nonce` answer (isDPoPNonceError), as a client must when the server demands nonces.
//
// Input (environment): ISSUER, CLIENT_ID, CALLBACK (the full redirect URL with code, state,
// iss), STATE, REDIRECT_URI, CODE_VERIFIER. Output (stdout): one JSON report.
import * as oauth from 'oauth4webapi';

const insecure = { [oauth.allowInsecureRequests]: true };
const issuer = new URL(process.env.ISSUER);
const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, insecure),
);
const client = { client_id: process.env.CLIENT_ID };
const auth = oauth.None();
const keyPair = await oauth.generateKeyPair('ES256');
const DPoP = oauth.DPoP(client, keyPair);
let nonceRetries = 0;

// Runs `step` and retries once when the server asks for a (new) DPoP nonce.
async function withNonce(step) {
  try {
    return await step();
  } catch (err) {
    if (oauth.isDPoPNonceError(err)) {
      nonceRetries += 1;
      return await step();
    }
    throw err;
  }
}

const params = oauth.validateAuthResponse(
  as,
  client,
  new URL(process.env.CALLBACK),
  process.env.STATE,
);
const tokens = await withNonce(async () => {
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    process.env.REDIRECT_URI,
    process.env.CODE_VERIFIER,
    { DPoP, ...insecure },
  );
  return oauth.processAuthorizationCodeResponse(as, client, response);
});
const sub = oauth.getValidatedIdTokenClaims(tokens)?.sub;

const userinfo = await withNonce(async () => {
  const response = await oauth.userInfoRequest(as, client, tokens.access_token, {
    DPoP,
    ...insecure,
  });
  return oauth.processUserInfoResponse(as, client, sub, response);
});

const refreshed = await withNonce(async () => {
  const response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, {
    DPoP,
    ...insecure,
  });
  return oauth.processRefreshTokenResponse(as, client, response);
});

const again = await withNonce(async () => {
  const response = await oauth.userInfoRequest(as, client, refreshed.access_token, {
    DPoP,
    ...insecure,
  });
  return oauth.processUserInfoResponse(as, client, sub, response);
});

console.log(
  JSON.stringify({
    token_type: tokens.token_type,
    access_token: tokens.access_token,
    refreshed_token_type: refreshed.token_type,
    refreshed_access_token: refreshed.access_token,
    refresh_token: refreshed.refresh_token,
    sub,
    userinfo_sub: userinfo.sub,
    refreshed_userinfo_sub: again.sub,
    nonce_retries: nonceRetries,
  }),
);
