"""Attaches that fail once the map request went out leave no mapping.

Cinder saves the connector on an attachment only after
``initialize_connection`` succeeds, and deleting an attachment without a
connector never calls ``terminate_connection``: a mapping a failed attach
leaves behind is never removed by anyone else. Faults come from the
simulator (reset connections, lost answers, refused limit calls).
"""

from oslo_utils import uuidutils

from cinder import exception
from cinder import objects
from tests.functional.cinder import base

MAP = '*/action/addMappedSdc'
LIMITS = '*/action/setMappedSdcLimits'
REFUSED = {'errorCode': 1, 'message': 'x', 'httpStatusCode': 400}


class TestFailedAttachLeavesNoMapping(base.DriverTestCase):

    driver_options = {'scaleio_rest_retries': 1}

    def setUp(self):
        super().setUp()
        self.limited = self.volume_type(
            'limited', {'provisioning:type': 'thin'}, qos={'maxIOPS': '500'})
        # No backoff between retries: the faults decide, not the clock.
        self.driver.gateway.config.retry_backoff = 0.0

    def fault(self, **rule):
        self.sim.faults.add(rule)
        self.addCleanup(self.sim.faults.clear)

    def mapped_sdcs(self, volume):
        return [m.sdc_id for m in self.array_volume(volume).mappings]

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
