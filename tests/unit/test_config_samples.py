"""The option samples under etc/ are what oslo-config-generator makes."""

import os

import ddt
import fixtures
from oslo_config import cfg
from oslo_config import generator

from tests import base

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@ddt.ddt
class TestSamples(base.TestCase):

    @ddt.data('scaleio-cinder', 'scaleio-nova')
    def test_the_committed_sample_is_what_the_generator_makes(self, name):
        sample = os.path.join(TOP, 'etc', name + '.conf.sample')
        out = os.path.join(self.useFixture(fixtures.TempDir()).path, 's')
        conf = cfg.ConfigOpts()
        generator.register_cli_opts(conf)
        conf(['--config-file', os.path.join(TOP, 'etc',
                                            'oslo-config-generator',
                                            name + '.conf'),
              '--output-file', out])
        generator.generate(conf)
        with open(out) as f, open(sample) as committed:
            self.assertEqual(f.read(), committed.read(),
                             'etc/%s.conf.sample is stale: run '
                             '"tools/tox.sh -e genconfig"' % name)
