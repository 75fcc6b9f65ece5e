"""The driver under gateway faults leaves nothing behind.

* Attaches that fail once the map request went out leave no mapping:
  Cinder saves the connector on an attachment only after
  ``initialize_connection`` succeeds, and deleting an attachment without a
  connector never calls ``terminate_connection``, so nobody else would
  remove it.
* An unreadable answer to a change that was made is treated like a lost
  answer: the driver finds what the array now holds and adopts it.

Faults come from the simulator (reset connections, lost answers, refused
calls, garbled answers).
"""

from oslo_utils import uuidutils

from cinder import exception
from cinder import objects
from scaleio_client import names
from scaleio_client import sizes
from tests.support import cinder as support

MAP = '*/action/addMappedSdc'
SNAPSHOT = '/api/instances/System/action/snapshotVolumes'
LIMITS = '*/action/setMappedSdcLimits'
REFUSED = {'errorCode': 1, 'message': 'x', 'httpStatusCode': 400}


class FaultTestCase(support.DriverTestCase):

    driver_options = {'scaleio_rest_retries': 1}

    def setUp(self):
        super().setUp()
        # No backoff between retries: the faults decide, not the clock.
        self.driver.gateway.config.retry_backoff = 0.0

    def fault(self, **rule):
        self.sim.faults.add(rule)
        self.addCleanup(self.sim.faults.clear)

    def mapped_sdcs(self, volume):
        return [m.sdc_id for m in self.array_volume(volume).mappings]

    def array_names(self):
        with self.sim.mdm.lock:
            return sorted(v.name for v in self.sim.mdm.list('Volume'))


class TestGarbledAnswers(FaultTestCase):

    def garble(self, path, body):
        self.fault(action='error', phase='after', status=200, method='POST',
                   path=path, count=1, body=body)

    def test_truncated_answer_to_a_create(self):
        volume = self.volume(8, create=False)
        self.garble('/api/types/Volume/instances', '{"id": "5b94')
        volume.update(self.driver.create_volume(volume))
        self.assertEqual(names.id_to_name(volume.id),
                         self.array_volume(volume).name)
        self.assertEqual([names.id_to_name(volume.id)], self.array_names())

    def test_empty_list_after_a_snapshot(self):
        volume = self.volume(8)
        snapshot = self.snapshot(volume, create=False)
        self.garble(SNAPSHOT, [])
        snapshot.update(self.driver.create_snapshot(snapshot))
        self.assertEqual(names.id_to_name(snapshot.id),
                         self.array_volume(snapshot).name)
        self.assertEqual(2, len(self.array_names()))

    def test_empty_list_after_a_clone(self):
        source = self.volume(8)
        clone = self.volume(16, create=False)
        self.garble(SNAPSHOT, [])
        clone.update(self.driver.create_cloned_volume(clone, source))
        record = self.array_volume(clone)
        self.assertEqual(names.id_to_name(clone.id), record.name)
        self.assertEqual(16 * sizes.KIB_PER_GIB, record.size_kib)

    def test_truncated_answer_to_a_map(self):
        volume = self.volume(8)
        self.garble(MAP, '{"err')
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(volume.provider_id, info['data']['scaleIO_volume_id'])
        self.assertEqual(1, len(self.mapped_sdcs(volume)))


class TestFailedAttachLeavesNoMapping(FaultTestCase):

    def setUp(self):
        super().setUp()
        self.limited = self.volume_type(
            'limited', {'provisioning:type': 'thin'}, qos={'maxIOPS': '500'})

    def attachment_on(self, volume, host):
        objects.VolumeAttachment(
            self.context, volume_id=volume.id, attached_host=host,
            attach_status='attached',
            instance_uuid=uuidutils.generate_uuid()).create()
        return objects.Volume.get_by_id(self.context, volume.id)

    def test_lost_map_answer_then_refused_limits(self):
        # The retried map answers "already mapped": the first one did it.
        volume = self.volume(8, volume_type=self.limited)
        self.fault(action='reset', phase='after', method='POST', path=MAP,
                   count=1)
        self.fault(action='error', status=400, method='POST', path=LIMITS,
                   count=5, body=REFUSED)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection, volume,
                          self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_map_answer_lost_on_every_retry(self):
        volume = self.volume(8)
        self.fault(action='reset', phase='after', method='POST', path=MAP,
                   count=2)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection, volume,
                          self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_refused_limits_on_a_fresh_mapping(self):
        volume = self.volume(8, volume_type=self.limited)
        self.fault(action='error', status=400, method='POST', path=LIMITS,
                   count=1, body=REFUSED)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection, volume,
                          self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_snapshot_attach_with_a_lost_map_answer(self):
        snapshot = self.snapshot(self.volume(8))
        self.fault(action='reset', phase='after', method='POST', path=MAP,
                   count=2)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection_snapshot,
                          snapshot, self.connector())
        self.assertEqual([], self.mapped_sdcs(snapshot))

    def test_a_mapping_another_attachment_uses_is_kept(self):
        # Multiattach on one host: the first attachment's mapping serves
        # the second, whose attach fails; the first keeps its device.
        volume = self.volume(8, volume_type=self.limited)
        self.driver.initialize_connection(volume, self.connector())
        volume = self.attachment_on(volume, 'compute1')
        self.fault(action='error', status=400, method='POST', path=LIMITS,
                   count=5, body=REFUSED)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection, volume,
                          self.connector())
        self.assertEqual(1, len(self.mapped_sdcs(volume)))

    def test_an_attachment_on_another_host_does_not_keep_it(self):
        volume = self.volume(8, volume_type=self.limited)
        volume = self.attachment_on(volume, 'compute2')
        self.fault(action='error', status=400, method='POST', path=LIMITS,
                   count=5, body=REFUSED)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection, volume,
                          self.connector())
        self.assertEqual([], self.mapped_sdcs(volume))


