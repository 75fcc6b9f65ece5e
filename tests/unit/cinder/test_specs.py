"""Extra specs and QoS specs in array terms (scaleio_cinder.specs)."""

import ddt

from scaleio_cinder import specs
from scaleio_client import sizes
from tests import base


@ddt.ddt
class TestProvisioning(base.TestCase):

    @ddt.data(
        ({'provisioning:type': 'thin'}, 'thin'),
        ({'provisioning:type': 'thick'}, 'thick'),
        ({'provisioning:type': 'compressed'}, 'compressed'),
        ({'provisioning:type': ' Thick '}, 'thick'),
        # Volume types from Liberty-Rocky and Fuel keep working.
        ({'sio:provisioning_type': 'thick'}, 'thick'),
        ({'sio:provisioning': 'compressed'}, 'compressed'),
        # Unrelated keys are not provisioning.
        ({'thin_provisioning_support': '<is> False'}, 'thin'),
    )
    @ddt.unpack
    def test_extra_specs_give_the_provisioning_type(self, extra, expected):
        self.assertEqual(expected, specs.provisioning(extra, True))

    @ddt.data(
        ({'provisioning:type': 'thick', 'sio:provisioning_type': 'thin',
          'sio:provisioning': 'thin'}, 'thick'),
        ({'sio:provisioning': 'thin', 'provisioning:type': 'compressed'},
         'compressed'),
        ({'sio:provisioning': 'thin', 'sio:provisioning_type': 'thick'},
         'thick'),
    )
    @ddt.unpack
    def test_the_current_key_wins_over_legacy_keys(self, extra, expected):
        self.assertEqual(expected, specs.provisioning(extra, True))

    @ddt.data((True, 'thin'), (False, 'thick'))
    @ddt.unpack
    def test_without_a_key_san_thin_provision_decides(self, thin, expected):
        self.assertEqual(expected, specs.provisioning({}, thin))

    @ddt.data(
        ('provisioning:type', 'thinn'),
        ('provisioning:type', ''),
        ('sio:provisioning_type', 'dedup'),
    )
    @ddt.unpack
    def test_an_unknown_type_names_key_value_and_choices(self, key, value):
        error = self.assertRaises(specs.SpecError, specs.provisioning,
                                  {key: value}, True)
        self.assertIn(key, str(error))
        self.assertIn(repr(value), str(error))
        self.assertIn('thin, thick, compressed', str(error))


@ddt.ddt
class TestPlacement(base.TestCase):

    @ddt.data(
        # kind, fine granularity, thin, compression sent, adapted?
        ('thin', False, True, None, False),
        ('thick', False, False, None, False),
        ('compressed', False, True, None, True),
        ('thin', True, True, 'None', False),
        ('thick', True, True, 'None', True),
        ('compressed', True, True, 'Normal', False),
    )
    @ddt.unpack
    def test_placement_per_pool_layout(self, kind, fine, thin, compression,
                                       adapted):
        place = specs.placement(kind, fine)
        self.assertEqual(thin, place.thin)
        self.assertEqual(compression, place.compression)
        self.assertEqual(adapted, place.note is not None, place.note)


@ddt.ddt
class TestQosSpecs(base.TestCase):

    def test_no_qos_and_no_extra_specs_is_no_limit(self):
        self.assertEqual({}, specs.qos_specs(None, {}))

    def test_extra_specs_alone_set_limits(self):
        self.assertEqual(
            {'maxIOPS': '100', 'maxBWSperGB': '64'},
            specs.qos_specs(None, {'maxIOPS': '100', 'maxBWSperGB': '64',
                                   'provisioning:type': 'thin'}))

    @ddt.data('back-end', 'both')
    def test_back_end_qos_specs_win_over_extra_specs(self, consumer):
        qos = {'consumer': consumer,
               'specs': {'maxIOPS': '100', 'maxBWS': '2048'}}
        self.assertEqual(
            {'maxIOPS': '100', 'maxBWS': '2048', 'maxIOPSperGB': '5'},
            specs.qos_specs(qos, {'maxIOPS': '500', 'maxIOPSperGB': '5'}))

    def test_front_end_qos_specs_are_novas_not_the_arrays(self):
        qos = {'consumer': 'front-end',
               'specs': {'maxIOPS': '100', 'total_iops_sec': '300'}}
        self.assertEqual({'maxBWS': '4096'},
                         specs.qos_specs(qos, {'maxBWS': '4096'}))

    def test_keys_that_are_not_array_limits_are_left_out(self):
        qos = {'consumer': 'back-end',
               'specs': {'read_iops_sec': '1', 'maxIOPS': '7'}}
        self.assertEqual({'maxIOPS': '7'}, specs.qos_specs(qos, {}))

    @ddt.data(('sio:iops_limit', 'maxIOPS'),
              ('sio:bandwidth_limit', 'maxBWS'))
    @ddt.unpack
    def test_legacy_extra_spec_names_are_read(self, legacy, key):
        self.assertEqual({key: '300'}, specs.qos_specs(None, {legacy: '300'}))

    @ddt.data(
        {'maxIOPS': '100', 'sio:iops_limit': '50'},
        {'sio:iops_limit': '50', 'maxIOPS': '100'},
    )
    def test_the_current_qos_key_wins_over_its_legacy_name(self, extra):
        # As with provisioning keys: the current name is the stronger one,
        # whatever order the volume type lists its extra specs in.
        self.assertEqual({'maxIOPS': '100'}, specs.qos_specs(None, extra))


