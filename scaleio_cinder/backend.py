"""One backend section: its options, pools, and spec, size and QoS rules.

Every part of the driver applies these rules to Cinder objects.

The parts (volumes, attachments, manage, migration, groups, retype) each
get this object and the gateway client in their constructor; nothing
reaches into the driver.
"""

import dataclasses
import os
import threading
import time

from oslo_log import log as logging

from cinder import exception
from cinder.volume import volume_utils
from scaleio_cinder import errors
from scaleio_cinder import specs
from scaleio_client import config as config_mod
from scaleio_client import exceptions as sio
from scaleio_client import names
from scaleio_client import sizes

LOG = logging.getLogger(__name__)
MAX_OVER_SUBSCRIPTION_WARNING = 10.0


@dataclasses.dataclass(frozen=True)
class Pool:
    """A configured ``protection_domain:storage_pool`` entry."""

    label: str              # the Cinder pool name, 'domain:pool'
    protection_domain: str
    storage_pool: str


def parse_pools(raw):
    """{label: Pool} from ``scaleio_storage_pools``; refuses bad entries."""
    pools = {}
    for entry in raw or []:
        domain, _, pool = entry.strip().partition(':')
        domain, pool = domain.strip(), pool.strip()
        if not domain or not pool or ':' in pool:
            raise exception.InvalidConfigurationValue(
                option='scaleio_storage_pools',
                value='%s (expected protection_domain:storage_pool)'
                % entry.strip())
        label = '%s:%s' % (domain, pool)
        pools[label] = Pool(label, domain, pool)
    if not pools:
        raise exception.InvalidConfigurationValue(
            option='scaleio_storage_pools',
            value='%r (expected at least one protection_domain:'
                  'storage_pool)' % (raw,))
    return pools


def gateway_config(configuration):
    """The client's GatewayConfig from a backend section."""
    option = configuration.safe_get
    for name in ('san_ip', 'san_login', 'san_password'):
        if not option(name):
            raise exception.InvalidConfigurationValue(option=name,
                                                      value='(empty)')
    ca_option = ('scaleio_ca_bundle' if option('scaleio_ca_bundle')
                 else 'driver_ssl_cert_path')
    ca_bundle = option(ca_option)
    if (ca_bundle and option('scaleio_verify_certificate')
            and not os.access(ca_bundle, os.R_OK)):
        raise exception.InvalidConfigurationValue(
            option=ca_option,
            value='%s (no readable CA bundle there; expected a PEM file '
                  'with the CA that signed the gateway certificate)'
            % ca_bundle)
    try:
        # san_ip may list several gateways of the system: host or
        # host:port each (scaleio_rest_server_port by default), comma
        # separated; the client moves on when one does not answer.
        gateways = [config_mod.parse_address(
            a, option('scaleio_rest_server_port'))
            for a in option('san_ip').split(',')]
        (host, port), more = gateways[0], gateways[1:]
        return config_mod.GatewayConfig(
            host=host, port=port,
            more_hosts=tuple('[%s]:%d' % g for g in more),
            username=option('san_login'),
            password=option('san_password'),
            verify_tls=option('scaleio_verify_certificate'),
            ca_bundle=ca_bundle,
            connect_timeout=option('scaleio_rest_connect_timeout'),
            read_timeout=option('scaleio_rest_read_timeout'),
            retries=option('scaleio_rest_retries'))
    except ValueError as e:
        raise exception.InvalidConfigurationValue(
            option='san_ip', value='%s (%s)' % (option('san_ip'), e))


def same_backend(volume, host):
    """Whether the scheduler's ``host`` is the volume's backend.

    Its own service's, or another member of its active-active cluster
    (the volume records the member that made it).
    """
    destination = host.get('host')
    if not destination:
        return False
    if (volume_utils.extract_host(destination, 'backend')
            == volume_utils.extract_host(volume.host, 'backend')):
        return True
    cluster = host.get('cluster_name')
    return bool(
        cluster and volume.cluster_name
        and volume_utils.extract_host(cluster, 'backend')
        == volume_utils.extract_host(volume.cluster_name, 'backend'))


