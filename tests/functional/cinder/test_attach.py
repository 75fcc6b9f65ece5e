"""Attaching volumes: the driver maps them to the host's SDC itself.

Compute hosts hold no gateway credentials: initialize_connection maps the
volume to the SDC named by the connector's sdc_guid and sets its QoS
limits; terminate_connection unmaps it unless another attachment on the
same host still uses it.
"""

import json

import ddt
from oslo_utils import uuidutils

from cinder import exception
from cinder import objects
from cinder.volume import qos_specs
from scaleio_client import names
from tests.support import cinder as support

# scaleio_cinder.connection: the keys Cinder 29's in-tree driver sends, the
# limits and the backend facts; never the gateway address, user or secrets.
KEYS = {'scaleIO_volname', 'scaleIO_volume_id', 'sdc_guid', 'iopsLimit',
        'bandwidthLimit', 'config_group', 'failed_over', 'discard'}
# With all of these, stock os-brick reads a password file on the host.
LEGACY_KEYS = {'hostIP', 'serverIP', 'serverPort', 'serverUsername'}
MAP = 'POST /api/instances/Volume::{id}/action/addMappedSdc'
UNMAP = 'POST /api/instances/Volume::{id}/action/removeMappedSdc'
LIMITS = 'POST /api/instances/Volume::{id}/action/setMappedSdcLimits'


class AttachTestCase(support.DriverTestCase):

    def sdc_id(self, guid):
        with self.sim.mdm.lock:
            return self.sim.mdm.sdc_by_guid(guid).id

    def mapped_sdcs(self, volume):
        return sorted(m.sdc_id for m in self.array_volume(volume).mappings)

    def limits(self, volume, guid=support.SDC1_GUID):
        """(iops, KB/s) of the volume's mapping to an SDC."""
        mapping = self.array_volume(volume).mapping(self.sdc_id(guid))
        return mapping.limit_iops, mapping.limit_bw_kbps

    def attachment(self, volume, host, status='attached'):
        """A Cinder attachment record, as Nova's attach leaves it."""
        objects.VolumeAttachment(
            self.context, volume_id=volume.id, attached_host=host,
            attach_status=status,
            instance_uuid=uuidutils.generate_uuid()).create()
        return objects.Volume.get_by_id(self.context, volume.id)

    def mutations(self, before):
        return {k: v for k, v in self.requests_since(before).items()
                if k.startswith('POST ')}


@ddt.ddt
class TestValidateConnector(AttachTestCase):

    @ddt.data({}, {'host': 'compute1'}, {'host': 'compute1', 'sdc_guid': ''},
              {'host': 'compute1', 'sdc_guid': None})
    def test_a_connector_without_sdc_guid_is_refused(self, connector):
        # Cinder's manager turns InvalidConnectorException into a 400 for
        # the user; anything else becomes a backend error.
        error = self.assertRaises(exception.InvalidConnectorException,
                                  self.driver.validate_connector, connector)
        self.assertIn('sdc_guid', str(error))

    def test_a_connector_with_sdc_guid_is_accepted(self):
        self.assertIsNone(self.driver.validate_connector(self.connector()))

    def test_attach_without_sdc_guid_maps_nothing(self):
        volume = self.volume(8)
        self.assertRaises(exception.InvalidConnectorException,
                          self.driver.initialize_connection, volume,
                          {'host': 'compute1'})
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_an_sdc_the_array_does_not_know_maps_nothing(self):
        volume = self.volume(8)
        guid = '5C1A0001-0000-4000-8000-0000000000FF'
        error = self.assertRaises(exception.InvalidHost,
                                  self.driver.initialize_connection, volume,
                                  self.connector(guid))
        self.assertIn(guid, str(error))
        self.assertEqual([], self.mapped_sdcs(volume))


