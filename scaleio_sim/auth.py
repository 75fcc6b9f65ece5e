"""Login tokens: issued by GET /api/login, sent back as the Basic password.

A token expires after ``idle_timeout`` seconds without use or
``max_lifetime`` seconds after login, whichever comes first; it can also be
revoked (logout, a restart, fault injection). Tokens live in memory only: a
restarted gateway has forgotten them all, as a real one has.
"""

import base64
import secrets
import threading
import time

DEFAULT_IDLE_TIMEOUT = 600.0
DEFAULT_MAX_LIFETIME = 8 * 3600.0


class TokenStore:

    def __init__(self, idle_timeout=DEFAULT_IDLE_TIMEOUT,
                 max_lifetime=DEFAULT_MAX_LIFETIME, clock=time.monotonic):
        self.idle_timeout = idle_timeout
        self.max_lifetime = max_lifetime
        self.clock = clock
        self.lock = threading.Lock()
        self.tokens = {}        # token -> [user, issued, last used]
        self.logins = 0

    def issue(self, user):
        token = base64.b64encode(secrets.token_bytes(24)).decode()
        now = self.clock()
        with self.lock:
            self.tokens[token] = [user, now, now]
            self.logins += 1
        return token

    def check(self, token):
        """The token's user if it is valid (and mark it used), else None."""
        now = self.clock()
        with self.lock:
            entry = self.tokens.get(token)
            if entry is None:
                return None
            user, issued, last_used = entry
            if (now - last_used > self.idle_timeout
                    or now - issued > self.max_lifetime):
                del self.tokens[token]
                return None
            entry[2] = now
            return user

    def revoke(self, token=None):
        """Forget one token, or all of them; return how many went."""
        with self.lock:
            if token is None:
                count = len(self.tokens)
                self.tokens.clear()
                return count
            return 1 if self.tokens.pop(token, None) else 0

    def active(self):
        with self.lock:
            return len(self.tokens)
