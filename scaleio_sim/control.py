"""The test-facing control API under ``/sim`` (not part of the gateway).

    GET    /sim/health                  liveness, version, system id
    GET    /sim/faults                  the active fault rules
    POST   /sim/faults                  add a rule (see scaleio_sim.faults)
    DELETE /sim/faults                  remove all rules
    DELETE /sim/faults/<id>             remove one rule
    GET    /sim/counters                requests per endpoint
    GET    /sim/requests?limit=N        the most recent requests
    DELETE /sim/counters                reset counters and request log
    GET    /sim/tokens                  active tokens and logins so far
    POST   /sim/tokens/revoke           revoke every token
    POST   /sim/restart                 act as a gateway restart
                                        ({"seconds": downtime})
    GET    /sim/sdcs                    SDCs with their host directories
    POST   /sim/sdcs                    add an SDC ({"name", "guid", ...})
    POST   /sim/sdcs/<id or guid>/rescan  show pending mappings
    POST   /sim/vtrees/<id>/pause       pause a migration ({"reason"})
    GET    /sim/replication             the peer link: {"peer", "link"}
    POST   /sim/replication/sync        copy replicated volumes now
    POST   /sim/replication/link        cut or mend the link ({"up": bool})

No authentication: the simulator is a test tool bound to loopback by
default. Token values are never returned.
"""

import json

from werkzeug import exceptions
from werkzeug import routing
from werkzeug import wrappers

from scaleio_sim import errors
from scaleio_sim import topology

ROUTES = routing.Map([
    routing.Rule('/sim/health', endpoint='health', methods=['GET']),
    routing.Rule('/sim/faults', endpoint='faults', methods=['GET']),
    routing.Rule('/sim/faults', endpoint='add_fault', methods=['POST']),
    routing.Rule('/sim/faults', endpoint='clear_faults', methods=['DELETE']),
    routing.Rule('/sim/faults/<int:rule_id>', endpoint='remove_fault',
                 methods=['DELETE']),
    routing.Rule('/sim/counters', endpoint='counters', methods=['GET']),
    routing.Rule('/sim/counters', endpoint='reset_counters',
                 methods=['DELETE']),
    routing.Rule('/sim/requests', endpoint='requests', methods=['GET']),
    routing.Rule('/sim/tokens', endpoint='tokens', methods=['GET']),
    routing.Rule('/sim/tokens/revoke', endpoint='revoke', methods=['POST']),
    routing.Rule('/sim/restart', endpoint='restart', methods=['POST']),
    routing.Rule('/sim/sdcs', endpoint='sdcs', methods=['GET']),
    routing.Rule('/sim/sdcs', endpoint='add_sdc', methods=['POST']),
    routing.Rule('/sim/sdcs/<sdc>/rescan', endpoint='rescan',
                 methods=['POST']),
    routing.Rule('/sim/vtrees/<vtree_id>/pause', endpoint='pause',
                 methods=['POST']),
    routing.Rule('/sim/replication', endpoint='replication',
                 methods=['GET']),
    routing.Rule('/sim/replication/sync', endpoint='sync',
                 methods=['POST']),
    routing.Rule('/sim/replication/link', endpoint='link',
                 methods=['POST']),
])


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def reply(body, status=200):
    return wrappers.Response(json.dumps(body), status=status,
                             content_type='application/json')


class ControlApi:

    def __init__(self, sim):
        self.sim = sim

    def handle(self, request):
        adapter = ROUTES.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            body = {}
            if request.method == 'POST' and request.get_data().strip():
                body = json.loads(request.get_data())
            return reply(getattr(self, endpoint)(request, body, **args))
        except exceptions.HTTPException as e:
            return reply({'error': e.description}, e.code)
        except ValueError as e:   # bad JSON, fault rule or SDC spec
            return reply({'error': str(e)}, 400)
        except ControlError as e:
            return reply({'error': str(e)}, e.status)
        except errors.GatewayError as e:
            missing = e.error_code in (errors.OBJECT_NOT_FOUND,
                                       errors.VOLUME_NOT_FOUND,
                                       errors.PROTECTION_DOMAIN_NOT_FOUND)
            return reply({'error': e.message}, 404 if missing else 409)

    def health(self, request, body):
        return {'status': 'ok', 'version': self.sim.mdm.profile.version,
                'systemId': self.sim.mdm.system_id}

    def faults(self, request, body):
        return self.sim.faults.describe()

    def add_fault(self, request, body):
        return self.sim.faults.add(body).describe()

    def clear_faults(self, request, body):
        self.sim.faults.clear()
        return {}

    def remove_fault(self, request, body, rule_id):
        if not self.sim.faults.remove(rule_id):
            raise ControlError(404, 'no fault rule %d' % rule_id)
        return {}

    def counters(self, request, body):
        counts = self.sim.log.counters()
        return {'total': sum(counts.values()), 'endpoints': counts}

    def reset_counters(self, request, body):
        self.sim.log.reset()
        return {}

    def requests(self, request, body):
        limit = request.args.get('limit', type=int)
        return self.sim.log.recent(limit)

    def tokens(self, request, body):
        return {'active': self.sim.tokens.active(),
                'logins': self.sim.tokens.logins}

    def revoke(self, request, body):
        return {'revoked': self.sim.tokens.revoke()}

    def restart(self, request, body):
        seconds = body.get('seconds', 0)
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise ControlError(400, 'seconds %r must be a non-negative '
                                    'number' % (seconds,))
        self.sim.restart(seconds,
                         keep=request.environ.get('scaleio_sim.connection'))
        return {}

    def sdcs(self, request, body):
        return [self.sim.describe_sdc(s) for s in self.sim.mdm.list('Sdc')]

    def add_sdc(self, request, body):
        if not isinstance(body, dict):
            raise ControlError(400, 'an SDC must be a mapping')
        spec = topology.validate({'sdcs': [body]},
                                 source='new SDC')['sdcs'][0]
        return self.sim.describe_sdc(self.sim.add_sdc(spec))

    def rescan(self, request, body, sdc):
        self.sim.rescan(self._sdc(sdc))
        return {}

    def pause(self, request, body, vtree_id):
        reason = body.get('reason')
        if not isinstance(reason, str) or not reason:
            raise ControlError(400, 'reason must be a non-empty string')
        self.sim.mdm.pause_migration(vtree_id, reason)
        return {}

    def replication(self, request, body):
        mdm = self.sim.mdm
        return {'peer': mdm.peer.system_id if mdm.peer else None,
                'link': 'up' if mdm.link_state and mdm.link_state.up
                else 'down'}

    def sync(self, request, body):
        return {'copied': self.sim.sync_replication()}

    def link(self, request, body):
        up = body.get('up')
        if not isinstance(up, bool):
            raise ControlError(400, 'up must be true or false')
        if self.sim.mdm.link_state is None:
            raise ControlError(409, 'this system has no replication peer')
        self.sim.mdm.link_state.up = up
        return self.replication(request, body)

    def _sdc(self, key):
        mdm = self.sim.mdm
        with mdm.lock:
            if key in mdm.sdcs:
                return mdm.sdcs[key]
            return mdm.sdc_by_guid(key)
