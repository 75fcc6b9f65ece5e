"""The driver's options: our names, upstream names as aliases."""

from scaleio_cinder import options
from tests import base


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
