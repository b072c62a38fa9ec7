// graphql-http's published server audits (the GraphQL-over-HTTP conformance checks) against
// `engage serve`: every audit runs as its own test, and any result other than `ok` fails it,
// whatever its level (MUST, SHOULD or MAY), with the audit's reason and the server's reply.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAudits } from 'graphql-http';
import { graphqlUrl } from './lib/server.js';

const audits = serverAudits({ url: graphqlUrl });

test('the pinned graphql-http has its 61 audits (13 MUST, 23 SHOULD, 25 MAY)', () => {
  // Pinned in package.json; a new version's new audits should be seen, not skipped silently.
  const levels = { MUST: 0, SHOULD: 0, MAY: 0 };
  for (const audit of audits) levels[audit.name.split(' ')[0]] += 1;
  assert.deepEqual(levels, { MUST: 13, SHOULD: 23, MAY: 25 });
});

for (const audit of audits) {
  test(`audit ${audit.id}: ${audit.name}`, async () => {
    const result = await audit.fn();
    if (result.status === 'ok') return;
    let body = '';
    try {
      body = await result.response.text();
    } catch (e) {
      body = `(the body could not be read: ${e})`;
    }
    assert.fail(
      `${result.status} (${audit.name.split(' ')[0]}): ${result.reason}\n` +
        `  reply: ${result.response.status} ${result.response.headers.get('content-type')}\n` +
        `  body: ${body.slice(0, 500)}`,
    );
  });
}
