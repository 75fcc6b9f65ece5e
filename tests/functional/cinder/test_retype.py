"""Retype in place: QoS limits change on the mappings, nothing moves."""

from cinder import context as cinder_context
from cinder import exception
from cinder.volume import volume_types

from tests.functional.cinder import test_attach
from tests.support import cinder as support

LIMITS = 'POST /api/instances/Volume::{id}/action/setMappedSdcLimits'


class TestRetype(test_attach.AttachTestCase):

    def retype(self, volume, new_type, host=None, cluster=None):
        """The driver's answer, as Cinder's manager would ask for it."""
        ctxt = cinder_context.get_admin_context()
        new = volume_types.get_volume_type(ctxt, new_type.id)
        diff, _ = volume_types.volume_types_diff(
            ctxt, volume.volume_type_id, new_type.id)
        return self.driver.retype(ctxt, volume, new, diff,
                                  {'host': host or volume.host,
                                   'cluster_name': cluster})

    def attached_volume(self, volume_type, size=8):
        volume = self.volume(size, volume_type=volume_type)
        self.driver.initialize_connection(volume, self.connector())
        return volume

    def test_new_qos_limits_land_on_the_mapping(self):
        slow = self.volume_type('slow', qos={'maxIOPS': '100'})
        fast = self.volume_type('fast', qos={'maxIOPS': '5000',
                                             'maxBWS': '10240'})
        volume = self.attached_volume(slow)
        self.assertEqual((100, 0), self.limits(volume))
        before = self.sim.log.counters()
        self.assertEqual((True, None), self.retype(volume, fast))
        self.assertEqual((5000, 10240), self.limits(volume))
        self.assertEqual({LIMITS: 1}, self.mutations(before))

    def test_a_type_without_qos_lifts_the_limits(self):
        slow = self.volume_type('slow', qos={'maxIOPSperGB': '10'})
        plain = self.volume_type('plain')
        volume = self.attached_volume(slow, size=10)
        self.assertEqual((100, 0), self.limits(volume))
        self.assertEqual((True, None), self.retype(volume, plain))
        self.assertEqual((0, 0), self.limits(volume))

    def test_a_detached_volume_needs_no_request_that_changes_anything(self):
        plain = self.volume_type('plain')
        fast = self.volume_type('fast', qos={'maxIOPS': '5000'})
        volume = self.volume(8, volume_type=plain)
        before = self.sim.log.counters()
        self.assertEqual((True, None), self.retype(volume, fast))
        self.assertEqual({}, self.mutations(before))

    def test_another_provisioning_needs_a_migration(self):
        thin = self.volume_type('thin', {'provisioning:type': 'thin'})
        thick = self.volume_type('thick', {'provisioning:type': 'thick'})
        volume = self.attached_volume(thin)
        before = self.sim.log.counters()
        self.assertEqual((False, None), self.retype(volume, thick))
        self.assertEqual({}, self.mutations(before))

    def test_another_pool_needs_a_migration(self):
        plain = self.volume_type('plain')
        fast = self.volume_type('fast', qos={'maxIOPS': '5000'})
        volume = self.volume(8, volume_type=plain)
        before = self.sim.log.counters()
        self.assertEqual((False, None), self.retype(
            volume, fast, host='%s#pd1:sp2' % support.HOST))
        self.assertEqual({}, self.requests_since(before))

    def test_a_bad_qos_value_changes_nothing(self):
        slow = self.volume_type('slow', qos={'maxIOPS': '100'})
        bad = self.volume_type('bad', qos={'maxIOPS': 'lots'})
        volume = self.attached_volume(slow)
        before = self.sim.log.counters()
        error = self.assertRaises(exception.InvalidVolumeType, self.retype,
                                  volume, bad)
        self.assertIn('lots', str(error))
        self.assertEqual({}, self.mutations(before))
        self.assertEqual((100, 0), self.limits(volume))

    def test_the_same_pool_on_another_service_of_the_cluster(self):
        # Active-active: the scheduler may name the other member of the
        # volume's cluster; the volume stays where it is.
        plain = self.volume_type('plain')
        fast = self.volume_type('fast', qos={'maxIOPS': '5000'})
        volume = self.volume(8, volume_type=plain)
        volume.cluster_name = 'cluster@' + support.BACKEND
        volume.save()
        self.assertEqual((True, None), self.retype(
            volume, fast, host='other-member@%s#pd1:sp1' % support.BACKEND,
            cluster='cluster@%s#pd1:sp1' % support.BACKEND))
        self.assertEqual((False, None), self.retype(
            volume, fast, host='other-member@%s#pd1:sp2' % support.BACKEND,
            cluster='cluster@%s#pd1:sp2' % support.BACKEND))
