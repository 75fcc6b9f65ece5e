"""The Cinder side of the real boot test, in a process of its own.

Imports Cinder and scaleio_cinder, never Nova (both register
``[DEFAULT] state_path``). Runs our ScaleIODriver as cinder-volume does:
real oslo.config, a real (sqlite) Cinder database with real Cinder
objects, real coordination locks, HTTPS to the simulator. Requests arrive
as JSON lines (tests/integration/nova/sidecar.py)::

    python -m tests.integration.nova.cinder_side
"""

import os

from oslo_config import cfg

from cinder import context as cinder_context
from cinder import coordination
from cinder.db import api as db_api
from cinder import objects
from cinder.objects import fields
from cinder.volume import configuration
from cinder.volume import driver as cinder_driver
from cinder.volume import volume_types
from scaleio_cinder import driver as scaleio_driver
from tests.functional.cinder import base as cinder_base
from tests.integration.nova import sidecar

CONF = cfg.CONF
BACKEND = 'scaleio'
HOST = 'cinder-volume@%s' % BACKEND


class CinderSide:
    """One ScaleIODriver and the Cinder records of the test's volumes."""

    def __init__(self):
        self.driver = None
        self.context = None
        self.volumes = {}

    def setup(self, port, ca_file, lock_dir, pools='pd1:sp1'):
        cinder_base.load_config()
        CONF.set_override('connection', 'sqlite://', group='database')
        CONF.set_override('sqlite_synchronous', False, group='database')
        os.makedirs(lock_dir, exist_ok=True)
        CONF.set_override('lock_path', lock_dir, group='oslo_concurrency')
        CONF.set_override('backend_url', 'file://' + lock_dir,
                          group='coordination')
        cinder_base.CinderDatabase().setUp()
        coordination.COORDINATOR.start()
        self.context = cinder_context.get_admin_context()
        options = {
            'volume_backend_name': BACKEND,
            'san_ip': '127.0.0.1',
            'san_login': 'admin',
            'san_password': 'Scaleio123',
            'scaleio_rest_server_port': port,
            'scaleio_ca_bundle': ca_file,
            'scaleio_storage_pools': pools,
        }
        conf = configuration.Configuration(cinder_driver.volume_opts,
                                           config_group=BACKEND)
        self.driver = scaleio_driver.ScaleIODriver(configuration=conf,
                                                   host=HOST)
        for name, value in options.items():
            CONF.set_override(name, value, group=BACKEND)
        self.driver.do_setup(self.context)
        self.driver.check_for_setup_error()
        return {'pools': pools}

    def _volume(self, volume_id):
        return objects.Volume.get_by_id(self.context, volume_id)

    def create(self, size, pool='pd1:sp1'):
        """Create a volume (record, then array volume); its ids."""
        volume_type = objects.VolumeType.get_by_name_or_id(
            self.context, volume_types.get_default_volume_type()['id'])
        volume = objects.Volume(
            self.context, size=size, host='%s#%s' % (HOST, pool),
            volume_type_id=volume_type.id, status='creating',
            project_id='project', user_id='user',
            attach_status=fields.VolumeAttachStatus.DETACHED)
        volume.create()
        volume.update(self.driver.create_volume(volume) or {})
        volume.status = 'available'
        volume.save()
        return {'id': volume.id, 'provider_id': volume.provider_id,
                'size': volume.size}

    def initialize_connection(self, volume_id, connector):
        return self.driver.initialize_connection(self._volume(volume_id),
                                                 connector)

    def terminate_connection(self, volume_id, connector):
        self.driver.terminate_connection(self._volume(volume_id), connector)

    def write_image(self, volume_id, connector, by_id_dir, image_hex):
        """Put an image on a volume as cinder-volume's image copy does.

        ``copy_image_to_volume`` maps the volume to the cinder-volume
        host, writes the image through the host's device and unmaps it.
        There is no Glance here, so the image bytes come with the request;
        the mapping, the device and the unmapping are the real ones.
        """
        info = self.initialize_connection(volume_id, connector)
        name = [n for n in os.listdir(by_id_dir)
                if n.startswith('emc-vol')
                and n.endswith(info['data']['scaleIO_volume_id'])][0]
        path = os.path.join(by_id_dir, name)
        target = os.path.realpath(path)
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, bytes.fromhex(image_hex))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.terminate_connection(volume_id, connector)
        return {'device': path, 'target': target}

    def extend(self, volume_id, new_size):
        volume = self._volume(volume_id)
        self.driver.extend_volume(volume, new_size)
        volume.size = new_size
        volume.save()
        return {'size': new_size}

    def delete(self, volume_id):
        volume = self._volume(volume_id)
        self.driver.delete_volume(volume)
        volume.destroy()

    def shutdown(self):
        if self.driver is not None:
            self.driver.gateway.close()
            coordination.COORDINATOR.stop()
            db_api.get_engine().dispose()


def main():
    side = CinderSide()
    handlers = {name: getattr(side, name) for name in (
        'setup', 'create', 'initialize_connection', 'terminate_connection',
        'write_image', 'extend', 'delete', 'shutdown')}
    objects.register_all()
    sidecar.serve(handlers)


if __name__ == '__main__':
    main()
