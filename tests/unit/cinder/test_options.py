"""The option list and its generated sample under etc/."""

import os

import fixtures
from oslo_config import cfg
from oslo_config import generator

from scaleio_cinder import options
from tests import base

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SAMPLE = os.path.join(TOP, 'etc', 'scaleio-cinder.conf.sample')
GENERATOR_CONF = os.path.join(TOP, 'etc', 'oslo-config-generator',
                              'scaleio-cinder.conf')


class TestSample(base.TestCase):

    def test_the_committed_sample_is_what_the_generator_makes(self):
        out = os.path.join(self.useFixture(fixtures.TempDir()).path, 's')
        conf = cfg.ConfigOpts()
        generator.register_cli_opts(conf)
        conf(['--config-file', GENERATOR_CONF, '--output-file', out])
        generator.generate(conf)
        with open(out) as f, open(SAMPLE) as committed:
            self.assertEqual(f.read(), committed.read(),
                             'etc/scaleio-cinder.conf.sample is stale: run '
                             '"tools/tox.sh -e genconfig"')


class TestOptions(base.TestCase):

    def test_every_option_is_ours_and_upstream_names_are_aliases(self):
        for opt in options.scaleio_opts:
            self.assertTrue(opt.name.startswith('scaleio_'), opt.name)
            for alias in opt.deprecated_opts:
                self.assertRegex(alias.name,
                                 r'^(powerflex|vxflexos|sio)_')

    def test_list_opts_names_the_backend_group(self):
        [(group, opts)] = options.list_opts()
        self.assertEqual('backend', group)
        self.assertEqual(options.scaleio_opts, opts)
