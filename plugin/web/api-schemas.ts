// The JSON shapes /api/v1 answers with, as JSON Schema (2020-12, the dialect
// of OpenAPI 3.1): each route names its answer's schema, the OpenAPI document
// carries it, and test/integration/web/api-walk.test.ts checks every real
// answer against it. Objects are closed (additionalProperties false): a field
// the code adds without saying so here fails that walk. The answers are
// written by JSON.stringify (app.ts), never cut to fit these schemas.

import { z } from 'zod';
import { profileSchema } from '../installers/index.js';
import { ROLES } from '../model/role.js';

type Schema = Record<string, unknown>;

const closed = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
const text: Schema = { type: 'string' };
const textOrNull: Schema = { type: ['string', 'null'] };
const id: Schema = { type: 'integer', minimum: 1 };
const time: Schema = { type: 'string', format: 'date-time' };
const list = (items: Schema): Schema => ({ type: 'array', items });
const nextLink: Schema = { type: ['string', 'null'], description: 'the next page (also the Link header), null on the last' };

export const hostSchema = closed({
  id,
  name: text,
  macs: list(text),
  uuid: textOrNull,
  serial: textOrNull,
  arch: textOrNull,
  firmware: textOrNull,
  bmcAddress: { type: ['string', 'null'], description: 'null for a viewer' },
  bootNic: {
    oneOf: [{ type: 'null' }, closed({ mac: text, source: { enum: ['boot request', 'seen', 'manual', 'guessed'] }, why: text })],
  },
  bootState: text,
  status: textOrNull,
  createdAt: time,
  updatedAt: time,
});

export const hostPageSchema = closed({ hosts: list(hostSchema), total: { type: 'integer', minimum: 0 }, next: nextLink });

const jobFields = {
  id,
  hostId: id,
  kind: text,
  state: text,
  profile: text,
  image: text,
  bootAddress: text,
  attempts: { type: 'integer', minimum: 0 },
  leaseOwner: text,
  leaseUntil: time,
  message: text,
  stateEnteredAt: time,
  createdAt: time,
  updatedAt: time,
  finishedAt: time,
  bootMac: text,
};
const jobOptional = ['profile', 'image', 'bootAddress', 'leaseOwner', 'leaseUntil', 'message', 'finishedAt', 'bootMac'];
export const jobSchema = closed(jobFields, jobOptional);
const eventSchema = closed({ id, jobId: id, at: time, fromState: text, toState: text, message: text, actor: text }, ['fromState']);
export const jobListSchema = closed({ jobs: list(jobSchema) });
export const jobWithEventsSchema = closed({ ...jobFields, events: list(eventSchema) }, jobOptional);
export const jobCancelledSchema = closed({ id, state: { const: 'cancelled' } });

export const groupSchema = closed({ id, name: text, description: text, hostIds: list(id) }, ['description']);
export const groupListSchema = closed({ groups: list(groupSchema) });

const role: Schema = { enum: [...ROLES] };
export const tokenListSchema = closed({ tokens: list(closed({ id, name: text, role, createdAt: time })) });
export const tokenCreatedSchema = closed({ id, token: { type: 'string', description: 'shown in this answer only' }, role });
export const tokenRevokedSchema = closed({ id, revoked: { const: true } });

export const taskSetSchema = closed({ task: text, hostIds: list(id), cancelled: { type: 'array', items: id, description: 'jobs cancelled by force' } });
export const hostForgottenSchema = closed({ id, name: text, forgotten: { const: true } });

/** A profile as stored and sent: zod's own schema of it, hashes reading "(set, hidden)". */
const { $schema: _dialect, ...profile } = z.toJSONSchema(profileSchema, { io: 'output', unrepresentable: 'any' }) as Schema;
export const profileJsonSchema: Schema = profile;
/** A profile as written to PUT: defaults may be left out, and the name comes from the URL. */
const {
  $schema: _inputDialect,
  required,
  ...input
} = z.toJSONSchema(profileSchema, { io: 'input', unrepresentable: 'any' }) as Schema & { required?: string[] };
export const profileInputSchema: Schema = { ...input, required: (required ?? []).filter((field) => field !== 'name') };
export const profileListSchema = closed({ profiles: list(profileJsonSchema) });
export const profileSavedSchema = closed({ profile: profileJsonSchema, warnings: list(text) });