class TestInterruptedAttach(FaultTestCase):
    """A crash of cinder-volume while a map request is out.

    The crash itself is the harness's test (kill -9, see
    tests/integration/openstack/test_crash_recovery.py); here the state it
    leaves is made directly: the attach's record and the array's mapping,
    with no Cinder attachment holding the connector.
    """

    def interrupted_attach(self, volume, connector):
        """What a crash leaves: the record, the mapping, no connector."""
        sdc_id = self.driver.gateway.sdc_id(connector['sdc_guid'])
        self.driver.attachments.intents.record(volume.id, volume.provider_id,
                                               connector)
        self.driver.gateway.map_volume(volume.provider_id, sdc_id)

    def restart(self):
        """The service starts again: a new driver for the same backend."""
        self.driver = self.make_driver(support.BACKEND, self.pools,
                                       **self.driver_options)

    def pending(self):
        return self.driver.attachments.intents.pending()

    def test_attaches_leave_no_record(self):
        volume = self.volume(8)
        self.driver.initialize_connection(volume, self.connector())
        self.fault(action='reset', phase='after', method='POST', path=MAP,
                   count=2)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection,
                          self.volume(8), self.connector())
        self.assertEqual([], self.pending())

    def test_the_next_start_undoes_the_mapping(self):
        volume = self.volume(8)
        self.interrupted_attach(volume, self.connector())
        self.restart()
        self.assertEqual([], self.mapped_sdcs(volume))
        self.assertEqual([], self.pending())

    def test_a_mapping_cinder_has_the_connector_of_stays(self):
        # Cinder saved the connector before the crash: the attach was
        # complete, only the record was not yet removed.
        volume = self.volume(8)
        connector = self.connector()
        self.interrupted_attach(volume, connector)
        objects.VolumeAttachment(
            self.context, volume_id=volume.id, attached_host='compute1',
            attach_status='attaching', connector=connector,
            instance_uuid=uuidutils.generate_uuid()).create()
        self.restart()
        self.assertEqual(1, len(self.mapped_sdcs(volume)))
        self.assertEqual([], self.pending())

    def test_another_hosts_connector_does_not_keep_it(self):
        volume = self.volume(8)
        self.interrupted_attach(volume, self.connector())
        objects.VolumeAttachment(
            self.context, volume_id=volume.id, attached_host='compute2',
            attach_status='attached',
            connector=self.connector(support.SDC2_GUID, 'compute2'),
            instance_uuid=uuidutils.generate_uuid()).create()
        self.restart()
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_a_gateway_down_at_start_settles_at_the_next(self):
        volume = self.volume(8)
        self.interrupted_attach(volume, self.connector())
        self.fault(action='error', status=503, method='POST',
                   path='*/action/removeMappedSdc', count=10)
        self.restart()
        self.assertEqual(1, len(self.mapped_sdcs(volume)))
        self.assertEqual(1, len(self.pending()))
        self.sim.faults.clear()
        self.restart()
        self.assertEqual([], self.mapped_sdcs(volume))
        self.assertEqual([], self.pending())

    def test_a_failed_undo_is_settled_at_the_next_start(self):
        volume = self.volume(8)
        self.fault(action='error', status=400, method='POST', path=LIMITS,
                   count=5, body=REFUSED)
        self.fault(action='error', status=503, method='POST',
                   path='*/action/removeMappedSdc', count=10)
        limited = self.volume(8, volume_type=self.volume_type(
            'limited', qos={'maxIOPS': '500'}))
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.initialize_connection, limited,
                          self.connector())
        self.assertEqual(1, len(self.mapped_sdcs(limited)))
        self.assertEqual(1, len(self.pending()))
        self.sim.faults.clear()
        self.restart()
        self.assertEqual([], self.mapped_sdcs(limited))
        self.assertEqual([], self.mapped_sdcs(volume))

    def test_a_deleted_volume_settles(self):
        volume = self.volume(8)
        self.interrupted_attach(volume, self.connector())
        self.driver.delete_volume(volume)
        self.restart()
        self.assertEqual([], self.pending())
