"""Replication between two simulated systems: peers, RCGs, pairs, data.

Two MDMs in one process are linked with :func:`link` (each gets a
``PeerMdm`` record naming the other). An RCG is made on the system whose
volumes are copied (its ``source`` side) and has a twin on the peer; a
pair joins a volume of the source with a volume of the same size on the
peer and has a twin there too. Every change here updates both systems
under both their locks (taken in system-id order) and saves both.

Data moves only on :func:`sync` (the control API's
``POST /sim/replication/sync``, or a test), from the writable side of each
RCG to the other, and not while the link is down or the RCG paused:
writes after the last sync are what a real asynchronous copy would lose
on a disaster. ``failover`` makes the destination side writable (its
volumes can be mapped read-write; the source's cannot); ``restore`` copies
the destination's data back to the source and makes the source writable
again.

Replication needs API 3.5 on both systems (the gateway before that has no
such objects).
"""

import contextlib

from scaleio_sim import errors
from scaleio_sim import objects


def _peer(mdm):
    peer = getattr(mdm, 'peer', None)
    if peer is None:
        raise errors.GatewayError(
            'System %s has no peer system to replicate with' % mdm.system_id,
            errors.INVALID_OPERATION)
    return peer


@contextlib.contextmanager
def _both(mdm):
    """Lock both systems (in system-id order); save both if all went well."""
    peer = _peer(mdm)
    first, second = sorted((mdm, peer), key=lambda m: m.system_id)
    with first.lock, second.lock:
        yield peer
        mdm._commit()
        peer._commit()


def link(mdm, peer, link_state):
    """Make two systems peers (idempotent): ``mdm.peer`` is the other."""
    for a, b in ((mdm, peer), (peer, mdm)):
        with a.lock:
            a.peer = b
            a.link_state = link_state
            if not any(p.peer_system_id == b.system_id
                       for p in a.peer_mdms.values()):
                peer_id = a.ids.next('PeerMdm')
                a.peer_mdms[peer_id] = objects.PeerMdm(
                    peer_id, b.system_name, b.system_id)
                a._commit()


def _peer_mdm_id(mdm, peer):
    for p in mdm.peer_mdms.values():
        if p.peer_system_id == peer.system_id:
            return p.id
    raise errors.GatewayError('System %s is not a peer' % peer.system_id,
                              errors.INVALID_OPERATION)


def _check_name(mdm, name):
    objects.check_name(name)
    if any(r.name == name for r in mdm.rcgs.values()):
        raise errors.GatewayError(
            'A replication consistency group named %s already exists'
            % name, errors.NAME_IN_USE)


def create_rcg(mdm, name, protection_domain_id, remote_protection_domain_id,
               destination_system_id, rpo_seconds):
    with _both(mdm) as peer:
        if destination_system_id != peer.system_id:
            raise errors.not_found('System', destination_system_id)
        mdm.get('ProtectionDomain', protection_domain_id)
        peer.get('ProtectionDomain', remote_protection_domain_id)
        _check_name(mdm, name)
        _check_name(peer, name)
        local_id = mdm.ids.next('ReplicationConsistencyGroup')
        remote_id = peer.ids.next('ReplicationConsistencyGroup')
        mdm.rcgs[local_id] = objects.ReplicationConsistencyGroup(
            local_id, name, protection_domain_id,
            remote_protection_domain_id, _peer_mdm_id(mdm, peer), remote_id,
            source=True, rpo_seconds=rpo_seconds)
        peer.rcgs[remote_id] = objects.ReplicationConsistencyGroup(
            remote_id, name, remote_protection_domain_id,
            protection_domain_id, _peer_mdm_id(peer, mdm), local_id,
            source=False, rpo_seconds=rpo_seconds)
    return local_id


def _rcg_and_twin(mdm, peer, rcg_id):
    rcg = mdm.get('ReplicationConsistencyGroup', rcg_id)
    return rcg, peer.rcgs[rcg.remote_id]


def remove_rcg(mdm, rcg_id):
    with _both(mdm) as peer:
        rcg, twin = _rcg_and_twin(mdm, peer, rcg_id)
        if any(p.rcg_id == rcg.id for p in mdm.pairs.values()):
            raise errors.GatewayError(
                'Replication consistency group %s still has pairs'
                % rcg.id, errors.INVALID_OPERATION)
        del mdm.rcgs[rcg.id]
        del peer.rcgs[twin.id]


