"""The base class of every test: captured logs and a per-test timeout."""

import logging
import os

import fixtures
import testtools


class TestCase(testtools.TestCase):

    timeout = int(os.environ.get('OS_TEST_TIMEOUT', 120))

    def setUp(self):
        super().setUp()
        # Logs become a test detail, shown only when the test fails.
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        if self.timeout > 0:
            self.useFixture(fixtures.Timeout(self.timeout, gentle=True))
