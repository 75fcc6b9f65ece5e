"""The Cinder volume driver for ScaleIO / VxFlex OS / PowerFlex.

    [scaleio]
    volume_driver = scaleio_cinder.driver.ScaleIODriver
    san_ip = gateway.example.com
    san_login = cinder
    san_password = ...
    scaleio_storage_pools = pd1:sp1,pd1:sp2

A thin adapter: each Cinder method hands its objects to one part, built
at set-up from the backend (options, pools, spec rules) and the gateway
client:

* ``volumes.Volumes``: create, clone, extend, revert, snapshot, delete;
* ``attach.Attachments``: map and unmap to the connector's SDC, QoS;
* ``manage.Manage``, ``migration.Migration``, ``groups.Groups``,
  ``retype.Retype``: what their names say;
* ``replication.Replication``: replicated volumes, failover, failback
  (every part works through ``replication.ActiveGateway``);
* ``stats.backend_stats``: the scheduler's view.
"""

import os

from oslo_config import cfg
from oslo_log import log as logging

from cinder.common import constants
from cinder import context as cinder_context
from cinder import coordination
from cinder import exception
from cinder import interface
from cinder import objects
from cinder.volume import driver
from cinder.volume.drivers.san import san
from scaleio_cinder import attach
from scaleio_cinder import backend as backend_mod
from scaleio_cinder.errors import gateway_errors
from scaleio_cinder import groups
from scaleio_cinder import intents
from scaleio_cinder import manage
from scaleio_cinder import migration
from scaleio_cinder import nvme
from scaleio_cinder import options
from scaleio_cinder import replication
from scaleio_cinder import retype
from scaleio_cinder import stats
from scaleio_cinder import volumes
from scaleio_client import client as client_mod
from scaleio_client import exceptions as sio

LOG = logging.getLogger(__name__)
MIN_API_VERSION = '2.0'
NVME_API_VERSION = '4.0'


