"""What the Cinder side's tests share: real Cinder objects in a real
(sqlite) Cinder database, real oslo.config, real coordination locks, and
our driver talking HTTPS to a simulator. The real boot test's Cinder
process (tests/integration/nova/cinder_side.py) runs on the same pieces.

Cinder's own test base (cinder.tests.unit) is not used on purpose: importing
it monkey-patches the whole test process with eventlet, which would change
every other test in the same stestr worker.
"""

import os
import threading

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture

from cinder.common import config as cinder_config  # noqa: registers opts
from cinder import context as cinder_context
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
from tests.support import common

objects.register_all()
CONF = cfg.CONF
BACKEND = 'scaleio'
HOST = 'cinder-volume@%s' % BACKEND
# The default system's SDCs, named here too for Cinder tests' connectors.
SDC1_GUID = common.SDC1_GUID
SDC2_GUID = common.SDC2_GUID

_schema = None
_schema_lock = threading.Lock()
_conf_loaded = False


def load_config():
    """Parse an empty command line and no config files, once a process."""
    global _conf_loaded
    if not _conf_loaded:
        CONF([], default_config_files=[])
        _conf_loaded = True


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


class CinderFixture(fixtures.Fixture):
    """What cinder-volume runs with, undone after.

    Configuration (``conf``, an oslo.config fixture of ``CONF``), a fresh
    sqlite database, file locks and coordination in ``lock_dir`` (a
    temporary directory unless given), and an admin ``context``.
    """

    def __init__(self, lock_dir=None):
        super().__init__()
        self.lock_dir = lock_dir

    def _setUp(self):
        load_config()
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.conf.config(connection='sqlite://', sqlite_synchronous=False,
                         group='database')
        self.useFixture(CinderDatabase())
        lock_dir = self.lock_dir
        if lock_dir is None:
            lock_dir = self.useFixture(fixtures.TempDir()).path
        os.makedirs(lock_dir, exist_ok=True)
        self.conf.config(lock_path=lock_dir, group='oslo_concurrency')
        self.conf.config(state_path=lock_dir)
        self.conf.config(backend_url='file://' + lock_dir,
                         group='coordination')
        coordination.COORDINATOR.start()
        self.addCleanup(coordination.COORDINATOR.stop)
        self.context = cinder_context.get_admin_context()


# ---------------------------------------------------------------- drivers
def backend_options(group, pools, port, ca_file, **overrides):
    """A backend section for our driver and the default simulated system."""
    options = {
        'volume_backend_name': group,
        'san_ip': '127.0.0.1',
        'san_login': common.USERNAME,
        'san_password': common.PASSWORD,
        'scaleio_rest_server_port': port,
        'scaleio_ca_bundle': ca_file,
        'scaleio_storage_pools': pools,
    }
    options.update(overrides)
    return options


def make_driver(context, group, options=None,
                cls=scaleio_driver.ScaleIODriver, setup=True):
    """A driver of ``cls`` for backend section ``group``, as loaded.

    As cinder-volume loads it: set up unless ``setup`` is false.
    ``options`` are set in the section once the driver has registered
    them; the section may also come from files or raw values.
    """
    conf = configuration.Configuration(cinder_driver.volume_opts,
                                       config_group=group)
    driver = cls(configuration=conf, host='cinder-volume@' + group)
    for name, value in (options or {}).items():
        CONF.set_override(name, value, group=group)
    if setup:
        driver.do_setup(context)
        driver.check_for_setup_error()
    return driver


# --------------------------------------------------------- Cinder objects
def make_volume_type(context, name='thin', extra_specs=None, qos=None):
    """A volume type with extra specs and (optionally) back-end QoS."""
    vt = volume_types.create(context, name, extra_specs or {})
    if qos is not None:
        consumer = qos.pop('consumer', 'back-end')
        specs = qos_specs.create(context, name + '-qos',
                                 dict(qos, consumer=consumer))
        qos_specs.associate_qos_with_type(context, specs['id'], vt['id'])
    return objects.VolumeType.get_by_id(context, vt['id'])


def make_volume(context, driver, size=1, pool='pd1:sp1', volume_type=None,
                create=True, **fields_):
    """A Cinder volume record; ``create`` also makes it on the array."""
    if volume_type is None:
        volume_type = objects.VolumeType.get_by_name_or_id(
            context, volume_types.get_default_volume_type()['id'])
    volume = objects.Volume(
        context, size=size, host='%s#%s' % (HOST, pool),
        volume_type_id=volume_type.id, status='creating',
        project_id='project', user_id='user',
        attach_status=fields.VolumeAttachStatus.DETACHED, **fields_)
    volume.create()
    if create:
        volume.update(driver.create_volume(volume) or {})
        volume.status = 'available'
        volume.save()
    return volume


