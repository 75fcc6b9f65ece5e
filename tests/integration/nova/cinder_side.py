"""The Cinder side of the real boot test, in a process of its own.

Imports Cinder and scaleio_cinder, never Nova (both register
``[DEFAULT] state_path``). Runs our ScaleIODriver as cinder-volume does:
real oslo.config, a real (sqlite) Cinder database with real Cinder
objects, real coordination locks, HTTPS to the simulator. Requests arrive
as JSON lines (tests/integration/nova/sidecar.py)::

    python -m tests.integration.nova.cinder_side
"""

import os

from cinder import objects
from tests.integration.nova import sidecar
from tests.support import cinder as support


class CinderSide:
    """One ScaleIODriver and the Cinder records of the test's volumes."""

    def __init__(self):
        self.cinder = None
        self.driver = None
        self.context = None

    def setup(self, port, ca_file, lock_dir, pools='pd1:sp1'):
        self.cinder = support.CinderFixture(lock_dir)
        self.cinder.setUp()
        self.context = self.cinder.context
        self.driver = support.make_driver(
            self.context, support.BACKEND, support.backend_options(
                support.BACKEND, pools, port, ca_file))
        self.cinder.addCleanup(self.driver.gateway.close)
        return {'pools': pools}

    def _volume(self, volume_id):
        return objects.Volume.get_by_id(self.context, volume_id)

    def create(self, size, pool='pd1:sp1'):
        """Create a volume (record, then array volume); its ids."""
        volume = support.make_volume(self.context, self.driver, size, pool)
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
        if self.cinder is not None:
            self.cinder.cleanUp()


def main():
    side = CinderSide()
    handlers = {name: getattr(side, name) for name in (
        'setup', 'create', 'initialize_connection', 'terminate_connection',
        'write_image', 'extend', 'delete', 'shutdown')}
    objects.register_all()
    sidecar.serve(handlers)


if __name__ == '__main__':
    main()
