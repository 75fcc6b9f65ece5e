"""The state file: round trips, a missing or broken file, atomic saves."""

import json
import os

import ddt
import fixtures

from scaleio_sim import store
from tests import base

STATE = {
    'format': 1,
    'system': {'id': '5c1a0de4a7e10001', 'name': 'scaleio-sim'},
    'id_counters': {'Volume': 3, 'VTree': 2},
    'Volume': [{'id': '0123456789abcdef', 'name': 'vol-\u00e9',
                'size_kib': 8388608, 'ancestor_id': None,
                'mappings': [{'sdc_id': 'fedcba9876543210',
                              'limit_iops': 1000}]}],
}


@ddt.ddt
class TestStateStore(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'state.json')
        self.store = store.StateStore(self.path)

    def test_missing_file_loads_as_none(self):
        self.assertIsNone(self.store.load())

    def test_saved_state_loads_back_equal(self):
        self.store.save(STATE)
        self.assertEqual(STATE, self.store.load())
        self.assertEqual(STATE, store.StateStore(self.path).load())

    def test_a_save_replaces_the_previous_state(self):
        self.store.save(STATE)
        self.store.save({'format': 1, 'Volume': []})
        self.assertEqual({'format': 1, 'Volume': []}, self.store.load())

    @ddt.named_data(
        ('empty', ''),
        ('truncated', '{"format": 1, "Volume": [{"id": "01'),
        ('not_json', 'format: 1'),
        ('trailing_comma', '{"format": 1,}'),
    )
    def test_bad_json_raises_an_error_naming_the_file(self, text):
        with open(self.path, 'w') as f:
            f.write(text)
        e = self.assertRaises(ValueError, self.store.load)
        self.assertIn(self.path, str(e))

    def test_saves_leave_no_temporary_files(self):
        for n in range(5):
            self.store.save(dict(STATE, generation=n))
        self.assertEqual(['state.json'], os.listdir(self.dir))

    def test_a_failed_save_keeps_the_old_state_and_no_temporary_file(self):
        self.store.save(STATE)
        self.assertRaises(TypeError, self.store.save,
                          {'format': 1, 'Volume': {'not', 'json'}})
        self.assertEqual(STATE, self.store.load())
        self.assertEqual(['state.json'], os.listdir(self.dir))

    def test_a_save_replaces_the_file_instead_of_rewriting_it(self):
        self.store.save(STATE)
        with open(self.path) as reader:
            self.store.save({'format': 1, 'Volume': []})
            # A reader that opened the file before still reads it whole.
            self.assertEqual(STATE, json.load(reader))
        self.assertEqual({'format': 1, 'Volume': []}, self.store.load())
