// Which BMC dploy reaches for a host, on the three databases: the host's own
// `hosts set --bmc` wins whole; else the host's address (the operator's, else
// the one learned from inventory) with the defaults of its lowest-id group
// that has any; no address or no defaults, no BMC. The password stays sealed
// in both tables and opens to what the operator gave.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { addHost, getHost } from '../../../plugin/store/hosts.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { writeGroupBmc, removeGroupBmc } from '../../../plugin/store/group-bmcs.js';
import { writeHostBmc } from '../../../plugin/store/host-bmcs.js';
import { readLearnedBmc, writeLearnedBmc } from '../../../plugin/store/host-bmc-learned.js';
import { openBmc, sealBmc, sealGroupBmc } from '../../../plugin/power/bmc-credentials.js';
import { describeResolvedBmc, resolveHostBmc } from '../../../plugin/power/bmc-resolve.js';
import { DIALECTS, openTestStore } from '../../support/databases.js';

const GROUP_PW = 'group-pw-91c2';
const HOST_PW = 'host-pw-44ad';

for (const dialect of DIALECTS) {
  describe(`BMC defaults on ${dialect}`, () => {
    test('own BMC wins; else address (operator, then inventory) + lowest group defaults; sources named; no secret shown', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const db = store.db.manager;
        const box = openSecretBox(join(mkdtempSync(join(tmpdir(), 'dploy-key-')), 'secret.key'));
        const withAddress = await addHost(db, { name: 'web01', macs: ['52:54:00:00:02:01'], bmcAddress: '10.0.0.5' });
        const learnedOnly = await addHost(db, { name: 'web02', macs: ['52:54:00:00:02:02'] });
        const own = await addHost(db, { name: 'web03', macs: ['52:54:00:00:02:03'], bmcAddress: '10.0.0.7' });
        const bare = await addHost(db, { name: 'web04', macs: ['52:54:00:00:02:04'] });
        const other = await createGroup(db, 'aaa-first-made');
        const rack = await createGroup(db, 'rack12');
        await addGroupMembers(db, 'rack12', [withAddress.id, learnedOnly.id, own.id, bare.id]);
        await addGroupMembers(db, 'aaa-first-made', [withAddress.id]);

        assert.equal(await resolveHostBmc(db, withAddress), undefined, 'an address without credentials anywhere is no BMC');
        await writeGroupBmc(db, sealGroupBmc(rack.id, { driver: 'redfish', user: 'admin', options: 'insecure' }, GROUP_PW, box));

        const fromGroup = (await resolveHostBmc(db, withAddress))!;
        assert.deepEqual(
          { ...fromGroup.stored, passwordSealed: undefined },
          { hostId: withAddress.id, driver: 'redfish', address: '10.0.0.5', port: 443, user: 'admin', options: 'insecure', passwordSealed: undefined },
        );
        assert.equal(fromGroup.addressFrom, 'host address');
        assert.equal(fromGroup.credentialsGroup, 'rack12', 'a group without defaults (aaa-first-made) is passed over');
        const target = openBmc(fromGroup.stored, box);
        assert.equal(target.password, GROUP_PW);
        assert.deepEqual(target.tls, { insecure: true });
        const text = describeResolvedBmc(fromGroup);
        assert.match(text, /user admin \(group rack12\)/);
        assert.match(text, /address 10\.0\.0\.5 \(the host's BMC address\)/);
        assert.doesNotMatch(text, new RegExp(GROUP_PW));

        // A group made earlier (lower id) that gains defaults wins for its members.
        await writeGroupBmc(db, sealGroupBmc(other.id, { driver: 'ipmi', user: 'oper', port: '6230' }, 'other-pw', box));
        const earlier = (await resolveHostBmc(db, withAddress))!;
        assert.deepEqual([earlier.credentialsGroup, earlier.stored.driver, earlier.stored.port, earlier.stored.user], ['aaa-first-made', 'ipmi', 6230, 'oper']);
        assert.equal(await removeGroupBmc(db, other.id), true);

        assert.equal(await resolveHostBmc(db, learnedOnly), undefined, 'no address yet');
        await writeLearnedBmc(db, learnedOnly.id, { address: '10.0.1.9', mac: '3c:a8:2a:0b:11:22' });
        const learned = (await resolveHostBmc(db, learnedOnly))!;
        assert.equal(learned.stored.address, '10.0.1.9');
        assert.equal(learned.addressFrom, 'inventory');
        assert.match(describeResolvedBmc(learned), /address 10\.0\.1\.9 \(learned from inventory\)/);
        assert.equal((await readLearnedBmc(db, learnedOnly.id))?.mac, '3c:a8:2a:0b:11:22');

        // The operator's address beats a learned one.
        await writeLearnedBmc(db, withAddress.id, { address: '10.9.9.9' });
        assert.equal((await resolveHostBmc(db, await getHost(db, withAddress.id)))!.stored.address, '10.0.0.5');

        await writeHostBmc(db, sealBmc(own.id, 'ipmi://root@10.0.0.70:16623', HOST_PW, box));
        const ownBmc = (await resolveHostBmc(db, own))!;
        assert.equal(ownBmc.addressFrom, 'host');
        assert.equal(ownBmc.credentialsGroup, undefined);
        assert.deepEqual([ownBmc.stored.driver, ownBmc.stored.address, ownBmc.stored.user], ['ipmi', '10.0.0.70', 'root']);
        assert.equal(openBmc(ownBmc.stored, box).password, HOST_PW);
        assert.equal(describeResolvedBmc(ownBmc), 'ipmi://root@10.0.0.70:16623 (password set)');

        assert.equal(await resolveHostBmc(db, bare), undefined, 'a member with no address has no BMC');
        const sealedRows = await db.query('SELECT password_sealed FROM dploy_group_bmcs');
        assert.match(String(sealedRows[0].password_sealed), /^gcm1:/);
      } finally {
        await dispose();
      }
    });
  });
}
