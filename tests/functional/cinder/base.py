"""What tests of the Cinder driver share: real Cinder objects in a real
(sqlite) Cinder database, real oslo.config, real coordination locks, and
the driver talking HTTP to a simulator.

Cinder's own test base (cinder.tests.unit) is not used on purpose: importing
it monkey-patches the whole test process with eventlet, which would change
every other test in the same stestr worker.
"""

import threading

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture

from cinder.common import config as cinder_config  # noqa: registers opts
from cinder import context
from cinder import coordination
from cinder.db import api as db_api
from cinder.db import migration
from cinder import objects
from cinder.objects import fields
from cinder.volume import configuration
from cinder.volume import driver as cinder_driver
from cinder.volume import qos_specs
from cinder.volume import volume_types
from scaleio_cinder import driver as scaleio_driver
from tests import base
from tests.functional.sim import base as sim_base

objects.register_all()
CONF = cfg.CONF
BACKEND = 'scaleio'
HOST = 'cinder-volume@%s' % BACKEND
SDC1_GUID = '5C1A0001-0000-4000-8000-000000000001'
SDC2_GUID = '5C1A0001-0000-4000-8000-000000000002'

_schema = None
_schema_lock = threading.Lock()
_conf_loaded = False


class CinderDatabase(fixtures.Fixture):
    """A fresh in-memory Cinder database with the current schema."""

    def _setUp(self):
        global _schema
        engine = db_api.get_engine()
        engine.dispose()
        with _schema_lock:
            if _schema is None:
                conn = engine.connect()
                migration.db_sync()
                _schema = ''.join(conn.connection.iterdump())
                engine.dispose()
        engine.connect().connection.executescript(_schema)
        self.addCleanup(db_api.get_engine().dispose)


def load_config():
    global _conf_loaded
    if not _conf_loaded:
        CONF([], default_config_files=[])
        _conf_loaded = True


class DriverTestCase(base.TestCase):
    """A simulator, a Cinder database, and a configured ScaleIODriver.

    ``driver_options`` set backend options (over sensible defaults for the
    default simulated system); ``simulator_options`` go to the simulator,
    which serves HTTPS as a real gateway does: the driver verifies it with
    the simulator's CA file.
    """

    simulator_options = {'tls': True}
    driver_options = {}
    pools = 'pd1:sp1,pd1:sp2'

    def setUp(self):
        super().setUp()
        load_config()
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.conf.config(connection='sqlite://', sqlite_synchronous=False,
                         group='database')
        self.useFixture(CinderDatabase())
        lock_dir = self.useFixture(fixtures.TempDir()).path
        self.conf.config(lock_path=lock_dir, group='oslo_concurrency')
        self.conf.config(backend_url='file://' + lock_dir,
                         group='coordination')
        coordination.COORDINATOR.start()
        self.addCleanup(coordination.COORDINATOR.stop)
        self.context = context.get_admin_context()
        self.sim = self.useFixture(
            sim_base.SimulatorFixture(**self.simulator_options)).sim
        self.driver = self.make_driver(BACKEND, self.pools,
                                       **self.driver_options)

    def make_driver(self, group, pools, setup=True, **overrides):
        """A ScaleIODriver for backend section ``group``, set up."""
        options = {
            'volume_backend_name': group,
            'san_ip': '127.0.0.1',
            'san_login': 'admin',
            'san_password': 'Scaleio123',
            'scaleio_rest_server_port': self.sim.port,
            'scaleio_ca_bundle': self.sim.ca_file,
            'scaleio_storage_pools': pools,
            'scaleio_rest_retries': 1,
        }
        options.update(overrides)
        conf = configuration.Configuration(cinder_driver.volume_opts,
                                           config_group=group)
        driver = scaleio_driver.ScaleIODriver(configuration=conf,
                                              host='cinder-volume@' + group)
        for name, value in options.items():
            self.conf.config(group=group, **{name: value})
        if setup:
            driver.do_setup(self.context)
            driver.check_for_setup_error()
            self.addCleanup(driver.gateway.close)
        return driver

    # ------------------------------------------------------ Cinder objects
    def volume_type(self, name='thin', extra_specs=None, qos=None):
        """A volume type with extra specs and (optionally) back-end QoS."""
        vt = volume_types.create(self.context, name, extra_specs or {})
        if qos is not None:
            consumer = qos.pop('consumer', 'back-end')
            specs = qos_specs.create(self.context, name + '-qos',
                                     dict(qos, consumer=consumer))
            qos_specs.associate_qos_with_type(self.context, specs['id'],
                                              vt['id'])
        return objects.VolumeType.get_by_id(self.context, vt['id'])

    def volume(self, size=1, pool='pd1:sp1', volume_type=None, create=True,
               **fields_):
        """A Cinder volume record; ``create`` also makes it on the array."""
        if volume_type is None:
            volume_type = objects.VolumeType.get_by_name_or_id(
                self.context, volume_types.get_default_volume_type()['id'])
        volume = objects.Volume(
            self.context, size=size, host='%s#%s' % (HOST, pool),
            volume_type_id=volume_type.id, status='creating',
            project_id='project', user_id='user',
            attach_status=fields.VolumeAttachStatus.DETACHED, **fields_)
        volume.create()
        if create:
            volume.update(self.driver.create_volume(volume) or {})
            volume.status = 'available'
            volume.save()
        return volume

    def snapshot(self, volume, create=True):
        snapshot = objects.Snapshot(
            self.context, volume_id=volume.id, volume_size=volume.size,
            volume_type_id=volume.volume_type_id, status='creating',
            project_id='project', user_id='user')
        snapshot.create()
        if create:
            snapshot.update(self.driver.create_snapshot(snapshot) or {})
            snapshot.status = 'available'
            snapshot.save()
        return snapshot

    def connector(self, guid=SDC1_GUID, host='compute1'):
        return {'sdc_guid': guid, 'host': host, 'ip': '192.0.2.11',
                'initiator': None}

    def array_volume(self, vol_or_snap):
        """The simulator's record of a Cinder volume or snapshot."""
        with self.sim.mdm.lock:
            return self.sim.mdm.get('Volume', vol_or_snap.provider_id)

    def requests_since(self, before):
        """Simulator request counts per endpoint since ``before``."""
        now = self.sim.log.counters()
        return {k: v - before.get(k, 0) for k, v in now.items()
                if v - before.get(k, 0)}
