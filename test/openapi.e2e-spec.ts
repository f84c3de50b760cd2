import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, TestApp } from './support/test-app';

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown> };

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: { security: unknown; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    t = await startApp();
    doc = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.destroy());

  it('marks public routes as needing no token, POST /login among them', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/login'].post.security).toEqual([]);
    expect(doc.paths['/register'].post.security).toEqual([]);
    expect(doc.paths['/health/ready'].get.security).toEqual([]);
    // A public route with a credential of its own keeps it, without the session's.
    expect(doc.paths['/metrics'].get.security).toEqual([{ metrics: [] }]);
    // Routes behind the global AuthGuard inherit the document's bearer requirement.
    const validate = doc.paths['/validate_token'].get.security;
    expect(validate === undefined || JSON.stringify(validate).includes('bearer')).toBe(true);
  });

  it('is what the committed openapi.json says (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });
});
