// Profiles: the list, one profile (hashes masked), and for operators a new
// or edited profile as YAML, validated whole by the same code as
// `dploy profiles add`; a refused one comes back in the form with every
// problem named, nothing saved.

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { DployError, isDployError } from '../../errors.js';
import { DEFAULT_SECRET_KEY_FILE, getProfile, keepHiddenHashes, listProfiles, maskProfile, openProfile, storeProfile } from '../../installers/index.js';
import { openSecretBox } from '../../secret-box.js';
import { recordAudit } from '../../store/audit-log.js';
import { allow } from './console-access.js';
import { renderPage } from './console-views.js';

/** A start for a new profile: the fields every profile needs (docs/profiles.md has them all). */
const NEW_PROFILE = 'name: \ndistro: debian\nrelease: "12"\narch: x86_64\n';

export function profilePages(app: FastifyInstance, deps: { db: DataSource; secretKeyFile?: string }): void {
  const db = deps.db.manager;
  const box = () => openSecretBox(deps.secretKeyFile ?? DEFAULT_SECRET_KEY_FILE);
  const form = (reply: FastifyReply, title: string, action: string, yaml: string, error?: string) =>
    renderPage(reply, 'profile-form', { title, action, yaml, ...(error ? { error } : {}) }, error ? 400 : 200);

  app.get('/profiles', { preHandler: allow('read') }, async (_request, reply) =>
    renderPage(reply, 'profiles', { title: 'Profiles', profiles: await listProfiles(db) }),
  );
  app.get('/profiles/new', { preHandler: allow('edit-profile') }, async (_request, reply) => form(reply, 'New profile', '/profiles/new', NEW_PROFILE));
  app.get<{ Params: { name: string } }>('/profiles/:name', { preHandler: allow('read') }, async (request, reply) => {
    const profile = maskProfile(await getProfile(db, request.params.name));
    return renderPage(reply, 'profile', { title: `Profile ${profile.name}`, name: profile.name, yaml: toYaml(profile) });
  });
  app.get<{ Params: { name: string } }>('/profiles/:name/edit', { preHandler: allow('edit-profile') }, async (request, reply) => {
    const profile = maskProfile(await getProfile(db, request.params.name));
    return form(reply, `Edit profile ${profile.name}`, `/profiles/${encodeURIComponent(profile.name)}/edit`, toYaml(profile));
  });

  const save = async (reply: FastifyReply, actor: string, yaml: string, target: { name?: string; title: string; action: string }) => {
    try {
      let input = parseYamlText(yaml);
      if (target.name) {
        const named = (input ?? {}) as Record<string, unknown>;
        if (named.name !== target.name) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'name: editing cannot rename a profile; create it under the new name');
        input = keepHiddenHashes(input, openProfile(await getProfile(db, target.name), box()));
      }
      const saved = await storeProfile(db, input, { replace: target.name !== undefined, secrets: box() });
      await recordAudit(db, { actor, action: target.name ? 'profile.edit' : 'profile.add', target: saved.profile.name });
      return reply.redirect(`/profiles/${encodeURIComponent(saved.profile.name)}`, 303);
    } catch (err) {
      if (!isDployError(err) || err.status >= 500) throw err;
      return form(reply, target.title, target.action, yaml, err.message);
    }
  };
  app.post<{ Body: Record<string, string | undefined> }>('/profiles/new', { preHandler: allow('edit-profile') }, async (request, reply) =>
    save(reply, request.caller!.actor, request.body.yaml ?? '', { title: 'New profile', action: '/profiles/new' }),
  );
  app.post<{ Params: { name: string }; Body: Record<string, string | undefined> }>(
    '/profiles/:name/edit',
    { preHandler: allow('edit-profile') },
    async (request, reply) => {
      const name = request.params.name;
      return save(reply, request.caller!.actor, request.body.yaml ?? '', {
        name,
        title: `Edit profile ${name}`,
        action: `/profiles/${encodeURIComponent(name)}/edit`,
      });
    },
  );
}

function parseYamlText(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
