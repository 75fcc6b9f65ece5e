"""Replication v2.1: volumes of replicated types are paired with a volume of
the same name on a target system, in an RCG; failover and failback move
the backend to the target and back.

* Targets: each ``replication_device`` entry (``backend_id``, ``san_ip``,
  ``san_login``, ``san_password``; the port and TLS keys of ours or of the
  in-tree driver) is a system with its own client, TLS verified as for the
  primary. A volume type picks one with ``scaleio:replication_target``
  (its ``backend_id``), else the first.
* RCGs: a type names one with ``scaleio:replication_cg`` or the in-tree
  driver's ``powerflex:replication_cg``; otherwise the driver makes one on
  demand per volume type and protection domain, named
  ``rcg-<24 characters from both>``, so it is found again by name.
* A volume's twin on the target has its name and is created in the pool
  of the same names: volumes the in-tree driver replicated keep working.
* Failover (``failover_host``, or ``failover`` and ``failover_completed``
  in a cluster) fails each RCG over through the target's gateway and
  takes each volume's new id from the target's pair listing; a volume
  that cannot move is reported in error alone, the others move. Failback
  (``secondary_id='default'``) restores each RCG the same way.
"""

import collections
import contextlib
import os
import threading
import uuid

from oslo_log import log as logging

from cinder import coordination
from cinder import exception
from cinder.objects import fields
from cinder.volume import volume_utils
from scaleio_cinder import errors
from scaleio_client import client as client_mod
from scaleio_client import config as config_mod
from scaleio_client import exceptions as sio
from scaleio_client import names

LOG = logging.getLogger(__name__)
FAILBACK = 'default'
MIN_API_VERSION = '3.5'
RCG_KEYS = ('scaleio:replication_cg', 'powerflex:replication_cg')
TARGET_KEY = 'scaleio:replication_target'
GROUP_KEY = 'consistent_group_replication_enabled'
RCG_NAMESPACE = uuid.UUID('9b4e1f1c-5c1a-4d6e-8a47-0c1e5ca1e0aa')
# A replication_device's keys, with the in-tree driver's spellings.
PORT_KEYS = ('scaleio_rest_server_port', 'powerflex_rest_server_port',
             'vxflexos_rest_server_port', 'sio_rest_server_port')
VERIFY_KEYS = ('scaleio_verify_certificate', 'driver_ssl_cert_verify',
               'sio_verify_server_certificate')
CA_KEYS = ('scaleio_ca_bundle', 'driver_ssl_cert_path',
           'sio_server_certificate_path')


class ActiveGateway:
    """The gateway the backend works through.

    The primary, or the target it failed over to; the parts hold this
    and never see the switch.
    """

    def __init__(self, client):
        self.client = client
        self._local = threading.local()

    def use(self, client):
        self.client = client

    @contextlib.contextmanager
    def serving(self, client):
        """In this thread, work through ``client`` (None: as usual)."""
        before = getattr(self._local, 'client', None)
        self._local.client = client
        try:
            yield
        finally:
            self._local.client = before

    def __getattr__(self, name):
        return getattr(getattr(self._local, 'client', None) or self.client,
                       name)


def _first(device, keys, default=None):
    for key in keys:
        if device.get(key) not in (None, ''):
            return device[key]
    return default


def _truthy(value):
    return str(value).strip().lower() in ('true', '1', 'yes', 'on')


def target_configs(configuration, primary):
    """{backend_id: GatewayConfig} of every ``replication_device``.

    ``primary`` (the backend's own GatewayConfig) gives the timeouts and
    retries; each entry must name its system and credentials.
    """
    found = collections.OrderedDict()
    for device in configuration.safe_get('replication_device') or ():
        backend_id = device.get('backend_id')
        missing = [k for k in ('backend_id', 'san_ip', 'san_login',
                               'san_password') if not device.get(k)]
        if missing:
            raise exception.InvalidConfigurationValue(
                option='replication_device',
                value='%s (missing %s)' % (backend_id or '(no backend_id)',
                                           ', '.join(missing)))
        if backend_id in found or backend_id == FAILBACK:
            raise exception.InvalidConfigurationValue(
                option='replication_device',
                value='backend_id %s (used twice, or the word Cinder uses '
                      'for failback)' % backend_id)
        verify = _truthy(_first(device, VERIFY_KEYS, 'true'))
        ca_bundle = _first(device, CA_KEYS)
        if verify and ca_bundle and not os.access(ca_bundle, os.R_OK):
            raise exception.InvalidConfigurationValue(
                option='replication_device',
                value='%s: %s (no readable CA bundle there)'
                % (backend_id, ca_bundle))
        try:
            host, port = config_mod.parse_address(
                device['san_ip'], int(_first(device, PORT_KEYS, 443)))
            found[backend_id] = config_mod.GatewayConfig(
                host=host, port=port, username=device['san_login'],
                password=device['san_password'], verify_tls=verify,
                ca_bundle=ca_bundle, connect_timeout=primary.connect_timeout,
                read_timeout=primary.read_timeout, retries=primary.retries)
        except ValueError as e:
            raise exception.InvalidConfigurationValue(
                option='replication_device',
                value='%s (%s)' % (backend_id, e))
    return found