@ddt.ddt
class TestInitializeConnection(AttachTestCase):

    def test_the_volume_is_mapped_to_the_connectors_sdc(self):
        volume = self.volume(10)
        before = self.sim.log.counters()
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual({MAP: 1}, self.mutations(before))
        self.assertEqual([self.sdc_id(support.SDC1_GUID)],
                         self.mapped_sdcs(volume))
        self.assertEqual('scaleio', info['driver_volume_type'])
        data = info['data']
        self.assertEqual(KEYS, KEYS & set(data))
        self.assertEqual(names.id_to_name(volume.id), data['scaleIO_volname'])
        self.assertEqual(volume.provider_id, data['scaleIO_volume_id'])
        self.assertEqual(support.SDC1_GUID, data['sdc_guid'])
        self.assertEqual(support.BACKEND, data['config_group'])
        self.assertIs(False, data['failed_over'])
        self.assertEqual(set(), LEGACY_KEYS & set(data))
        self.assertIsNone(data['iopsLimit'])
        self.assertIsNone(data['bandwidthLimit'])

    def test_only_the_documented_keys_and_the_cinder_size_travel(self):
        volume = self.volume(10)
        data = self.driver.initialize_connection(volume,
                                                 self.connector())['data']
        self.assertEqual(KEYS | {'volume_size_gib'}, set(data))
        self.assertEqual(10, data['volume_size_gib'])

    def test_no_password_or_token_travels(self):
        volume = self.volume(8)
        info = self.driver.initialize_connection(volume, self.connector())
        text = json.dumps(info)     # what Nova stores in its BDM
        self.assertNotIn('Scaleio123', text)
        with self.sim.tokens.lock:
            tokens = list(self.sim.tokens.tokens)
        self.assertNotEqual([], tokens)
        for token in tokens:
            self.assertNotIn(token, text)
        for key in ('serverPassword', 'serverToken'):
            self.assertNotIn(key, info['data'])

    def test_attaching_again_on_the_same_host_succeeds(self):
        volume = self.volume(8)
        first = self.driver.initialize_connection(volume, self.connector())
        second = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(first, second)
        self.assertEqual([self.sdc_id(support.SDC1_GUID)],
                         self.mapped_sdcs(volume))

    @ddt.data(
        # extra specs, with a snapshot, discard expected
        ({'provisioning:type': 'thin'}, False, True),
        ({'provisioning:type': 'compressed'}, False, True),
        ({}, False, True),
        ({'provisioning:type': 'thick'}, False, False),
        ({'provisioning:type': 'thin'}, True, False),
    )
    @ddt.unpack
    def test_discard_for_thin_volumes_without_snapshots(self, extra,
                                                        with_snapshot,
                                                        discard):
        vt = self.volume_type('t', extra)
        volume = self.volume(8, volume_type=vt)
        if with_snapshot:
            self.snapshot(volume)
            volume = objects.Volume.get_by_id(self.context, volume.id)
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertIs(discard, info['data']['discard'])


@ddt.ddt
class TestQos(AttachTestCase):

    @ddt.data(
        # QoS specs, extra specs, size GiB, (iops, KB/s) on the mapping
        ({'maxIOPS': '100', 'maxBWS': '2048'}, {}, 8, (100, 2048)),
        # The reference example.
        ({'maxIOPS': '100', 'maxBWS': '2048', 'maxIOPSperGB': '10',
          'maxBWSperGB': '128'}, {}, 8, (80, 1024)),
        ({'maxIOPS': '100', 'maxBWS': '2048', 'maxIOPSperGB': '10',
          'maxBWSperGB': '128'}, {}, 24, (100, 2048)),
        # Per GB counts the size Cinder knows, not the 8 GiB bucket.
        ({'maxIOPSperGB': '10', 'maxBWSperGB': '1024'}, {}, 5,
         (50, 5120)),
        # Bandwidth goes up to whole MB/s.
        ({'maxBWS': '2000'}, {}, 8, (0, 2048)),
        ({'maxBWS': '1'}, {}, 8, (0, 1024)),
        # Extra specs alone, and QoS specs winning over them.
        (None, {'maxIOPS': '500', 'maxBWS': '4096'}, 8, (500, 4096)),
        ({'maxIOPS': '100'}, {'maxIOPS': '500', 'maxBWS': '4096'}, 8,
         (100, 4096)),
        ({'consumer': 'both', 'maxIOPS': '300'}, {}, 8, (300, 0)),
        # Front-end specs are Nova's: the array sets no limit.
        ({'consumer': 'front-end', 'maxIOPS': '300'}, {}, 8, (0, 0)),
        ({'consumer': 'front-end', 'maxIOPS': '300'}, {'maxIOPS': '700'}, 8,
         (700, 0)),
    )
    @ddt.unpack
    def test_limits_on_the_mapping_and_in_connection_info(
            self, qos, extra, size, expected):
        vt = self.volume_type('qos', extra, qos=qos)
        volume = self.volume(size, volume_type=vt)
        before = self.sim.log.counters()
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(expected, self.limits(volume))
        expected_requests = {MAP: 1, LIMITS: 1} if any(expected) else {
            MAP: 1}
        self.assertEqual(expected_requests, self.mutations(before))
        iops, bandwidth = expected
        self.assertEqual(str(iops) if iops else None,
                         info['data']['iopsLimit'])
        self.assertEqual(str(bandwidth) if bandwidth else None,
                         info['data']['bandwidthLimit'])

    def test_without_qos_one_request_maps_the_volume(self):
        volume = self.volume(8)
        before = self.sim.log.counters()
        self.driver.initialize_connection(volume, self.connector())
        self.assertEqual({MAP: 1}, self.mutations(before))
        self.assertEqual((0, 0), self.limits(volume))

    @ddt.data(('maxIOPS', 'lots', 'whole number'),
              ('maxBWSperGB', '-1', 'negative'))
    @ddt.unpack
    def test_a_bad_qos_value_at_attach_maps_nothing(self, key, value,
                                                    expected):
        # The QoS specs changed after the volume was created.
        vt = self.volume_type('qos', qos={'maxIOPS': '100'})
        volume = self.volume(8, volume_type=vt)
        qos_specs.update(self.context, vt.qos_specs_id, {key: value})
        volume = objects.Volume.get_by_id(self.context, volume.id)
        error = self.assertRaises(exception.InvalidVolumeType,
                                  self.driver.initialize_connection, volume,
                                  self.connector())
        self.assertIn(key, str(error))
        self.assertIn(repr(value), str(error))
        self.assertIn(expected, str(error))
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_each_host_of_a_multiattach_volume_gets_the_limits(self):
        vt = self.volume_type('multi', {'multiattach': '<is> True'},
                              qos={'maxIOPS': '100', 'maxBWS': '2048'})
        volume = self.volume(8, volume_type=vt)
        self.driver.initialize_connection(volume, self.connector())
        self.driver.initialize_connection(
            volume, self.connector(support.SDC2_GUID, 'compute2'))
        self.assertEqual(sorted([self.sdc_id(support.SDC1_GUID),
                                 self.sdc_id(support.SDC2_GUID)]),
                         self.mapped_sdcs(volume))
        self.assertEqual((100, 2048), self.limits(volume, support.SDC1_GUID))
        self.assertEqual((100, 2048), self.limits(volume, support.SDC2_GUID))


