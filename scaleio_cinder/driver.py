"""The Cinder volume driver for ScaleIO / VxFlex OS / PowerFlex.

    [scaleio]
    volume_driver = scaleio_cinder.driver.ScaleIODriver
    san_ip = gateway.example.com
    san_login = cinder
    san_password = ...
    scaleio_storage_pools = pd1:sp1,pd1:sp2

A thin adapter: Cinder objects, volume types and QoS specs in, one or two
``scaleio_client`` calls out. Sizes: Cinder keeps the size the user asked
for (quota counts it); the array allocates the next multiple of 8 GiB
behind it, and the guest sees that whole device (README, Sizes).
"""

from oslo_log import log as logging

from cinder.common import constants
from cinder import coordination
from cinder import exception
from cinder import interface
from cinder.volume import driver
from cinder.volume.drivers.san import san
from cinder.volume import volume_utils
from scaleio_cinder import connection
from scaleio_cinder.errors import gateway_errors
from scaleio_cinder.errors import spec_error
from scaleio_cinder import groups
from scaleio_cinder import manage
from scaleio_cinder import migration
from scaleio_cinder import options
from scaleio_cinder import retype
from scaleio_cinder import specs
from scaleio_cinder import stats
from scaleio_client import client as client_mod
from scaleio_client import config as config_mod
from scaleio_client import exceptions as sio
from scaleio_client import names
from scaleio_client import sizes

LOG = logging.getLogger(__name__)
MIN_API_VERSION = '2.0'
MAX_OVER_SUBSCRIPTION_WARNING = 10.0