def create_pair(mdm, rcg_id, source_volume_id, destination_volume_id,
                copy_type, name):
    """Pair a volume here with one of the same size on the peer."""
    with _both(mdm) as peer:
        rcg, twin = _rcg_and_twin(mdm, peer, rcg_id)
        if not rcg.source or rcg.failed_over:
            raise errors.GatewayError(
                'Pairs are added on the source side of replication '
                'consistency group %s while it is not failed over'
                % rcg.id, errors.INVALID_OPERATION)
        source = mdm.get('Volume', source_volume_id)
        destination = peer.get('Volume', destination_volume_id)
        for system, volume in ((mdm, source), (peer, destination)):
            if system.pair_of(volume.id) is not None:
                raise errors.GatewayError(
                    'Volume %s is already in a replication pair'
                    % volume.id, errors.INVALID_OPERATION)
        if source.size_kib != destination.size_kib:
            raise errors.GatewayError(
                'Volume %s (%d KiB) and remote volume %s (%d KiB) differ in '
                'size' % (source.id, source.size_kib, destination.id,
                          destination.size_kib), errors.INVALID_OPERATION)
        if destination.mappings:
            raise errors.GatewayError(
                'Remote volume %s is mapped; a replication destination must '
                'not be' % destination.id, errors.INVALID_OPERATION)
        if name is not None:
            objects.check_name(name)
        local_id = mdm.ids.next('ReplicationPair')
        remote_id = peer.ids.next('ReplicationPair')
        mdm.pairs[local_id] = objects.ReplicationPair(
            local_id, name, rcg.id, source.id, destination.id, remote_id,
            copy_type)
        peer.pairs[remote_id] = objects.ReplicationPair(
            remote_id, name, twin.id, destination.id, source.id, local_id,
            copy_type)
        if copy_type != 'OnlineNoCopy' and mdm.link_state.up:
            _copy(mdm, source.id, peer, destination.id)
    return local_id


def remove_pair(mdm, pair_id):
    with _both(mdm) as peer:
        pair = mdm.get('ReplicationPair', pair_id)
        del mdm.pairs[pair.id]
        peer.pairs.pop(pair.remote_id, None)


def failover(mdm, rcg_id):
    """Make the destination side writable (sent to either side)."""
    with _both(mdm) as peer:
        rcg, twin = _rcg_and_twin(mdm, peer, rcg_id)
        if rcg.failed_over:
            raise errors.GatewayError(
                'Replication consistency group %s is already failed over'
                % rcg.id, errors.INVALID_OPERATION)
        rcg.failed_over = twin.failed_over = True


def restore(mdm, rcg_id):
    """Copy the destination's data back; the source is writable again."""
    with _both(mdm) as peer:
        rcg, twin = _rcg_and_twin(mdm, peer, rcg_id)
        if not rcg.failed_over:
            raise errors.GatewayError(
                'Replication consistency group %s is not failed over'
                % rcg.id, errors.INVALID_OPERATION)
        if not mdm.link_state.up:
            raise errors.GatewayError(
                'The link to the peer system is down',
                errors.INVALID_OPERATION)
        source, destination = (mdm, peer) if rcg.source else (peer, mdm)
        source_rcg = rcg if rcg.source else twin
        for pair in list(source.pairs.values()):
            if pair.rcg_id == source_rcg.id:
                volume = source.volumes[pair.local_volume_id]
                if volume.mappings:
                    raise errors.GatewayError(
                        'Volume %s is mapped on the source system; unmap it '
                        'before restoring' % volume.id,
                        errors.INVALID_OPERATION)
        for pair in list(source.pairs.values()):
            if pair.rcg_id == source_rcg.id:
                _copy(destination, pair.remote_volume_id, source,
                      pair.local_volume_id)
        rcg.failed_over = twin.failed_over = False


def set_paused(mdm, rcg_id, paused):
    with _both(mdm) as peer:
        rcg, twin = _rcg_and_twin(mdm, peer, rcg_id)
        rcg.paused = twin.paused = paused


def sync(mdm):
    """Copy every pair from its writable side to the other, if allowed.

    Returns how many volumes were copied.
    """
    if getattr(mdm, 'peer', None) is None or not mdm.link_state.up:
        return 0
    copied = 0
    with _both(mdm) as peer:
        for system, other in ((mdm, peer), (peer, mdm)):
            for pair in system.pairs.values():
                rcg = system.rcgs[pair.rcg_id]
                writable = rcg.source != rcg.failed_over
                if writable and not rcg.paused:
                    _copy(system, pair.local_volume_id, other,
                          pair.remote_volume_id)
                    copied += 1
    return copied


def _copy(from_mdm, from_id, to_mdm, to_id):
    """Give ``to_id`` on ``to_mdm`` the bytes of ``from_id``."""
    to_mdm.dataplane.replace(to_id, from_mdm.dataplane.export(from_id),
                             to_mdm.volumes[to_id].size_kib)


class LinkState:
    """Whether the two systems can talk (a fault can cut the link)."""

    def __init__(self):
        self.up = True
