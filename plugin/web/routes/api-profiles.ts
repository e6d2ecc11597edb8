// JSON API over install profiles, behind an API token: what `dploy profiles
// list|show|add --replace` does, for scripts and configuration management.
// Password hashes are sealed on the way in and never sent out.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { DEFAULT_SECRET_KEY_FILE, getProfile, listProfiles, maskProfile, storeProfile } from '../../installers/index.js';
import { openSecretBox } from '../../secret-box.js';
import { apiAccess } from '../api-auth.js';
import { recordAudit } from '../../store/audit-log.js';
import { profileInputSchema, profileJsonSchema, profileListSchema, profileSavedSchema } from '../api-schemas.js';

export function apiProfileRoutes(app: FastifyInstance, deps: { db: DataSource; secretKeyFile?: string }): void {
  const read = apiAccess(deps.db, 'read');
  const named = { type: 'object', properties: { name: { type: 'string', maxLength: 255 } }, required: ['name'] };
  app.get('/api/v1/profiles', { ...read, schema: { summary: 'every profile, hashes masked', response: { 200: profileListSchema } } }, async () => ({
    profiles: (await listProfiles(deps.db.manager)).map(maskProfile),
  }));
  app.get<{ Params: { name: string } }>(
    '/api/v1/profiles/:name',
    { ...read, schema: { summary: 'one profile, hashes masked', params: named, response: { 200: profileJsonSchema } } },
    async (request) => maskProfile(await getProfile(deps.db.manager, request.params.name)),
  );
  // PUT creates or replaces the named profile whole; the body's name, if any, must agree with the URL.
  app.put<{ Params: { name: string }; Body: unknown }>(
    '/api/v1/profiles/:name',
    {
      ...apiAccess(deps.db, 'edit-profile'),
      schema: {
        summary: 'create or replace a profile (docs/profiles.md), validated whole',
        params: named,
        bodyDocument: profileInputSchema,
        response: { 200: profileSavedSchema, 201: profileSavedSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new DployError('DPLOY_ERR_INVALID_INPUT', 'send the profile as a JSON object');
      const named = body as Record<string, unknown>;
      if (named.name !== undefined && named.name !== request.params.name) {
        throw new DployError('DPLOY_ERR_INVALID_INPUT', `the body names profile "${String(named.name)}" but the URL ${request.params.name}`);
      }
      const saved = await storeProfile(
        deps.db.manager,
        { ...named, name: request.params.name },
        { replace: true, secrets: openSecretBox(deps.secretKeyFile ?? DEFAULT_SECRET_KEY_FILE) },
      );
      await recordAudit(deps.db.manager, {
        actor: request.caller!.actor,
        action: saved.replaced ? 'profile.edit' : 'profile.add',
        target: request.params.name,
      });
      return reply.code(saved.replaced ? 200 : 201).send({ profile: maskProfile(saved.profile), warnings: saved.warnings });
    },
  );
}