def make_snapshot(context, driver, volume, create=True):
    """A Cinder snapshot record; ``create`` also makes it on the array."""
    snapshot = objects.Snapshot(
        context, volume_id=volume.id, volume_size=volume.size,
        volume_type_id=volume.volume_type_id, status='creating',
        project_id='project', user_id='user')
    snapshot.create()
    if create:
        snapshot.update(driver.create_snapshot(snapshot) or {})
        snapshot.status = 'available'
        snapshot.save()
    return snapshot


def make_connector(guid=SDC1_GUID, host='compute1'):
    """Connector properties of a compute host with our connector."""
    return {'sdc_guid': guid, 'host': host, 'ip': '192.0.2.11',
            'initiator': None}


def requests_since(sim, before):
    """Simulator request counts per endpoint since ``before``."""
    now = sim.log.counters()
    return {k: v - before.get(k, 0) for k, v in now.items()
            if v - before.get(k, 0)}


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
        cinder = self.useFixture(CinderFixture())
        self.conf = cinder.conf
        self.context = cinder.context
        self.sim = self.useFixture(
            common.SimulatorFixture(**self.simulator_options)).sim
        self.driver = self.make_driver(BACKEND, self.pools,
                                       **self.driver_options)

    def make_driver(self, group, pools, setup=True, **overrides):
        """Our driver for backend section ``group`` on the simulator."""
        options = backend_options(group, pools, self.sim.port,
                                  self.sim.ca_file,
                                  **dict({'scaleio_rest_retries': 1},
                                         **overrides))
        return self.load_driver(group, options, setup=setup)

    def load_driver(self, group, options=None,
                    cls=scaleio_driver.ScaleIODriver, setup=True):
        """A driver of ``cls`` for section ``group`` (see make_driver)."""
        driver = make_driver(self.context, group, options, cls=cls,
                             setup=setup)
        if setup and isinstance(driver, scaleio_driver.ScaleIODriver):
            self.addCleanup(driver.gateway.close)
        return driver

    def make_powerflex(self, group='powerflex', pools='pd1:sp1,pd1:sp2',
                       **overrides):
        """Cinder 29's in-tree PowerFlexDriver for section ``group``."""
        options = {
            'volume_backend_name': group,
            'san_ip': '127.0.0.1',
            'san_login': common.USERNAME,
            'san_password': common.PASSWORD,
            'powerflex_rest_server_port': self.sim.port,
            'powerflex_storage_pools': pools,
            'driver_ssl_cert_verify': True,
            'driver_ssl_cert_path': self.sim.ca_file,
        }
        options.update(overrides)
        # Imported here: its module needs Cinder's objects registered.
        from cinder.volume.drivers.dell_emc.powerflex import (
            driver as powerflex)
        return self.load_driver(group, options, cls=powerflex.PowerFlexDriver)

    # ------------------------------------------------------ Cinder objects
    def record(self, size, pool, volume_type=None, host=HOST, **fields_):
        """A Cinder volume record on ``host`` (nothing on the array)."""
        volume = self.volume(size=size, pool=pool, volume_type=volume_type,
                             create=False, **fields_)
        volume.host = '%s#%s' % (host, pool)
        volume.save()
        return volume

    @staticmethod
    def created(obj, update):
        """Record what a driver's create returned; the object is ready."""
        obj.update(update or {})
        obj.status = 'available'
        obj.save()
        return obj

    def volume_type(self, name='thin', extra_specs=None, qos=None):
        return make_volume_type(self.context, name, extra_specs, qos)

    def volume(self, size=1, pool='pd1:sp1', volume_type=None, create=True,
               **fields_):
        return make_volume(self.context, self.driver, size, pool,
                           volume_type, create, **fields_)

    def snapshot(self, volume, create=True):
        return make_snapshot(self.context, self.driver, volume, create)

    def connector(self, guid=SDC1_GUID, host='compute1'):
        return make_connector(guid, host)

    def array_volume(self, vol_or_snap):
        """The simulator's record of a Cinder volume or snapshot."""
        with self.sim.mdm.lock:
            return self.sim.mdm.get('Volume', vol_or_snap.provider_id)

    def requests_since(self, before):
        return requests_since(self.sim, before)
