import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { declaredErrorsOf } from './common/decorators/api-errors.decorator';
import { IS_PUBLIC } from './common/decorators/public.decorator';
import { ErrorResponseDto } from './common/dto/error-response.dto';
import { bodyOf, CommonErrors, DefinedError } from './common/errors';

/** Tags of the document, in this order; a route with another tag fails `npm run check`. */
const TAGS: Record<string, string> = {
  auth: 'Log in (password, emailed code, passkey or another provider) and out, check a session token, list and end sessions, change the password',
  registration: 'Sign-up, email confirmation and password reset (public, throttled)',
  account: "The signed-in user's own account: profile, email change, deletion and the data export",
  mfa: 'The second factor of the caller: TOTP enrolment, turning it off, recovery codes',
  passkeys: "The caller's passkeys (WebAuthn): adding, listing, renaming and removing them",
  admin: 'User management and the audit history (root and admin only)',
  operations: 'Health probes, metrics and the API documents',
  mail: 'Mail templates, previews, test mails and the outbox (root and admin only)',
  console:
    'The admin console (GET /admin) signs in here; its cookie then authenticates the admin routes',
  services: 'For other services: the change events stream (service key)',
  webhooks:
    'Webhook endpoints, their signing secrets and delivery log (a root changes them, an admin reads)',
};

/**
 * The OpenAPI document, served at /docs-json and committed as openapi.json (`npm run openapi`).
 * Beyond what the decorators say: public routes (`@Public()`) need no session (`security: []`),
 * every other route needs the bearer token (the global AuthGuard, whose 401 it documents), each
 * route's error answers are those its `@ApiErrors` declare, and `paths` and `schemas` are sorted
 * so that two branches adding routes touch different lines.
 */
export function buildOpenApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(title)
    .setDescription(
      'Email-confirmation auth server: sign-up with confirmation, sessions other services can ' +
        'check with GET /validate_token, and admin user management with an audit log. ' +
        'Authorize with the token that POST /login returns.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // Relative: the server that serves the document, wherever it runs (and the committed file
    // does not depend on who generated it).
    .addServer('/', 'The server that serves this document')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'Session token from POST /login',
    })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics' },
      'metrics',
    )
    .addCookieAuth(
      '__Host-console',
      {
        type: 'apiKey',
        in: 'cookie',
        description: 'The admin console session from POST /admin/session (admin routes only)',
      },
      'console',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'One of SERVICE_KEYS (service routes)' },
      'service-key',
    )
    .addSecurityRequirements('bearer');
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorResponseDto],
  });

  const routes = routesOf(app);
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as Operation[]) {
      const route = op?.operationId ? routes.get(op.operationId) : undefined;
      if (!route) continue;
      if (route.isPublic) {
        // A public route may still take its own credential (GET /metrics), never the session.
        op.security = (op.security ?? []).filter((s) => !('bearer' in s));
      }
      const errors = route.isPublic ? route.errors : [CommonErrors.invalid_token, ...route.errors];
      op.responses = { ...op.responses, ...errorResponses(errors) };
      op.responses = sortKeys(op.responses);
    }
  }
  document.paths = sortKeys(document.paths);
  if (document.components?.schemas)
    document.components.schemas = sortKeys(document.components.schemas);
  return document;
}

interface Operation {
  operationId?: string;
  security?: object[];
  responses: Record<string, unknown>;
}

interface Route {
  isPublic: boolean;
  errors: DefinedError[];
}

/** Every route by `Controller_method` (Swagger's default operationId): public or not, its errors. */
function routesOf(app: INestApplication): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const onClass = Reflect.getMetadata(IS_PUBLIC, metatype) as boolean | undefined;
      const proto = (metatype as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const onMethod = Reflect.getMetadata(IS_PUBLIC, handler) as boolean | undefined;
        routes.set(`${metatype.name}_${name}`, {
          isPublic: onMethod ?? onClass ?? false,
          errors: declaredErrorsOf(metatype, handler),
        });
      }
    }
  }
  return routes;
}

/**
 * One response per status: its codes and messages in the description, and an example body per
 * error, each made by the same function that makes the answers.
 */
function errorResponses(errors: DefinedError[]): Record<string, unknown> {
  const byStatus = new Map<number, DefinedError[]>();
  for (const e of new Map(errors.map((e) => [e.key, e])).values()) {
    byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of byStatus) {
    responses[String(status)] = {
      description: list.map((e) => `\`${e.code}\`: ${e.message}`).join('\n\n'),
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorResponseDto' },
          examples: Object.fromEntries(list.map((e) => [e.key, { value: bodyOf(e()) }])),
        },
      },
    };
  }
  return responses;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