def group_rcg_name(group_id):
    """The RCG of a replicated generic group: one per group."""
    return 'rcg-' + names.id_to_name(group_id)


def rcg_name(volume_type_id, protection_domain):
    """The RCG the driver makes for a type in a protection domain."""
    key = uuid.uuid5(RCG_NAMESPACE, '%s:%s' % (volume_type_id,
                                               protection_domain))
    return 'rcg-' + names.id_to_name(str(key))


class Replication:
    """Replicated volumes of one backend, failover and failback.

    ``active`` is the ActiveGateway every part uses; ``primary`` the
    backend's own client; ``targets`` {backend_id: client}.
    """

    def __init__(self, backend, active, primary, targets,
                 active_backend_id=None):
        self.backend = backend
        self.active = active
        self.primary = primary
        self.targets = targets
        self.active_backend_id = None
        if active_backend_id and active_backend_id != FAILBACK:
            if active_backend_id not in targets:
                raise exception.InvalidReplicationTarget(
                    reason='Cinder says this backend is failed over to %s, '
                           'which is no replication_device (%s)'
                    % (active_backend_id, ', '.join(targets) or 'none'))
            self._activate(active_backend_id)

    @property
    def enabled(self):
        return bool(self.targets)

    @property
    def failed_over(self):
        return self.active_backend_id is not None

    def _activate(self, backend_id):
        self.active_backend_id = backend_id
        self.active.use(self.targets[backend_id] if backend_id
                        else self.primary)

    # ------------------------------------------------------------ volumes
    def is_replicated(self, volume):
        return bool(volume.volume_type and volume.is_replicated())

    @staticmethod
    def wants_replication(extra_specs):
        """Whether a type's extra specs ask for replication."""
        value = str(extra_specs.get('replication_enabled', ''))
        return value.replace(' ', '').lower() == '<is>true'

    def placement_of(self, volume, extra_specs=None, volume_type_id=None):
        """(target backend id, RCG name) for a volume (of a new type)."""
        if extra_specs is None:
            extra_specs = self.backend.extra_specs(volume)
            volume_type_id = volume.volume_type_id
        return (self._target_of(volume, extra_specs)[0],
                self._group_name(volume, extra_specs, volume_type_id)[0])

    def _target_of(self, volume, extra_specs=None):
        if extra_specs is None:
            extra_specs = self.backend.extra_specs(volume)
        backend_id = extra_specs.get(TARGET_KEY) or next(iter(self.targets),
                                                         None)
        if backend_id not in self.targets:
            raise exception.InvalidVolumeType(
                reason='volume %s: its type asks for replication to %r, '
                       'which is no replication_device of this backend (%s)'
                % (volume.id, backend_id, ', '.join(self.targets) or 'none'))
        return backend_id, self.targets[backend_id]

    def _group_name(self, volume, extra_specs=None, volume_type_id=None):
        if extra_specs is None:
            extra_specs = self.backend.extra_specs(volume)
            volume_type_id = volume.volume_type_id
        if self._replicated_group(volume) is not None:
            return group_rcg_name(volume.group_id), True
        for key in RCG_KEYS:
            if extra_specs.get(key):
                return extra_specs[key], False
        label = self.backend.pool_of(volume)
        domain = self.backend.pools[label].protection_domain
        return rcg_name(volume_type_id, domain), True

    def setup(self, volume, volume_id, extra_specs=None,
              volume_type_id=None):
        """Pair an array volume with a twin on its target.

        ``extra_specs`` and ``volume_type_id`` are of the type to follow
        (by default the volume's own). Returns the model update. A failure
        removes what this call made on the target and leaves the primary
        volume for the caller to undo.
        """
        if extra_specs is None:
            extra_specs = self.backend.extra_specs(volume)
            volume_type_id = volume.volume_type_id
        if self.failed_over:
            raise exception.InvalidVolume(
                reason='the backend is failed over to %s: replicated volumes '
                       'cannot be made until it fails back'
                % self.active_backend_id)
        backend_id, target = self._target_of(volume, extra_specs)
        label = self.backend.pool_of(volume)
        pool = self.backend.pools[label]
        place = self.backend.placement(self.backend.provisioning(
            extra_specs, volume), label)
        name = names.id_to_name(volume.id)
        twin_id = None
        with errors.gateway_errors('Replicating volume %s to %s'
                                   % (volume.id, backend_id)):
            rcg_id = self._rcg_id(volume, target, pool, extra_specs,
                                  volume_type_id)
            try:
                target_pool = target.storage_pool_id(pool.protection_domain,
                                                     pool.storage_pool)
                twin_id = target.create_volume(
                    name, target_pool,
                    self.backend.array_size(volume.size, volume).kib,
                    thin=place.thin, compression=place.compression)
                self.primary.create_replication_pair(rcg_id, volume_id,
                                                     twin_id, name=volume_id)
            except (sio.ScaleIOError, exception.CinderException):
                if twin_id is not None:
                    self._remove_quietly(target, twin_id)
                raise
        LOG.info('Volume %s (%s) replicates to %s (%s) in RCG %s.',
                 volume.id, volume_id, backend_id, twin_id, rcg_id)
        return {'replication_status': fields.ReplicationStatus.ENABLED}

    def _rcg_id(self, volume, target, pool, extra_specs, volume_type_id):
        name, ours = self._group_name(volume, extra_specs, volume_type_id)
        rcg_id = self.primary.replication_group_id(name)
        if rcg_id is None and ours:
            # the first volumes of a type, maybe on several services at
            # once (active-active): one makes the group
            @coordination.synchronized('scaleio-rcg-{name}')
            def make(name):
                found = self.primary.replication_group_id(name)
                if found:
                    return found
                made = self.primary.create_replication_group(
                    name, self.primary.protection_domain_id(
                        pool.protection_domain),
                    target.protection_domain_id(pool.protection_domain),
                    target.system_id())
                LOG.info('Created replication consistency group %s for '
                         'volume type %s.', name, volume_type_id)
                return made
            rcg_id = make(name)
        if rcg_id is None:
            raise exception.InvalidVolumeType(
                reason='volume %s: replication consistency group %s does '
                       'not exist on the ScaleIO system' % (volume.id, name))
        return rcg_id

    @staticmethod
    def _remove_quietly(gateway, volume_id):
        try:
            gateway.delete_volume(volume_id)
        except sio.ScaleIOError as e:
            LOG.warning('Could not remove volume %s on the replication '
                        'target: %s', volume_id, e)

    def teardown(self, volume, volume_id):
        """Unpair an array volume before it goes; remove its twin.

        Quiet when there is no pair (replication never set up, or undone
        on the array). Failed over, only the pair goes: the primary
        system may be gone.
        """
        gateway = self.active
        with errors.gateway_errors('Removing the replication of volume %s'
                                   % volume.id):
            pair = gateway.replication_pair_of(volume_id)
            if pair is None:
                return
            gateway.remove_replication_pair(pair.id)
            if not self.failed_over:
                self._remove_quietly(self._target_of(volume)[1],
                                     pair.remote_volume_id)

    def grow_twin(self, volume, volume_id, size):
        """Grow a replicated volume's twin to ArraySize ``size``."""
        if self.failed_over:
            return      # the twin is the volume now; the primary may be gone
        with errors.gateway_errors('Extending the replica of volume %s'
                                   % volume.id):
            pair = self.primary.replication_pair_of(volume_id)
            if pair is not None:
                self._target_of(volume)[1].grow_volume(pair.remote_volume_id,
                                                       size.gib)

    # ----------------------------------------------------------- failover
    def failover(self, volumes, secondary_id, groups):
        """Move to ``secondary_id``, or back to the primary ('default').

        Returns (the active backend id, volume updates, group updates).
        """
        failback = secondary_id == FAILBACK
        if failback:
            if not self.failed_over:
                raise exception.InvalidReplicationTarget(
                    reason='the backend is not failed over')
            backend_id = self.active_backend_id
        else:
            backend_id = secondary_id or next(iter(self.targets), None)
            if backend_id not in self.targets:
                raise exception.InvalidReplicationTarget(
                    reason='%s is no replication_device of this backend (%s)'
                    % (backend_id, ', '.join(self.targets) or 'none'))
            if self.failed_over:
                raise exception.InvalidReplicationTarget(
                    reason='the backend is already failed over to %s'
                    % self.active_backend_id)
        target = self.targets[backend_id]
        updates = []
        outcome = {}                # RCG name -> True or the error
        pairs = None
        for volume in volumes:
            if not self.is_replicated(volume):
                continue
            name = self._group_name(volume)[0]
            if name not in outcome:
                outcome[name] = self._move_group(target, name, failback)
            if outcome[name] is not True:
                updates.append(self._error(volume, failback, outcome[name]))
                continue
            if pairs is None:
                pairs = self._pairs_by_remote(
                    self.primary if failback else target)
            new_id = pairs.get(volume.provider_id)
            if new_id is None:
                updates.append(self._error(
                    volume, failback, 'no replication pair holds its array '
                    'volume %s' % volume.provider_id))
                continue
            status = (fields.ReplicationStatus.ENABLED if failback
                      else fields.ReplicationStatus.FAILED_OVER)
            updates.append({'volume_id': volume.id, 'updates': {
                'provider_id': new_id, 'replication_status': status}})
        LOG.info('Replication %s: %d volume(s) moved, %d in error.',
                 'failback' if failback else 'failover to %s' % backend_id,
                 sum(1 for u in updates if 'provider_id' in u['updates']),
                 sum(1 for u in updates if 'provider_id' not in u['updates']))
        return (FAILBACK if failback else backend_id), updates, []

    def _move_group(self, target, name, failback):
        """Fail an RCG over (or restore it) through the target's gateway."""
        try:
            rcg_id = target.replication_group_id(name)
            if rcg_id is None:
                return ('its replication consistency group %s is not on '
                        'the target' % name)
            group = target.replication_group(rcg_id)
            if failback and group.failed_over:
                self._unmap_sources(name)
                target.restore_replication_group(rcg_id)
            elif not failback and not group.failed_over:
                target.failover_replication_group(rcg_id)
            return True
        except sio.ScaleIOError as e:
            LOG.error('Could not %s replication consistency group %s: %s',
                      'restore' if failback else 'fail over', name, e)
            return str(e)

    def _unmap_sources(self, name):
        """Before a failback: the primary's copies of an RCG unmapped.

        Their mappings are the ones attaches made before the failover;
        since then Cinder's attachments are on the target, and the array
        restores a group only when its source volumes are not mapped.
        """
        rcg_id = self.primary.replication_group_id(name)
        ids = [p.local_volume_id for p in self.primary.replication_pairs()
               if p.group_id == rcg_id]
        for volume in self.primary.volumes(ids) if ids else ():
            if volume.is_mapped:
                self.primary.unmap_volume_from_all(volume.id)
                LOG.warning('Unmapped array volume %s (%s) on the primary '
                            'system before failing back: mapped there '
                            'before the failover.', volume.id, volume.name)

    @staticmethod
    def _pairs_by_remote(gateway):
        """{the peer's volume id: this side's volume id} of every pair."""
        return {p.remote_volume_id: p.local_volume_id
                for p in gateway.replication_pairs()}

    @staticmethod
    def _error(volume, failback, why):
        LOG.error('Volume %s cannot %s: %s', volume.id,
                  'fail back' if failback else 'fail over', why)
        return {'volume_id': volume.id, 'updates': {
            'replication_status': (fields.ReplicationStatus.ERROR
                                   if failback else
                                   fields.ReplicationStatus.FAILOVER_ERROR)}}

    def failover_completed(self, active_backend_id):
        """Work through the target (or the primary again) from now on."""
        # after a failback Cinder's manager passes the service's
        # active_backend_id, which it then keeps as '' (or None)
        if not active_backend_id or active_backend_id == FAILBACK:
            self._activate(None)
        elif active_backend_id in self.targets:
            self._activate(active_backend_id)
        else:
            raise exception.InvalidReplicationTarget(
                reason='%s is no replication_device of this backend'
                % active_backend_id)
        LOG.info('The backend now works through %s.',
                 self.active_backend_id or 'its own gateway')

    # ------------------------------------------------------------- groups
    @staticmethod
    def _replicated_group(volume):
        """The volume's group if it replicates as one, else None."""
        group = volume.group if volume.group_id else None
        if group is not None and volume_utils.is_group_a_type(
                group, GROUP_KEY):
            return group
        return None

    def _check_group(self, group):
        """Groups whose type does not replicate them are not ours."""
        if not volume_utils.is_group_a_type(group, GROUP_KEY):
            raise NotImplementedError()
        if not self.enabled or self.failed_over:
            raise exception.InvalidGroup(
                reason='group %s: the backend %s' % (
                    group.id, 'has no replication_device'
                    if not self.enabled else 'is failed over'))

    def client_for(self, obj):
        """The client serving a volume or snapshot, if not the active one.

        A volume whose group failed over on its own lives on the target
        while the backend works through the primary.
        """
        volume = getattr(obj, 'volume', None) or obj
        if (self.failed_over or not self.enabled
                or getattr(volume, 'replication_status', None)
                != fields.ReplicationStatus.FAILED_OVER):
            return None
        return self._target_of(volume)[1]

    def on_target(self, obj):
        """Whether ``obj`` is served by a replication target now."""
        return self.failed_over or self.client_for(obj) is not None

    def enable_group(self, group, volumes):
        """Members move into the group's RCG (made now, or resumed)."""
        self._check_group(group)
        updates = []
        name = group_rcg_name(group.id)
        rcg_id = self.primary.replication_group_id(name)
        if rcg_id is not None:
            with errors.gateway_errors('Resuming replication of group %s'
                                       % group.id):
                self.primary.resume_replication_group(rcg_id)
        for volume in volumes:
            if not self.is_replicated(volume):
                raise exception.InvalidGroup(
                    reason='volume %s of group %s is not of a replicated '
                           'type' % (volume.id, group.id))
            volume_id = self.backend.array_id(volume)
            pair = self.primary.replication_pair_of(volume_id)
            if pair is not None and (rcg_id is None
                                     or pair.group_id != rcg_id):
                self.teardown(volume, volume_id)
                pair = None
            if pair is None:
                self.setup(volume, volume_id)
                rcg_id = self.primary.replication_group_id(name)
            updates.append({'id': volume.id, 'replication_status':
                            fields.ReplicationStatus.ENABLED})
        return {'replication_status': fields.ReplicationStatus.ENABLED}, \
            updates

    def disable_group(self, group, volumes):
        """Pause the group's RCG: its members stop replicating."""
        self._check_group(group)
        rcg_id = self.primary.replication_group_id(group_rcg_name(group.id))
        if rcg_id is not None:
            with errors.gateway_errors('Pausing replication of group %s'
                                       % group.id):
                self.primary.pause_replication_group(rcg_id)
        status = fields.ReplicationStatus.DISABLED
        return ({'replication_status': status},
                [{'id': v.id, 'replication_status': status}
                 for v in volumes])

    def failover_group(self, group, volumes, secondary_backend_id):
        """Fail one group's RCG over (or back) at one point in time."""
        self._check_group(group)
        failback = secondary_backend_id == FAILBACK
        members = [v for v in volumes if self.is_replicated(v)]
        backend_id = (self._target_of(members[0])[0] if members
                      else next(iter(self.targets), None))
        if not failback and secondary_backend_id not in (None, backend_id):
            raise exception.InvalidReplicationTarget(
                reason='group %s replicates to %s, not %s'
                % (group.id, backend_id, secondary_backend_id))
        target = self.targets[backend_id]
        moved = self._move_group(target, group_rcg_name(group.id), failback)
        if moved is not True:
            raise exception.VolumeBackendAPIException(
                data='group %s: %s' % (group.id, moved))
        pairs = self._pairs_by_remote(self.primary if failback else target)
        status = (fields.ReplicationStatus.ENABLED if failback
                  else fields.ReplicationStatus.FAILED_OVER)
        updates = []
        for volume in members:
            new_id = pairs.get(volume.provider_id)
            if new_id is None:
                updates.append({'id': volume.id, 'replication_status':
                                fields.ReplicationStatus.ERROR})
            else:
                updates.append({'id': volume.id, 'provider_id': new_id,
                                'replication_status': status})
        return {'replication_status': status}, updates

    # -------------------------------------------------------------- stats
    def stats(self):
        if not self.enabled:
            return {'replication_enabled': False}
        return {
            'replication_enabled': not self.failed_over,
            'replication_targets': list(self.targets),
            'replication_type': ['async'],
            'replication_count': len(self.targets),
            'active_backend_id': self.active_backend_id,
        }


def make_targets(configuration, primary_config):
    """{backend_id: ScaleIOClient} of the configured replication devices."""
    return collections.OrderedDict(
        (backend_id, client_mod.ScaleIOClient(config))
        for backend_id, config in target_configs(configuration,
                                                 primary_config).items())