@interface.volumedriver
class ScaleIODriver(manage.ManageMixin, groups.GroupsMixin,
                    migration.MigrationMixin, retype.RetypeMixin,
                    driver.VolumeDriver):
    """ScaleIO volumes, mapped to hosts through their SDC."""

    VERSION = '1.0.0'
    SUPPORTS_ACTIVE_ACTIVE = True
    CI_WIKI_NAME = 'ScaleIO_for_OpenStack_CI'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(san.san_opts)
        self.configuration.append_config_values(options.scaleio_opts)
        self.gateway = None
        self.pools = {}           # 'domain:pool' -> (domain, pool)
        self.pool_records = {}    # 'domain:pool' -> client StoragePool
        self.system_id = None     # read at set-up

    @staticmethod
    def get_driver_options():
        return options.scaleio_opts

    # ------------------------------------------------------------ set-up
    def _option(self, name):
        return self.configuration.safe_get(name)

    def _parse_pools(self):
        raw = self._option('scaleio_storage_pools') or []
        pools = {}
        for entry in raw:
            entry = entry.strip()
            domain, _, pool = entry.partition(':')
            if not domain.strip() or not pool.strip() or ':' in pool:
                raise exception.InvalidConfigurationValue(
                    option='scaleio_storage_pools',
                    value='%s (expected protection_domain:storage_pool)'
                    % entry)
            pools['%s:%s' % (domain.strip(), pool.strip())] = (
                domain.strip(), pool.strip())
        if not pools:
            raise exception.InvalidConfigurationValue(
                option='scaleio_storage_pools',
                value='%r (expected at least one protection_domain:'
                      'storage_pool)' % (raw,))
        return pools

    def _gateway_config(self):
        for name in ('san_ip', 'san_login', 'san_password'):
            if not self._option(name):
                raise exception.InvalidConfigurationValue(
                    option=name, value='(empty)')
        ca_bundle = (self._option('scaleio_ca_bundle')
                     or self._option('driver_ssl_cert_path'))
        try:
            return config_mod.GatewayConfig(
                host=self._option('san_ip'),
                port=self._option('scaleio_rest_server_port'),
                username=self._option('san_login'),
                password=self._option('san_password'),
                verify_tls=self._option('scaleio_verify_certificate'),
                ca_bundle=ca_bundle,
                connect_timeout=self._option('scaleio_rest_connect_timeout'),
                read_timeout=self._option('scaleio_rest_read_timeout'),
                retries=self._option('scaleio_rest_retries'))
        except ValueError as e:
            raise exception.InvalidConfigurationValue(
                option='san_ip', value='%s (%s)' % (self._option('san_ip'),
                                                    e))

    def do_setup(self, context):
        self.pools = self._parse_pools()
        self._over_subscription_ratio()
        self.gateway = client_mod.ScaleIOClient(self._gateway_config())

    def check_for_setup_error(self):
        with gateway_errors('Connecting to the ScaleIO gateway %s'
                            % self.gateway.config.base_url):
            version = self.gateway.version
            # It never changes: pools' location_info carries it.
            self.system_id = self.gateway.system_id()
        if version < MIN_API_VERSION:
            raise exception.VolumeBackendAPIException(
                data='the gateway speaks API %s; this driver needs %s or '
                     'later' % (version, MIN_API_VERSION))
        for name, (domain, pool) in self.pools.items():
            record = self._pool_record(name, refresh=True)
            if (not record.zero_padding
                    and not self._option('scaleio_allow_non_padded_volumes')):
                raise exception.InvalidConfigurationValue(
                    option='scaleio_storage_pools',
                    value='%s (zero padding is off in this pool, so new '
                          'volumes could show data of deleted ones; turn '
                          'it on, or set scaleio_allow_non_padded_volumes '
                          'to accept that)' % name)
            pd = self.gateway.protection_domain(record.protection_domain_id)
            if pd.generation == 'EC':
                raise exception.InvalidConfigurationValue(
                    option='scaleio_storage_pools',
                    value='%s (erasure-coded PowerFlex 5 protection domains '
                          'are not supported)' % name)
        LOG.info('ScaleIO backend ready: gateway %s, API %s, pools %s',
                 self.gateway.config.base_url, version,
                 ', '.join(sorted(self.pools)))

    def _over_subscription_ratio(self):
        ratio = self._option('scaleio_max_over_subscription_ratio')
        if ratio is None:
            return self._option('max_over_subscription_ratio')
        if ratio < 1.0:
            raise exception.InvalidConfigurationValue(
                option='scaleio_max_over_subscription_ratio',
                value='%s (expected 1.0 or more)' % ratio)
        if ratio > MAX_OVER_SUBSCRIPTION_WARNING:
            LOG.warning('scaleio_max_over_subscription_ratio %s is above '
                        '%s, the most the array vendor supports.', ratio,
                        MAX_OVER_SUBSCRIPTION_WARNING)
        return ratio

    def _pool_record(self, name, refresh=False):
        """The array's description of a configured pool (cached)."""
        if refresh or name not in self.pool_records:
            domain, pool = self.pools[name]
            with gateway_errors('Looking up storage pool %s' % name):
                try:
                    pool_id = self.gateway.storage_pool_id(domain, pool)
                except sio.NotFound as e:
                    raise exception.InvalidConfigurationValue(
                        option='scaleio_storage_pools',
                        value='%s (%s)' % (name, e.message))
                self.pool_records[name] = self.gateway.storage_pool(pool_id)
        return self.pool_records[name]

    def _pool_of(self, volume):
        name = volume_utils.extract_host(volume.host, 'pool')
        if name not in self.pools:
            raise exception.VolumeBackendAPIException(
                data='volume %s is scheduled to pool %r, which is not one of '
                     'this backend\'s pools (%s)'
                % (volume.id, name, ', '.join(sorted(self.pools))))
        return name

    # ----------------------------------------------------------- helpers
    @staticmethod
    def _extra_specs(volume):
        volume_type = volume.volume_type
        return dict(volume_type.extra_specs or {}) if volume_type else {}

    @staticmethod
    def _qos(volume):
        volume_type = volume.volume_type
        qos = volume_type.qos_specs if volume_type else None
        if qos is None:
            return None
        return {'consumer': qos.consumer, 'specs': dict(qos.specs or {})}

    def _provisioning(self, extra_specs, volume):
        """The provisioning the specs ask for (else san_thin_provision's)."""
        try:
            return specs.provisioning(extra_specs,
                                      self._option('san_thin_provision'))
        except specs.SpecError as e:
            raise spec_error(e, volume)

    def _set_limits(self, volume_id, sdc_ids, iops, bandwidth_kbps):
        """The same QoS limits on the mapping to each SDC (None: unlimited)."""
        for sdc_id in sdc_ids:
            self.gateway.set_mapping_limits(
                volume_id, sdc_id, iops=iops or 0,
                bandwidth_kbps=bandwidth_kbps or 0)

    def _allocated_gib(self, volume, size_gib=None):
        try:
            return specs.allocated_gib(
                volume.size if size_gib is None else size_gib,
                self._option('scaleio_round_volume_capacity'))
        except specs.SpecError as e:
            raise exception.InvalidInput(reason='volume %s: %s'
                                         % (volume.id, e))

    def _provider_id(self, vol_or_snap):
        """The array id (by name if Cinder never recorded it), or None."""
        if vol_or_snap.provider_id:
            return vol_or_snap.provider_id
        with gateway_errors('Looking up %s' % vol_or_snap.id):
            return self.gateway.volume_id_by_name(
                names.id_to_name(vol_or_snap.id))

    def _array_id(self, vol_or_snap):
        """The array id of an object that must exist there."""
        found = self._provider_id(vol_or_snap)
        if not found:
            raise exception.VolumeBackendAPIException(
                data='%s %s is not on the ScaleIO array (no provider id, and '
                     'no array volume named %s)'
                % (type(vol_or_snap).__name__.lower(), vol_or_snap.id,
                   names.id_to_name(vol_or_snap.id)))
        return found

    # ----------------------------------------------------------- volumes
    def create_volume(self, volume):
        pool_name = self._pool_of(volume)
        extra_specs = self._extra_specs(volume)
        kind = self._provisioning(extra_specs, volume)
        try:
            specs.check_qos(specs.qos_specs(self._qos(volume), extra_specs))
        except specs.SpecError as e:
            raise spec_error(e, volume)
        size_gib = self._allocated_gib(volume)
        record = self._pool_record(pool_name)
        if (not record.zero_padding
                and not self._option('scaleio_allow_non_padded_volumes')):
            raise exception.VolumeBackendAPIException(
                data='storage pool %s has zero padding off, so a new volume '
                     'could show other tenants\' old data; set '
                     'scaleio_allow_non_padded_volumes to allow it'
                     % pool_name)
        place = specs.placement(kind, record.fine_granularity)
        if place.note:
            LOG.warning('Volume %s asks for %s provisioning, created thin '
                        'in %s: %s.', volume.id, kind, pool_name,
                        place.note)
        with gateway_errors('Creating volume %s' % volume.id):
            volume_id = self.gateway.create_volume(
                names.id_to_name(volume.id), record.id,
                sizes.gib_to_kib(size_gib), thin=place.thin,
                compression=place.compression,
                protection_domain_id=record.protection_domain_id)
        LOG.info('Created volume %s (%s GiB, %d GiB on the array) as %s in '
                 '%s.', volume.id, volume.size, size_gib, volume_id,
                 pool_name)
        return {'provider_id': volume_id}

    def delete_volume(self, volume):
        volume_id = self._provider_id(volume)
        if not volume_id:
            LOG.info('Volume %s is not on the array; nothing to delete.',
                     volume.id)
            return
        with gateway_errors('Deleting volume %s' % volume.id):
            if not self.gateway.delete_volume(volume_id):
                LOG.info('Volume %s (%s) was already gone.', volume.id,
                         volume_id)

    def extend_volume(self, volume, new_size):
        """Grow the array volume when the new size leaves its 8 GiB bucket.

        Inside the bucket the array already holds the new size: nothing
        is asked of the gateway, unless per-GB QoS limits must follow the
        size on the volume's mappings.
        """
        volume_id = self._array_id(volume)
        size_gib = self._allocated_gib(volume, new_size)
        qos = specs.qos_specs(self._qos(volume), self._extra_specs(volume))
        per_gb = any(key.endswith('perGB') for key in qos)
        try:
            iops, bandwidth = specs.limits(qos, new_size)
        except specs.SpecError as e:
            raise spec_error(e, volume)
        with gateway_errors('Extending volume %s' % volume.id):
            grow = size_gib > self._allocated_gib(volume)
            record = self.gateway.volume(volume_id) if grow or per_gb else None
            if grow and size_gib > record.size_gib:
                self.gateway.extend_volume(volume_id, size_gib)
            if per_gb:
                self._set_limits(volume_id,
                                 [m.sdc_id for m in record.mappings], iops,
                                 bandwidth)

    def _clone(self, volume, source_id, what):
        """A new volume from an array volume or snapshot (same vTree)."""
        size_gib = self._allocated_gib(volume)
        with gateway_errors('Creating volume %s from %s' % (volume.id, what)):
            group = self.gateway.snapshot_volumes(
                [(source_id, names.id_to_name(volume.id))])
            new_id = group.volume_ids[0]
            if size_gib > self.gateway.volume(new_id).size_gib:
                self.gateway.extend_volume(new_id, size_gib)
        return {'provider_id': new_id}

    def create_volume_from_snapshot(self, volume, snapshot):
        return self._clone(volume, self._array_id(snapshot),
                           'snapshot %s' % snapshot.id)

    def create_cloned_volume(self, volume, src_vref):
        source_id = self._array_id(src_vref)
        limit = self._option('scaleio_max_image_cache_vtree_size')
        if limit and volume_utils.is_image_cache_entry(src_vref):
            with gateway_errors('Checking image cache entry %s'
                                % src_vref.id):
                count = self.gateway.vtree_volume_count(
                    self.gateway.volume(source_id).vtree_id)
            if count >= limit:
                LOG.info('Image cache entry %s has %d volumes in its vTree '
                         '(limit %d); it will be rebuilt.', src_vref.id,
                         count, limit)
                raise exception.SnapshotLimitReached(set_limit=limit)
        return self._clone(volume, source_id, 'volume %s' % src_vref.id)

    def revert_to_snapshot(self, context, volume, snapshot):
        if not self.gateway.version.revert:
            # Cinder's manager then copies the snapshot itself.
            raise NotImplementedError(
                'reverting on the array needs gateway API 3.0; this one is '
                '%s' % self.gateway.version)
        with gateway_errors('Reverting volume %s to snapshot %s'
                            % (volume.id, snapshot.id)):
            self.gateway.revert_volume(self._array_id(volume),
                                       self._array_id(snapshot))

    # --------------------------------------------------------- snapshots
    def create_snapshot(self, snapshot):
        with gateway_errors('Creating snapshot %s' % snapshot.id):
            group = self.gateway.snapshot_volumes(
                [(self._array_id(snapshot.volume),
                  names.id_to_name(snapshot.id))])
        return {'provider_id': group.volume_ids[0]}

    def delete_snapshot(self, snapshot):
        snapshot_id = self._provider_id(snapshot)
        if not snapshot_id:
            return
        with gateway_errors('Deleting snapshot %s' % snapshot.id):
            self.gateway.delete_volume(snapshot_id)

    def backup_use_temp_snapshot(self):
        # Honour the operator's choice; a temporary snapshot is cheap here.
        return self.configuration.safe_get('backup_use_temp_snapshot')

    # ------------------------------------------------------------ attach
    def validate_connector(self, connector):
        if not connector or not connector.get('sdc_guid'):
            raise exception.InvalidConnectorException(
                missing='sdc_guid (the connector of host %s has none: the '
                        'ScaleIO SDC is not installed or not running there)'
                % (connector or {}).get('host'))

    def _sdc_id(self, connector):
        self.validate_connector(connector)
        try:
            return self.gateway.sdc_id(connector['sdc_guid'])
        except sio.NotFound:
            raise exception.InvalidHost(
                reason='no SDC with GUID %s is registered with the ScaleIO '
                       'system (host %s)' % (connector['sdc_guid'],
                                             connector.get('host')))

    def _attach(self, vol_or_snap, connector, size_gib, qos, discard):
        """Map to the connector's SDC with its QoS limits.

        Everything is checked before the mapping is made, and a mapping
        this call made is undone if its limits cannot be set.
        """
        self.validate_connector(connector)
        try:
            iops, bandwidth = specs.limits(qos, size_gib)
        except specs.SpecError as e:
            raise spec_error(e, vol_or_snap)
        volume_id = self._array_id(vol_or_snap)
        with gateway_errors('Mapping %s to host %s'
                            % (vol_or_snap.id, connector.get('host'))):
            sdc_id = self._sdc_id(connector)
            mapped = self.gateway.map_volume(volume_id, sdc_id)
            if iops or bandwidth:
                try:
                    self._set_limits(volume_id, [sdc_id], iops, bandwidth)
                except sio.ScaleIOError:
                    if mapped:
                        self._undo_mapping(volume_id, sdc_id)
                    raise
        return connection.connection_info(
            names.id_to_name(vol_or_snap.id), volume_id,
            connector['sdc_guid'], self.configuration.config_group, iops,
            bandwidth, discard, size_gib)

    def _undo_mapping(self, volume_id, sdc_id):
        try:
            self.gateway.unmap_volume(volume_id, sdc_id)
        except sio.ScaleIOError as e:
            LOG.warning('Could not undo the mapping of array volume %s to '
                        'SDC %s: %s', volume_id, sdc_id, e)

    # Attach and detach of one volume take the same lock, so that a detach
    # on a host never unmaps a volume that an attach there is mapping.
    @coordination.synchronized('scaleio-{volume.id}')
    def initialize_connection(self, volume, connector, **kwargs):
        extra_specs = self._extra_specs(volume)
        qos = specs.qos_specs(self._qos(volume), extra_specs)
        thin = self._provisioning(extra_specs, volume) != 'thick'
        # Unmapping blocks of a volume whose snapshots share them is not
        # worth it; thick volumes keep their allocation anyway.
        discard = thin and not volume.snapshots
        return self._attach(volume, connector, volume.size, qos, discard)

    def initialize_connection_snapshot(self, snapshot, connector, **kwargs):
        return self._attach(snapshot, connector, snapshot.volume_size, {},
                            False)

    @staticmethod
    def _other_attachments_on_host(volume, connector):
        """True if another attachment on this host still uses the volume.

        Attachments still being made count: their mapping is this one.
        """
        host = connector.get('host')
        in_use = [a for a in (volume.volume_attachment or ())
                  if a.attach_status in ('attached', 'attaching')
                  and a.attached_host == host]
        return len(in_use) > 1

    def _detach(self, vol_or_snap, connector):
        volume_id = self._provider_id(vol_or_snap)
        if not volume_id:
            return
        with gateway_errors('Unmapping %s' % vol_or_snap.id):
            if connector is None:
                self.gateway.unmap_volume_from_all(volume_id)
                return
            sdc_id = self._sdc_id(connector)
            if not self.gateway.unmap_volume(volume_id, sdc_id):
                LOG.info('%s was not mapped to host %s.', vol_or_snap.id,
                         connector.get('host'))

    @coordination.synchronized('scaleio-{volume.id}')
    def terminate_connection(self, volume, connector, **kwargs):
        """Unmap the volume from the connector's SDC (from all without one).

        Returns True, "connection shared", when another attachment on the
        same host keeps the mapping.
        """
        if connector is not None and self._other_attachments_on_host(
                volume, connector):
            LOG.info('Volume %s stays mapped to host %s: another '
                     'attachment there uses it.', volume.id,
                     connector.get('host'))
            return True
        self._detach(volume, connector)
        return False

    def terminate_connection_snapshot(self, snapshot, connector, **kwargs):
        self._detach(snapshot, connector)

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

    # ------------------------------------------------------------- stats
    def _update_volume_stats(self):
        backend = (self._option('volume_backend_name')
                   or self.__class__.__name__)
        ratio = self._over_subscription_ratio()
        reserved = self._option('reserved_percentage') or 0
        thin_default = self._option('san_thin_provision')
        pools = []
        with gateway_errors('Reading pool statistics'):
            ids = {name: self._pool_record(name).id for name in self.pools}
            capacities = self.gateway.pool_capacities(sorted(ids.values()))
        for name in sorted(self.pools):
            pools.append(stats.pool_stats(
                name, capacities[ids[name]], self._pool_record(name),
                thin_default, reserved, ratio, system_id=self.system_id))
        self._stats = {
            'volume_backend_name': backend,
            'vendor_name': 'Dell EMC',
            'driver_version': self.VERSION,
            'storage_protocol': constants.SCALEIO,
            'total_capacity_gb': sum(p['total_capacity_gb'] for p in pools),
            'free_capacity_gb': sum(p['free_capacity_gb'] for p in pools),
            'reserved_percentage': reserved,
            'QoS_support': True,
            'multiattach': True,
            'consistent_group_snapshot_enabled': True,
            'online_extend_support': True,
            'pools': pools,
        }