@interface.volumedriver
class ScaleIODriver(driver.VolumeDriver):
    """ScaleIO volumes, mapped to hosts through their SDC."""

    VERSION = '1.0.0'
    SUPPORTS_ACTIVE_ACTIVE = True
    CI_WIKI_NAME = 'ScaleIO_for_OpenStack_CI'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(san.san_opts)
        self.configuration.append_config_values(options.scaleio_opts)
        # Set when cinder-volume starts on a backend it failed over.
        self.active_backend_id = kwargs.get('active_backend_id')
        self.gateway = None
        self.backend = None

    @staticmethod
    def get_driver_options():
        return options.scaleio_opts

    # ------------------------------------------------------------ set-up
    def do_setup(self, context):
        conf = self.configuration
        primary = client_mod.ScaleIOClient(backend_mod.gateway_config(conf))
        # Every part works through the active gateway: the primary, or
        # the replication target the backend failed over to.
        gateway = replication.ActiveGateway(primary)
        self.gateway = gateway
        self.backend = backend_mod.Backend(conf, gateway,
                                           type(self).__name__)
        self.replication = replication.Replication(
            self.backend, gateway, primary,
            replication.make_targets(conf, primary.config),
            self.active_backend_id)
        self.volumes = volumes.Volumes(self.backend, gateway,
                                       self.replication)
        self.attachments = attach.Attachments(
            self.backend, gateway, self.replication,
            intents.Intents(self._intents_dir()))
        self.manage = manage.Manage(self.backend, gateway)
        self.migration = migration.Migration(self.backend, gateway)
        self.groups = groups.Groups(self.backend, gateway, self.volumes)
        self.retyping = retype.Retype(self.backend, gateway,
                                      self.replication)

    def check_for_setup_error(self):
        with gateway_errors('Connecting to the ScaleIO gateway %s'
                            % self.gateway.config.base_url):
            version = self.gateway.version
        if version < MIN_API_VERSION:
            raise exception.VolumeBackendAPIException(
                data='the gateway speaks API %s; this driver needs %s or '
                     'later' % (version, MIN_API_VERSION))
        self.backend.check_pools()
        for backend_id, target in self.replication.targets.items():
            try:
                target_version = target.version
            except sio.ScaleIOError as e:
                # A target down must not keep the backend from serving.
                LOG.warning('Replication target %s (%s) does not answer: '
                            '%s', backend_id, target.config.base_url, e)
                continue
            if target_version < replication.MIN_API_VERSION:
                raise exception.VolumeBackendAPIException(
                    data='replication target %s speaks API %s; replication '
                         'needs %s on both systems'
                    % (backend_id, target_version,
                       replication.MIN_API_VERSION))
        if self.replication.enabled and version < replication.MIN_API_VERSION:
            raise exception.VolumeBackendAPIException(
                data='the gateway speaks API %s; replication needs %s'
                % (version, replication.MIN_API_VERSION))
        LOG.info('ScaleIO backend ready: gateway %s, API %s, pools %s',
                 self.gateway.config.base_url, version,
                 ', '.join(sorted(self.backend.pools)))
        self._settle_interrupted_attaches()

    def _intents_dir(self):
        """Where this service notes its attaches in progress."""
        return os.path.join(cfg.CONF.state_path, 'scaleio-attaching',
                            self.host or self.configuration.config_group
                            or 'default')

    def _settle_interrupted_attaches(self):
        """The attaches a crash of this service cut short (intents.py).

        Before the service takes requests: each one's mapping stays if
        Cinder has an attachment with a connector on that host, and is
        undone otherwise. One that cannot be settled now (the gateway
        does not answer) is tried again at the next start.
        """
        for intent in self.attachments.intents.pending():
            @coordination.synchronized('scaleio-{cinder_id}')
            def settle(cinder_id):
                self.attachments.settle(intent, self._connectors(cinder_id))
            try:
                settle(intent.cinder_id)
            except Exception as e:      # noqa: the next start tries again
                LOG.warning('Could not settle the interrupted attach of %s '
                            'to host %s (tried again at the next start): '
                            '%s', intent.cinder_id,
                            intent.connector.get('host'), e)

    @staticmethod
    def _connectors(cinder_id):
        """The connectors of a volume's attachments in Cinder's database."""
        ctxt = cinder_context.get_admin_context()
        return [a.connector for a in
                objects.VolumeAttachmentList.get_all_by_volume_id(
                    ctxt, cinder_id) if a.connector]

    def _update_volume_stats(self):
        self._stats = stats.backend_stats(self.backend, self.gateway,
                                          self.VERSION,
                                          self.replication.stats())

    # ----------------------------------------------------------- volumes
    def create_volume(self, volume):
        return self.volumes.create_volume(volume)

    def _serving(self, obj):
        """Work for ``obj`` through the system that holds it now."""
        return self.gateway.serving(self.replication.client_for(obj))

    def delete_volume(self, volume):
        with self._serving(volume):
            return self.volumes.delete_volume(volume)

    def extend_volume(self, volume, new_size):
        with self._serving(volume):
            return self.volumes.extend_volume(volume, new_size)

    def create_volume_from_snapshot(self, volume, snapshot):
        with self._serving(snapshot):
            return self.volumes.create_volume_from_snapshot(volume, snapshot)

    def create_cloned_volume(self, volume, src_vref):
        with self._serving(src_vref):
            return self.volumes.create_cloned_volume(volume, src_vref)

    def revert_to_snapshot(self, context, volume, snapshot):
        with self._serving(volume):
            return self.volumes.revert_to_snapshot(volume, snapshot)

    def create_snapshot(self, snapshot):
        with self._serving(snapshot):
            return self.volumes.create_snapshot(snapshot)

    def delete_snapshot(self, snapshot):
        with self._serving(snapshot):
            return self.volumes.delete_snapshot(snapshot)

    def backup_use_temp_snapshot(self):
        # Honour the operator's choice; a temporary snapshot is cheap here.
        return self.configuration.safe_get('backup_use_temp_snapshot')

    # ------------------------------------------------------------ attach
    def validate_connector(self, connector):
        attach.sdc_guid(connector)

    # Attach and detach of one volume take the same lock, so that a detach
    # on a host never unmaps a volume that an attach there is mapping.
    @coordination.synchronized('scaleio-{volume.id}')
    def initialize_connection(self, volume, connector, **kwargs):
        with self._serving(volume):
            return self.attachments.initialize_connection(volume, connector)

    @coordination.synchronized('scaleio-{volume.id}')
    def terminate_connection(self, volume, connector, **kwargs):
        with self._serving(volume):
            return self.attachments.terminate_connection(volume, connector)

    def initialize_connection_snapshot(self, snapshot, connector, **kwargs):
        with self._serving(snapshot):
            return self.attachments.initialize_connection_snapshot(
                snapshot, connector)

    def terminate_connection_snapshot(self, snapshot, connector, **kwargs):
        with self._serving(snapshot):
            self.attachments.detach(snapshot, connector)

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def create_export_snapshot(self, context, snapshot, connector):
        pass

    def remove_export_snapshot(self, context, snapshot):
        pass

    # ------------------------------------------------------------ manage
    def manage_existing(self, volume, existing_ref):
        return self.manage.manage_existing(volume, existing_ref)

    def manage_existing_get_size(self, volume, existing_ref):
        return self.manage.manage_existing_get_size(volume, existing_ref)

    def unmanage(self, volume):
        return self.manage.unmanage(volume)

    def manage_existing_snapshot(self, snapshot, existing_ref):
        return self.manage.manage_existing_snapshot(snapshot, existing_ref)

    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        return self.manage.manage_existing_snapshot_get_size(snapshot,
                                                             existing_ref)

    def unmanage_snapshot(self, snapshot):
        return self.manage.unmanage_snapshot(snapshot)

    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        return self.manage.get_manageable_volumes(
            cinder_volumes, marker, limit, offset, sort_keys, sort_dirs)

    def get_manageable_snapshots(self, cinder_snapshots, marker, limit,
                                 offset, sort_keys, sort_dirs):
        return self.manage.get_manageable_snapshots(
            cinder_snapshots, marker, limit, offset, sort_keys, sort_dirs)

    # ------------------------------------------------ migration, retype
    def migrate_volume(self, ctxt, volume, host):
        return self.migration.migrate_volume(ctxt, volume, host)

    def update_migrated_volume(self, ctxt, volume, new_volume,
                               original_volume_status):
        return self.migration.update_migrated_volume(
            ctxt, volume, new_volume, original_volume_status)

    def retype(self, ctxt, volume, new_type, diff, host):
        return self.retyping.retype(ctxt, volume, new_type, diff, host)

    # ------------------------------------------------------- replication
    def failover_host(self, context, volumes, secondary_id=None,
                      groups=None):
        active, updates, group_updates = self.replication.failover(
            volumes, secondary_id, groups)
        self.replication.failover_completed(active)
        return active, updates, group_updates

    def failover(self, context, volumes, secondary_id=None, groups=None):
        return self.replication.failover(volumes, secondary_id, groups)

    def failover_completed(self, context, active_backend_id=None):
        self.replication.failover_completed(active_backend_id)

    def enable_replication(self, context, group, volumes):
        return self.replication.enable_group(group, volumes)

    def disable_replication(self, context, group, volumes):
        return self.replication.disable_group(group, volumes)

    def failover_replication(self, context, group, volumes,
                             secondary_backend_id=None):
        return self.replication.failover_group(group, volumes,
                                               secondary_backend_id)

    # ------------------------------------------------------------ groups
    def create_group(self, context, group):
        return self.groups.create_group(context, group)

    def update_group(self, context, group, add_volumes=None,
                     remove_volumes=None):
        return self.groups.update_group(context, group, add_volumes,
                                        remove_volumes)

    def delete_group(self, context, group, volumes):
        return self.groups.delete_group(context, group, volumes)

    def create_group_snapshot(self, context, group_snapshot, snapshots):
        return self.groups.create_group_snapshot(context, group_snapshot,
                                                 snapshots)

    def delete_group_snapshot(self, context, group_snapshot, snapshots):
        return self.groups.delete_group_snapshot(context, group_snapshot,
                                                 snapshots)

    def create_group_from_src(self, context, group, volumes,
                              group_snapshot=None, snapshots=None,
                              source_group=None, source_vols=None):
        return self.groups.create_group_from_src(
            context, group, volumes, group_snapshot, snapshots,
            source_group, source_vols)


