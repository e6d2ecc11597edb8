// /api/v1/openapi.json, made from the routes themselves: every /api/v1 route
// is collected as fastify registers it, with the JSON schemas that validate
// its parameters, query and body, its summary, and the role it needs. A
// route cannot be added without appearing here.

import type { FastifyInstance, RouteOptions } from 'fastify';
import { PERMISSIONS, type Permission } from '../model/role.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
    /** A body the route checks itself (a profile: every problem named in one answer): documented here, not validated by fastify. */
    bodyDocument?: object;
  }
}

interface RouteSchema {
  summary?: string;
  params?: { properties?: Record<string, object>; required?: string[] };
  querystring?: { properties?: Record<string, object>; required?: string[] };
  body?: object;
  bodyDocument?: object;
  /** The answer's schema by status (api-schemas.ts). */
  response?: Record<string, object>;
}

interface Operation {
  summary: string;
  parameters: object[];
  requestBody?: object;
  security: object[];
  'x-dploy-role'?: string;
  responses: Record<string, object>;
}

export const API_PREFIX = '/api/v1/';

/** Call before the API routes are registered: they are collected as they come. */
export function collectApiRoutes(app: FastifyInstance, version: string): void {
  const paths: Record<string, Record<string, Operation>> = {};
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith(API_PREFIX)) return;
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      (paths[path] ??= {})[method.toLowerCase()] = operation(route);
    }
  });
  const documentSchema = { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { const: '3.1.0' } } };
  app.get('/api/v1/openapi.json', { schema: { summary: 'this document', response: { 200: documentSchema } } }, async () => ({
    openapi: '3.1.0',
    info: { title: 'dploy API', version, description: 'Roles: docs/console.md; errors: docs/errors.md.' },
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'dploy token create --role viewer|operator|admin' } },
      schemas: { Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } } },
    },
    paths,
  }));
}

function operation(route: RouteOptions): Operation {
  const schema = (route.schema ?? {}) as RouteSchema;
  const permission = (route.config as { permission?: Permission } | undefined)?.permission;
  const parameters = [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')];
  const error = { description: 'refused', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    summary: schema.summary ?? `${[route.method].flat().join(', ')} ${route.url}`,
    parameters,
    ...(schema.body || schema.bodyDocument
      ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body ?? schema.bodyDocument } } } }
      : {}),
    security: permission ? [{ token: [] }] : [],
    ...(permission ? { 'x-dploy-role': PERMISSIONS[permission] } : {}),
    responses: { ...answers(schema.response), ...(permission ? { '401': error, '403': error } : {}), '400': error, '404': error },
  };
}

const ANSWERED: Record<string, string> = { '201': 'created', '202': 'started; the Location header names what to read for its end' };

/** Each documented status with its JSON schema; a route that documents none says only "done". */
function answers(response: RouteSchema['response']): Record<string, object> {
  const documented = Object.entries(response ?? {});
  if (documented.length === 0) return { '200': { description: 'done' } };
  return Object.fromEntries(
    documented.map(([status, schema]) => [status, { description: ANSWERED[status] ?? 'done', content: { 'application/json': { schema } } }]),
  );
}

function parametersOf(part: RouteSchema['params'], where: 'path' | 'query'): object[] {
  return Object.entries(part?.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || (part?.required ?? []).includes(name),
    schema,
  }));
}
