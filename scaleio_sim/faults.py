"""Fault injection rules, and the request counters and log tests read.

A rule matches requests by method and path glob (``*`` also crosses ``/``)
and fires ``count`` times (or forever) with a ``probability``. In phase
``before`` it replaces the request; in phase ``after`` the gateway executes
the request first and then the fault hits the answer (a lost response).

Actions:
    error    answer ``status`` with ``body`` (JSON if a mapping or list,
             sent as is if a string; default a JSON body with no errorCode)
    reset    drop the connection with a TCP reset, no answer
    delay    wait ``seconds`` and then go on normally
    hang     never answer (until ``seconds`` pass or the simulator stops),
             then drop the connection
    revoke   forget every login token, then go on (the request gets 401)
    restart  act as a gateway restart: tokens forgotten, state reloaded
             from disk, open connections dropped
"""

import collections
import fnmatch
import itertools
import random
import re
import threading
import time

ACTIONS = ('error', 'reset', 'delay', 'hang', 'revoke', 'restart')
PHASES = ('before', 'after')


class FaultError(ValueError):
    pass


class Rule:

    def __init__(self, rule_id, spec):
        if not isinstance(spec, dict):
            raise FaultError('a fault rule must be a mapping, got %r'
                             % (spec,))
        unknown = set(spec) - {'action', 'method', 'path', 'phase', 'count',
                               'probability', 'status', 'body', 'seconds'}
        if unknown:
            raise FaultError('unknown fault rule keys: %s'
                             % ', '.join(sorted(unknown)))
        self.id = rule_id
        self.action = spec.get('action')
        if self.action not in ACTIONS:
            raise FaultError('action %r is not one of %s'
                             % (self.action, ', '.join(ACTIONS)))
        method = spec.get('method')
        if method is not None and (not isinstance(method, str)
                                   or not method.isalpha()):
            raise FaultError('method %r is not an HTTP method name'
                             % (method,))
        self.method = method.upper() if method else None
        self.path = spec.get('path', '*')
        if not isinstance(self.path, str):
            raise FaultError('path must be a glob string, got %r'
                             % (self.path,))
        self._path_re = re.compile(fnmatch.translate(self.path))
        self.phase = spec.get('phase', 'before')
        if self.phase not in PHASES:
            raise FaultError('phase %r is not before or after' % self.phase)
        self.count = spec.get('count')
        if self.count is not None and (not isinstance(self.count, int)
                                       or isinstance(self.count, bool)
                                       or self.count < 1):
            raise FaultError('count %r must be a positive integer'
                             % (self.count,))
        self.probability = spec.get('probability', 1.0)
        if (not isinstance(self.probability, (int, float))
                or not 0 < self.probability <= 1):
            raise FaultError('probability %r must be in (0, 1]'
                             % (self.probability,))
        self.status = spec.get('status', 503)
        if not isinstance(self.status, int) or not 100 <= self.status < 600:
            raise FaultError('status %r is not an HTTP status'
                             % (self.status,))
        self.body = spec.get('body')
        default_seconds = 3600.0 if self.action == 'hang' else 0.0
        self.seconds = spec.get('seconds', default_seconds)
        if (not isinstance(self.seconds, (int, float))
                or self.seconds < 0):
            raise FaultError('seconds %r must be a non-negative number'
                             % (self.seconds,))
        self.fired = 0

    def matches(self, method, path, phase):
        return (phase == self.phase
                and (self.method is None or self.method == method)
                and self._path_re.match(path) is not None)

    def describe(self):
        return {'id': self.id, 'action': self.action, 'method': self.method,
                'path': self.path, 'phase': self.phase, 'count': self.count,
                'probability': self.probability, 'status': self.status,
                'body': self.body, 'seconds': self.seconds,
                'fired': self.fired}


class FaultInjector:

    def __init__(self, seed=None):
        self.lock = threading.Lock()
        self.rules = []
        self.ids = itertools.count(1)
        self.random = random.Random(seed)

    def add(self, spec):
        with self.lock:
            rule = Rule(next(self.ids), spec)
            self.rules.append(rule)
        return rule

    def remove(self, rule_id):
        with self.lock:
            before = len(self.rules)
            self.rules = [r for r in self.rules if r.id != rule_id]
            return len(self.rules) != before

    def clear(self):
        with self.lock:
            self.rules = []

    def describe(self):
        with self.lock:
            return [r.describe() for r in self.rules]

    def take(self, method, path, phase):
        """The first matching rule that fires now, used up by one count."""
        with self.lock:
            for rule in self.rules:
                if not rule.matches(method, path, phase):
                    continue
                if (rule.probability < 1
                        and self.random.random() >= rule.probability):
                    continue
                rule.fired += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                return rule
        return None


_ID_RE = re.compile(r'::[0-9a-fA-F]{16}')
_NAME_RE = re.compile(r'(getBy(?:Name|Ip)::).*$')


def endpoint_key(method, path):
    """A request's endpoint: its method and path with object ids elided."""
    path = _NAME_RE.sub(r'\1{name}', path)
    return '%s %s' % (method, _ID_RE.sub('::{id}', path))


class RequestLog:
    """Per-endpoint counters and the most recent requests."""

    def __init__(self, keep=10000):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.entries = collections.deque(maxlen=keep)

    def record(self, method, path, status, seconds, fault=None):
        key = endpoint_key(method, path)
        entry = {'time': time.time(), 'method': method, 'path': path,
                 'endpoint': key, 'status': status,
                 'ms': round(seconds * 1000, 3)}
        if fault:
            entry['fault'] = fault
        with self.lock:
            self.counts[key] += 1
            self.entries.append(entry)

    def counters(self):
        with self.lock:
            return dict(self.counts)

    def recent(self, limit=None):
        with self.lock:
            items = list(self.entries)
        return items[-limit:] if limit else items

    def reset(self):
        with self.lock:
            self.counts.clear()
            self.entries.clear()
