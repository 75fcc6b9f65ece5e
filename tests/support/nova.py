"""What the Nova side's tests share (it never imports Cinder).

A simulator whose SDC host ``sdc1`` plays this compute node: nova.conf's
``[scaleio]`` points at its ``by-id`` directory and its ``drv_cfg``
stand-in. ``scaleio_client`` plays the Cinder driver (Cinder cannot be
imported next to Nova): it creates and maps volumes, and the connection
info comes from the Cinder driver's own ``scaleio_cinder.connection``
(a module that imports nothing from Cinder). Libvirt is nova's fakelibvirt.
"""

import os
import uuid

import fixtures
from oslo_config import fixture as config_fixture

import nova.conf
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.virt.libvirt import host as libvirt_host

from scaleio_cinder import connection
from scaleio_client import names
from scaleio_client import sizes
from scaleio_nova import options
from tests import base
from tests.support import common

CONF = nova.conf.CONF


class NovaHostTestCase(base.TestCase):
    """The simulator, a gateway client, nova.conf for host ``sdc1``."""

    sdc = 'sdc1'

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(common.SimulatorFixture()).sim
        self.gateway = self.useFixture(common.ClientFixture(self.sim)).client
        options.register_opts(CONF)
        self.conf = self.useFixture(config_fixture.Config(CONF))
        host_dir = self.sim.host_dir(self.sdc)
        self.search_path = os.path.join(host_dir, 'by-id')
        self.conf.config(group='scaleio', search_path=self.search_path,
                         drv_cfg_path=os.path.join(host_dir, 'drv_cfg'),
                         device_timeout=5.0)
        self.conf.config(group='oslo_concurrency',
                         lock_path=self.useFixture(
                             fixtures.TempDir()).path)
        self.useFixture(fakelibvirt.LibvirtFixture())

    def libvirt_host(self):
        """nova's Host for qemu:///system, backed by fakelibvirt."""
        return libvirt_host.Host('qemu:///system')

    def create_volume(self, size_gib=8, pool='sp1'):
        """A volume named after a new Cinder id: (cinder id, array id)."""
        cinder_id = str(uuid.uuid4())
        pool_id = self.gateway.storage_pool_id('pd1', pool)
        volume_id = self.gateway.create_volume(
            names.id_to_name(cinder_id), pool_id,
            size_gib * sizes.KIB_PER_GIB)
        return cinder_id, volume_id

    def attach_info(self, cinder_id, volume_id, size_gib, discard=False):
        """Map to this host's SDC as initialize_connection does; its info.

        Nova adds ``serial`` (the Cinder volume id) to what Cinder returns.
        """
        self.gateway.map_volume(volume_id, guid=common.SDC1_GUID)
        info = connection.connection_info(
            names.id_to_name(cinder_id), volume_id, common.SDC1_GUID,
            'scaleio', discard=discard, size_gib=size_gib)
        info['serial'] = cinder_id
        return info

    def device_link(self, volume_id):
        return os.path.join(self.search_path, 'emc-vol-%s-%s'
                            % (self.gateway.system_id(), volume_id))
