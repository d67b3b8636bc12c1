// panva's oidc-provider configured like Tessera for the side-by-side part of `make bench`:
// discovery, JWKS, client_credentials with RS256 JWT access tokens, introspection. In-memory
// adapter, one process. Environment: PORT, CLIENT_ID, CLIENT_SECRET.
//
// oidc-provider refuses to introspect structured (JWT) access tokens, so its introspection
// figure is for an opaque client_credentials token (resource urn:bench:opaque); /token with
// resource urn:bench:jwt (the default resource) issues an RS256 JWT access token.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

const servers = {
  'urn:bench:jwt': { scope: 'read write', audience: 'urn:bench:jwt', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } },
  'urn:bench:opaque': { scope: 'read write', audience: 'urn:bench:opaque', accessTokenFormat: 'opaque' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'bench',
    client_secret: process.env.CLIENT_SECRET || 'bench-secret-bench-secret-bench-secret',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'read write',
  }],
  jwks: { keys: [jwk] },
  scopes: ['read', 'write'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:jwt',
      getResourceServerInfo: (_ctx, resource) => {
        const info = servers[resource];
        if (!info) throw new Error(`unknown resource ${resource}`);
        return info;
      },
      useGrantedResource: () => true,
    },
  },
  ttl: { ClientCredentials: 900 },
});
provider.proxy = false;
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer} ready (node ${process.version})`);
});
