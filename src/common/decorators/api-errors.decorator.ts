import type { DefinedError } from '../errors';

export const API_ERRORS = 'api:errors';

/**
 * The errors a route (or every route of a controller) may answer, from the modules' catalogues.
 * The OpenAPI document lists them per status with their codes and messages (buildOpenApiDocument),
 * so the documented answers are the declared ones and cannot drift from what the code throws.
 */
export function ApiErrors(...errors: DefinedError[]): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value as object | undefined) ?? target;
    const earlier = (Reflect.getMetadata(API_ERRORS, holder) as DefinedError[] | undefined) ?? [];
    Reflect.defineMetadata(API_ERRORS, [...earlier, ...errors], holder);
  };
}

/** The errors declared on a route: its controller's, then its own, each once. */
export function declaredErrorsOf(controller: object, handler: object): DefinedError[] {
  const all = [
    ...((Reflect.getMetadata(API_ERRORS, controller) as DefinedError[] | undefined) ?? []),
    ...((Reflect.getMetadata(API_ERRORS, handler) as DefinedError[] | undefined) ?? []),
  ];
  return [...new Map(all.map((e) => [e.key, e])).values()];
}
