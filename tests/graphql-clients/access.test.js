// Access control seen by a plain HTTP client: a token from `engage token` is accepted and
// its role applies; a forged or malformed token is 401 with a Bearer challenge.
// scripts/client-tests issues the analyst token (ENGAGE_ANALYST_TOKEN).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { codes, post } from './lib/server.js';

const token = process.env.ENGAGE_ANALYST_TOKEN;

test('an analyst token reads the log but may not record anything', { skip: !token }, async () => {
  const auth = { authorization: `Bearer ${token}` };
  const read = await post({ query: '{ events(first: 1) { totalCount } }' }, auth);
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.errors, undefined, read.text);
  assert.ok(read.json.data.events.totalCount > 0);

  const write = await post(
    {
      query: 'mutation { closeFundRound(roundId: "0190a3f0-0000-7000-8000-000000000000", input: { closedAt: "2024-01-01T00:00:00Z" }) { command } }',
    },
    auth,
  );
  assert.equal(write.status, 200, write.text);
  assert.deepEqual(codes(write), ['FORBIDDEN']);
});

test('a forged token is 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', { skip: !token }, async () => {
  const [header, claims] = token.split('.');
  const forged = `${header}.${claims}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
  const r = await post({ query: '{ head { position } }' }, { authorization: `Bearer ${forged}` });
  assert.equal(r.status, 401, r.text);
  assert.deepEqual(codes(r), ['UNAUTHENTICATED']);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
});
