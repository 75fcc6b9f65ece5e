"""The Nova side's environment: nova 34 imports, Cinder is not loaded."""

import sys

from tests import base


class TestNovaSide(base.TestCase):

    def test_nova_34_libvirt_driver_imports_without_cinder(self):
        from nova import version
        from nova.virt.libvirt import driver  # noqa: F401

        self.assertEqual('34', version.version_string().split('.')[0])
        self.assertNotIn('cinder', sys.modules)
