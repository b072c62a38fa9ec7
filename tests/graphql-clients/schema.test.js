// graphql-js (the reference implementation) against `engage serve`: the standard
// introspection query, the schema it describes compared with the committed schema.graphql,
// and the documents of docs/api.md validated against it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  parse,
  printSchema,
  validate,
} from 'graphql';
import { post, repoRoot } from './lib/server.js';

/** The schema printed the same way whatever its source: sorted, graphql-js's layout. */
function normalised(schema) {
  return printSchema(lexicographicSortSchema(schema));
}

async function introspect(query) {
  const r = await post({ query, operationName: 'IntrospectionQuery' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.errors, undefined, r.text);
  return r.json.data;
}

let served;

before(async () => {
  // Every option on, so that nothing the server describes is left out of the comparison,
  // but the schema's own description: async-graphql 7.2 answers `__schema { description }`
  // with a fixed text (the description of the `__Schema` type itself), not a description of
  // this schema, and the committed SDL rightly has none.
  const full = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: false,
    inputValueDeprecation: true,
    // `@oneOf` inputs (the referral and escalation targets of mutations).
    oneOf: true,
  });
  served = buildClientSchema(await introspect(full));
});

test('the standard introspection query (as GraphiQL sends it) succeeds and builds a schema', async () => {
  const data = await introspect(getIntrospectionQuery());
  const schema = buildClientSchema(data);
  assert.equal(schema.getQueryType()?.name, 'Query');
  assert.equal(schema.getSubscriptionType()?.name, 'Subscription');
  assert.ok(schema.getType('EventConnection'), 'EventConnection is described');
});

test('the served schema is the committed schema.graphql', () => {
  const committed = buildSchema(readFileSync(path.join(repoRoot, 'schema.graphql'), 'utf8'));
  assert.equal(normalised(served), normalised(committed));
});

/** The GraphQL documents in docs/api.md (its ```graphql blocks). */
function documentedOperations() {
  const file = path.join(repoRoot, 'docs', 'api.md');
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks;
}

test('docs/api.md has GraphQL examples to check', () => {
  assert.ok(documentedOperations().length >= 3, 'expected at least three ```graphql blocks');
});

for (const [i, source] of documentedOperations().entries()) {
  const firstLine = source.trim().split('\n')[0];
  test(`docs/api.md example ${i + 1} validates (${firstLine})`, () => {
    const errors = validate(served, parse(source));
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
      `docs/api.md example ${i + 1} does not validate:\n${source}`,
    );
  });
}

const realistic = {
  'a stream page by page, with variables': `
    query StreamPage($id: String!, $after: String) {
      stream(id: $id, first: 20, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { eventId streamVersion eventType occurredAt payload } }
      }
    }`,
  'one event and its stream metadata': `
    query EventAndMetadata($event: UUID!, $stream: String!) {
      event(id: $event) { position streamId actor { id role organisation } reason causationId }
      streamMetadata(id: $stream) { version metadata setAt setBy { id } }
    }`,
  'the last events, newest first through last/before': `
    query Tail { events(last: 10) { pageInfo { hasPreviousPage startCursor } nodes { position hash } } }`,
  'a filtered live subscription': `
    subscription Complaints($from: Int) {
      events(fromPosition: $from, eventType: "VictimComplaintRaised", streamPrefix: "complaint-") {
        position streamId payload
      }
    }`,
};

for (const [name, source] of Object.entries(realistic)) {
  test(`a realistic document validates: ${name}`, () => {
    assert.deepEqual(validate(served, parse(source)).map((e) => e.message), []);
  });
}

test('documents that are wrong for this schema do not validate', () => {
  for (const source of [
    '{ head { position size } }',
    '{ events(first: "ten") { totalCount } }',
    '{ event { position } }',
    'subscription { head { position } }',
  ]) {
    assert.notDeepEqual(validate(served, parse(source)), [], source);
  }
});