class Backend:
    """A backend's options, pools and spec rules.

    ``gateway`` serves pool lookups, array ids and mapping limits; the
    spec and size rules are pure.
    """

    def __init__(self, configuration, gateway, driver_name):
        self.configuration = configuration
        self.gateway = gateway
        self.driver_name = driver_name
        self.pools = parse_pools(self.option('scaleio_storage_pools'))
        self.over_subscription_ratio()
        self.system_id = None         # read at set-up (check_pools)
        self._pool_records = {}       # label -> StoragePool, keyed to its id
        self._generations = {}        # label -> 'Mirroring' or 'EC'
        self._lock = threading.Lock()

    def option(self, name):
        return self.configuration.safe_get(name)

    def moved(self, vtree_id, tree=None):
        """The vTree once the array stopped (or paused) moving it.

        Read every ``scaleio_migration_poll_interval`` seconds (``tree``:
        a first read already made); None if it still moves after
        ``scaleio_migration_timeout`` seconds.
        """
        deadline = time.monotonic() + self.option('scaleio_migration_timeout')
        interval = self.option('scaleio_migration_poll_interval')
        tree = tree or self.gateway.vtree(vtree_id)
        while tree.migrating and not tree.migration_failed:
            if time.monotonic() >= deadline:
                return None
            time.sleep(interval)
            tree = self.gateway.vtree(vtree_id)
        return tree

    @property
    def name(self):
        """volume_backend_name, as the scheduler knows the backend."""
        return self.option('volume_backend_name') or self.driver_name

    @property
    def config_group(self):
        return self.configuration.config_group

    def over_subscription_ratio(self):
        ratio = self.option('scaleio_max_over_subscription_ratio')
        if ratio is None:
            return self.option('max_over_subscription_ratio')
        if ratio < 1.0:
            raise exception.InvalidConfigurationValue(
                option='scaleio_max_over_subscription_ratio',
                value='%s (expected 1.0 or more)' % ratio)
        if ratio > MAX_OVER_SUBSCRIPTION_WARNING:
            LOG.warning('scaleio_max_over_subscription_ratio %s is above '
                        '%s, the most the array vendor supports.', ratio,
                        MAX_OVER_SUBSCRIPTION_WARNING)
        return ratio

    @property
    def allow_non_padded(self):
        return bool(self.option('scaleio_allow_non_padded_volumes'))

    # -------------------------------------------------------------- pools
    def check_pools(self):
        """Read every pool at set-up; refuse unusable ones by name.

        One request per pool for its id and one for its properties (as
        the in-tree driver), then one query for all their protection
        domains, which also gives the system id.
        """
        records = {label: self.pool(label, refresh=True)
                   for label in self.pools}
        for label, record in sorted(records.items()):
            if not record.zero_padding and not self.allow_non_padded:
                raise exception.InvalidConfigurationValue(
                    option='scaleio_storage_pools',
                    value='%s (zero padding is off in this pool, so new '
                          'volumes could show data of deleted ones; turn '
                          'it on, or set scaleio_allow_non_padded_volumes '
                          'to accept that)' % label)
        domain_ids = sorted({r.protection_domain_id
                             for r in records.values()})
        with errors.gateway_errors('Reading protection domains'):
            domains = {d.id: d for d in
                       self.gateway.protection_domains(domain_ids)}
            # PowerFlex 5: each domain mirrors or erasure-codes.
            self._generations = {
                label: getattr(domains.get(record.protection_domain_id),
                               'generation', 'Mirroring')
                for label, record in records.items()}
            found = {d.system_id for d in domains.values() if d.system_id}
            # It never changes: pools' location_info carries it.
            self.system_id = (found.pop() if len(found) == 1
                              else self.gateway.system_id())

    def pool(self, label, refresh=False):
        """The array's description of a configured pool.

        The id comes from the client's cache (dropped on a not-found
        answer); the properties are read again whenever the id changes
        (a pool re-created under the same name) or on ``refresh``.
        """
        pool = self.pools[label]
        with errors.gateway_errors('Looking up storage pool %s' % label):
            try:
                pool_id = self.gateway.storage_pool_id(pool.protection_domain,
                                                       pool.storage_pool)
            except sio.NotFound as e:
                raise exception.InvalidConfigurationValue(
                    option='scaleio_storage_pools',
                    value='%s (%s)' % (label, e.message))
            with self._lock:
                record = self._pool_records.get(label)
            if refresh or record is None or record.id != pool_id:
                record = self.gateway.storage_pool(pool_id)
                with self._lock:
                    self._pool_records[label] = record
        return record

    def pool_of(self, volume):
        """The label of the configured pool Cinder placed ``volume`` in."""
        label = volume_utils.extract_host(volume.host, 'pool')
        if label not in self.pools:
            raise exception.VolumeBackendAPIException(
                data='volume %s is scheduled to pool %r, which is not one of '
                     'this backend\'s pools (%s)'
                % (volume.id, label, ', '.join(sorted(self.pools))))
        return label

    # -------------------------------------------------------------- specs
    @staticmethod
    def extra_specs(volume):
        volume_type = volume.volume_type
        return dict(volume_type.extra_specs or {}) if volume_type else {}

    @staticmethod
    def qos(volume):
        """The volume type's QoS specs as {'consumer', 'specs'}, or None."""
        volume_type = volume.volume_type
        qos = volume_type.qos_specs if volume_type else None
        if qos is None:
            return None
        return {'consumer': qos.consumer, 'specs': dict(qos.specs or {})}

    def provisioning(self, extra_specs, obj):
        """The provisioning the specs ask for (else san_thin_provision's)."""
        try:
            return specs.provisioning(extra_specs,
                                      self.option('san_thin_provision'))
        except specs.SpecError as e:
            raise errors.spec_error(e, obj)

    def placement(self, kind, label):
        """How to create a volume of ``kind`` in a pool.

        Erasure-coded pools take no compression method at all.
        """
        place = specs.placement(kind, self.pool(label).fine_granularity)
        if self.erasure_coded(label):
            place = dataclasses.replace(place, compression=None)
        return place

    def limits(self, qos, size_gib, obj):
        """(iops, bandwidth KB/s) of back-end QoS ``qos`` at ``size_gib``."""
        try:
            return specs.limits(qos, size_gib)
        except specs.SpecError as e:
            raise errors.spec_error(e, obj)

    def array_size(self, size_gib, volume):
        """The array size of a Cinder size in the volume's pool.

        The one size rule: 8 GiB units, whole GiB in erasure-coded pools.
        """
        granularity = (1 if self.erasure_coded(self.pool_of(volume))
                       else sizes.GRANULARITY_GIB)
        try:
            return specs.array_size(
                size_gib, self.option('scaleio_round_volume_capacity'),
                granularity)
        except specs.SpecError as e:
            raise exception.InvalidInput(reason='%s %s: %s' % (
                type(volume).__name__.lower(), volume.id, e))

    def erasure_coded(self, label):
        """Whether a pool is in a PowerFlex 5 erasure-coded domain."""
        return self._generations.get(label) == 'EC'

    def snapshot_call(self, label, clone):
        """The gateway call that snapshots (or clones) in a pool."""
        if not self.erasure_coded(label):
            return 'snapshotVolumes'
        return 'createThinClone' if clone else 'createSnapshot'

    # -------------------------------------------------------- array ids
    def provider_id(self, obj):
        """The array id (by name if Cinder never recorded it), or None."""
        if obj.provider_id:
            return obj.provider_id
        with errors.gateway_errors('Looking up %s' % obj.id):
            return self.gateway.volume_id_by_name(names.id_to_name(obj.id))

    def array_id(self, obj):
        """The array id of a volume or snapshot that must exist there."""
        found = self.provider_id(obj)
        if not found:
            raise exception.VolumeBackendAPIException(
                data='%s %s is not on the ScaleIO array (no provider id, and '
                     'no array volume named %s)'
                % (type(obj).__name__.lower(), obj.id,
                   names.id_to_name(obj.id)))
        return found

    def set_limits(self, volume_id, sdc_ids, iops, bandwidth_kbps):
        """The same QoS limits on the mapping to each SDC (None: unlimited)."""
        for sdc_id in sdc_ids:
            self.gateway.set_mapping_limits(
                volume_id, sdc_id, iops=iops or 0,
                bandwidth_kbps=bandwidth_kbps or 0)