@ddt.ddt
class TestLimits(base.TestCase):

    REFERENCE = {'maxIOPS': '100', 'maxBWS': '2048', 'maxIOPSperGB': '10',
                 'maxBWSperGB': '128'}

    @ddt.data((8, 80, 1024), (24, 100, 2048))
    @ddt.unpack
    def test_reference_example(self, size_gib, iops, bandwidth):
        self.assertEqual((iops, bandwidth),
                         specs.limits(self.REFERENCE, size_gib))

    @ddt.data(
        # specs, size GiB, (iops, bandwidth KB/s)
        ({}, 8, (None, None)),
        ({'maxIOPS': '100'}, 8, (100, None)),
        ({'maxBWS': '2048'}, 8, (None, 2048)),
        # Bandwidth goes up to whole MB/s.
        ({'maxBWS': '2000'}, 8, (None, 2048)),
        ({'maxBWS': '1'}, 8, (None, 1024)),
        ({'maxBWS': '1024'}, 8, (None, 1024)),
        ({'maxBWS': '1025'}, 8, (None, 2048)),
        # Per GB applies to the size Cinder knows, not the 8 GiB bucket.
        ({'maxIOPSperGB': '10'}, 5, (50, None)),
        ({'maxBWSperGB': '300'}, 5, (None, 2048)),
        ({'maxBWSperGB': '100'}, 10, (None, 1024)),
        ({'maxIOPSperGB': '10', 'maxIOPS': '45'}, 5, (45, None)),
        # The smaller limit wins, after rounding.
        ({'maxBWS': '3000', 'maxBWSperGB': '128'}, 16, (None, 2048)),
        ({'maxBWS': '3000', 'maxBWSperGB': '128'}, 30, (None, 3072)),
        # 0 is no limit.
        ({'maxIOPS': '0', 'maxBWS': '0'}, 8, (None, None)),
        ({'maxIOPS': '0', 'maxIOPSperGB': '3'}, 8, (24, None)),
        ({'maxIOPS': ' 70 '}, 8, (70, None)),
    )
    @ddt.unpack
    def test_limits(self, qos, size_gib, expected):
        self.assertEqual(expected, specs.limits(qos, size_gib))

    @ddt.data(
        ('maxIOPS', 'lots', 'whole number'),
        ('maxBWS', '1.5', 'whole number'),
        ('maxIOPSperGB', '', 'whole number'),
        ('maxBWSperGB', '-128', 'negative'),
        ('maxIOPS', '-1', 'negative'),
    )
    @ddt.unpack
    def test_a_bad_value_names_key_value_and_expectation(self, key, value,
                                                         expected):
        for call in (lambda: specs.limits({key: value}, 8),
                     lambda: specs.check_qos({key: value})):
            error = self.assertRaises(specs.SpecError, call)
            self.assertIn(key, str(error))
            self.assertIn(repr(value), str(error))
            self.assertIn(expected, str(error))

    def test_good_values_pass_the_check(self):
        self.assertIsNone(specs.check_qos(dict(self.REFERENCE, maxIOPS='0')))


@ddt.ddt
class TestArraySize(base.TestCase):

    @ddt.data((1, 8), (7, 8), (8, 8), (9, 16), (10, 16), (16, 16),
              (17, 24), (1000, 1000), (1001, 1008))
    @ddt.unpack
    def test_the_array_allocates_the_next_8_gib_multiple(self, size, gib):
        size = specs.array_size(size)
        self.assertEqual(gib, size.gib)
        self.assertEqual(gib * sizes.KIB_PER_GIB, size.kib)

    @ddt.data(8, 16, 1024)
    def test_multiples_of_8_are_accepted_without_rounding(self, size):
        self.assertEqual(size, specs.array_size(size, False).gib)

    @ddt.data(1, 10, 1001)
    def test_other_sizes_are_refused_without_rounding(self, size):
        error = self.assertRaises(specs.SpecError, specs.array_size,
                                  size, False)
        self.assertIn('%d GiB' % size, str(error))
        self.assertIn('multiple of 8 GiB', str(error))
        self.assertIn('scaleio_round_volume_capacity', str(error))

    @ddt.data(0, -8)
    def test_a_size_below_1_gib_is_refused(self, size):
        error = self.assertRaises(specs.SpecError, specs.array_size, size)
        self.assertIn('at least 1', str(error))

    @ddt.data('12', 1.5, None, True)
    def test_a_size_that_is_not_a_whole_number_is_refused(self, size):
        error = self.assertRaises(specs.SpecError, specs.array_size, size)
        self.assertIn(repr(size), str(error))
        self.assertIn('whole number of GiB', str(error))