class TestTerminateConnection(AttachTestCase):

    def test_detach_unmaps_the_volume_from_the_host(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        volume = self.attachment(volume, 'compute1')
        before = self.sim.log.counters()
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual({UNMAP: 1}, self.mutations(before))
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_a_second_attachment_on_the_host_keeps_the_mapping(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.attachment(volume, 'compute1')
        volume = self.attachment(volume, 'compute1')
        before = self.sim.log.counters()
        shared = self.driver.terminate_connection(volume, self.connector())
        self.assertIs(True, shared)
        self.assertEqual({}, self.mutations(before))
        self.assertEqual([self.sdc_id(support.SDC1_GUID)],
                         self.mapped_sdcs(volume))

    def test_the_last_attachment_on_the_host_unmaps(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.attachment(volume, 'compute1', status='detached')
        volume = self.attachment(volume, 'compute1')
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_attachments_on_other_hosts_do_not_keep_this_host_mapped(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        second = self.connector(support.SDC2_GUID, 'compute2')
        self.driver.initialize_connection(volume, second)
        self.attachment(volume, 'compute1')
        volume = self.attachment(volume, 'compute2')
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual([self.sdc_id(support.SDC2_GUID)],
                         self.mapped_sdcs(volume))
        self.driver.terminate_connection(volume, second)
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_detaching_an_unmapped_volume_succeeds(self):
        volume = self.volume(8)
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_force_detach_unmaps_from_every_host(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.driver.initialize_connection(
            volume, self.connector(support.SDC2_GUID, 'compute2'))
        self.attachment(volume, 'compute1')
        volume = self.attachment(volume, 'compute1')
        before = self.sim.log.counters()
        self.driver.terminate_connection(volume, None)
        self.assertEqual({UNMAP: 1}, self.mutations(before))
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_force_detach_of_an_unmapped_volume_succeeds(self):
        volume = self.volume(8)
        self.driver.terminate_connection(volume, None)
        self.assertEqual([], self.mapped_sdcs(volume))


class TestMappingCodesOn4x(AttachTestCase):
    """4.x gateways say "already mapped" and "not mapped" differently."""

    simulator_options = {'tls': True, 'api_version': '4.5'}

    def test_attach_twice_and_detach_twice_succeed(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.driver.initialize_connection(volume, self.connector())
        self.assertEqual([self.sdc_id(support.SDC1_GUID)],
                         self.mapped_sdcs(volume))
        self.driver.terminate_connection(volume, self.connector())
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_force_detach_of_an_unmapped_volume_succeeds(self):
        volume = self.volume(8)
        self.driver.terminate_connection(volume, None)
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_qos_limits_are_set(self):
        vt = self.volume_type('qos', qos={'maxIOPS': '100',
                                          'maxBWS': '2000'})
        volume = self.volume(8, volume_type=vt)
        self.driver.initialize_connection(volume, self.connector())
        self.assertEqual((100, 2048), self.limits(volume))
