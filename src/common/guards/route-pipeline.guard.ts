import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';

/** A route's metadata, by key, as its handler and then its controller declare it. */
export type RouteMetadata = ReadonlyMap<string, unknown>;

/** One check of the global pipeline: names the metadata it reads, and throws to refuse. */
export interface RouteStep {
  readonly metadataKeys: readonly string[];
  check(req: Request, res: Response, route: RouteMetadata): void | Promise<void>;
}

/**
 * The one global guard: runs its steps in the order it is given them (AppModule lists them), so
 * the pipeline does not depend on the order in which modules are imported. Route metadata is read
 * once per handler and kept, instead of by each step on every request.
 */
@Injectable()
export class RoutePipelineGuard implements CanActivate {
  private readonly keys: string[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what Nest hands out
  private readonly cache = new WeakMap<Type, WeakMap<Function, RouteMetadata>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly steps: readonly RouteStep[],
  ) {
    this.keys = [...new Set(steps.flatMap((s) => s.metadataKeys))];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const route = this.metadataOf(context.getClass(), context.getHandler());
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    for (const step of this.steps) await step.check(req, res, route);
    return true;
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what Nest hands out
  private metadataOf(controller: Type, handler: Function): RouteMetadata {
    let byHandler = this.cache.get(controller);
    if (!byHandler) this.cache.set(controller, (byHandler = new WeakMap()));
    let route = byHandler.get(handler);
    if (!route) {
      route = new Map(
        this.keys.map((k) => [k, this.reflector.getAllAndOverride(k, [handler, controller])]),
      );
      byHandler.set(handler, route);
    }
    return route;
  }
}