@interface.volumedriver
class ScaleIONVMeDriver(ScaleIODriver):
    """ScaleIO volumes over NVMe/TCP (PowerFlex 4.0 and later).

        volume_driver = scaleio_cinder.driver.ScaleIONVMeDriver

    Everything but the attach is the SDC driver's: volumes map to NVMe
    host objects (found by the connector's NQN, made on first attach,
    removed with their last mapping) and ``connection_info`` is
    ``nvmeof``, which stock os-brick and Nova's NVMe-oF driver attach.
    """

    STORAGE_PROTOCOL = constants.NVMEOF_TCP

    def do_setup(self, context):
        super().do_setup(context)
        self.attachments = nvme.NvmeAttachments(
            self.backend, self.gateway, self.replication,
            self.attachments.intents)

    def check_for_setup_error(self):
        super().check_for_setup_error()
        if self.gateway.version < NVME_API_VERSION:
            raise exception.VolumeBackendAPIException(
                data='the gateway speaks API %s; NVMe/TCP needs %s or later'
                % (self.gateway.version, NVME_API_VERSION))

    def validate_connector(self, connector):
        nvme.host_nqn(connector)

    def _update_volume_stats(self):
        super()._update_volume_stats()
        self._stats['storage_protocol'] = self.STORAGE_PROTOCOL
        for entry in [self._stats] + self._stats['pools']:
            entry['QoS_support'] = False
