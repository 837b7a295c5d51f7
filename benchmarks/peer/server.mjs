// The peer tokenvend's benchmark measures itself against: panva's oidc-provider (an
// OpenID Certified implementation), configured like examples/quickstart.yaml — client
// `client` / `secret` (client_secret_basic), scope `api1`, audience `api1` — issuing
// RS256 JWT access tokens with the client credentials grant.
//
// Loopback only, on a free port (or PEER_PORT); prints one JSON line {"port": N} once it
// listens, and exits by itself when its standard input closes (the benchmark is gone) or
// after PEER_MAX_SECONDS (default 600), whichever comes first.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'peer-rs256' };

const API1 = {
  scope: 'api1',
  audience: 'api1',
  accessTokenTTL: 3600,
  accessTokenFormat: 'jwt',
  jwt: { sign: { alg: 'RS256' } },
};

const configuration = {
  clients: [{
    client_id: 'client',
    client_secret: 'secret',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api1',
  }],
  scopes: ['api1'],
  ttl: { ClientCredentials: 3600 },
  jwks: { keys: [signingKey] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // RFC 8707: a request without `resource` gets the one resource server, api1, whose
    // access tokens are RS256 JWTs with aud "api1".
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:tokenvend:bench:api1',
      getResourceServerInfo: () => API1,
      useGrantedResource: () => true,
    },
  },
};

const host = '127.0.0.1';
const server = createServer();
server.listen(Number(process.env.PEER_PORT || 0), host, () => {
  const { port } = server.address();
  const provider = new Provider(`http://${host}:${port}`, configuration);
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
});

const stop = () => process.exit(0);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
setTimeout(stop, 1000 * Number(process.env.PEER_MAX_SECONDS || 600)).unref();