export const imageSchema = closed({
  name: text,
  kind: text,
  host: { oneOf: [{ type: 'null' }, closed({ id, name: text })], description: 'the machine it was captured from; null once forgotten' },
  sizeBytes: { type: ['integer', 'null'], minimum: 0 },
  createdAt: time,
  state: { enum: ['ready', 'in use', 'missing'], description: 'in use: a job not ended names it; missing: no manifest.json behind the row' },
  checksum: closed({
    status: { enum: ['unverified', 'verifying', 'ok', 'corrupt'], description: 'verifying: a verify started by the console or the API is reading it now' },
    verifiedAt: { oneOf: [{ type: 'null' }, time] },
    problem: { type: ['string', 'null'], description: 'what the last verify found different' },
    verifyingSince: { oneOf: [{ type: 'null' }, time], description: 'when the running verify began; null when none runs' },
  }),
});
export const imagePageSchema = closed({ images: list(imageSchema), total: { type: 'integer', minimum: 0 }, next: nextLink });

const place = { disk: text, partition: { type: 'integer', minimum: 1 } };
const storedFile = closed({ file: text, bytes: { type: 'integer' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } });
const manifestSchema = closed(
  {
    format: { const: 'dploy-image/1' },
    engine: { const: 'mondo', description: "absent: dploy's own tar+zstd capture; mondo: the machine's mondoarchive made an ISO set" },
    isos: list(storedFile),
    mondo: closed({
      filesystems: list(closed({ device: text, mountpoint: text, fstype: text, uuid: text, label: text }, ['uuid', 'label'])),
      prefix: text,
      mindi: closed({ kernel: storedFile, initrd: storedFile, args: list(text) }),
      argv: list(text),
    }),
    name: text,
    createdAt: time,
    source: closed({ host: text, address: text }),
    firmware: { enum: ['uefi', 'bios'] },
    bootloader: closed({ kind: { enum: ['grub', 'none'] }, efiDirectory: text }, ['efiDirectory']),
    disks: list(
      closed({
        device: text,
        sizeBytes: { type: 'integer' },
        sectorSize: { type: 'integer' },
        label: text,
        sfdiskDump: text,
        partitions: list(closed({ number: { type: 'integer' }, device: text, startSector: { type: 'integer' }, sizeSectors: { type: 'integer' } })),
      }),
    ),
    filesystems: list(
      closed(
        {
          device: text,
          mountpoint: text,
          fstype: text,
          uuid: text,
          label: text,
          ...place,
          sizeBytes: { type: 'integer' },
          usedBytes: { type: 'integer' },
          archive: closed(
            { file: text, bytes: { type: 'integer' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, format: { const: 'tar+zstd' }, warnings: text },
            ['warnings'],
          ),
        },
        ['uuid', 'label', 'disk', 'partition'],
      ),
    ),
    swap: list(closed({ device: text, uuid: text, label: text, ...place }, ['uuid', 'label', 'disk', 'partition'])),
    lvm: text,
    mdstat: text,
    fstab: text,
    tools: closed({ tar: text, zstd: text }),
  },
  ['lvm', 'mdstat', 'engine', 'isos', 'mondo'],
);
export const imageDetailSchema = closed({
  ...(imageSchema.properties as Record<string, Schema>),
  manifest: { oneOf: [{ type: 'null' }, manifestSchema], description: "the image's manifest.json (docs/images.md); null when it cannot be read" },
});
export const imageVerifyStartedSchema = closed({
  name: text,
  status: { const: 'verifying' },
  since: time,
  location: { type: 'string', description: 'the image (also the Location header): its checksum.status is verifying until the result is kept there' },
});
export const imageRemovedSchema = closed({ name: text, removed: { const: true } });
