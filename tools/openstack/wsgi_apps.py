"""WSGI application factory for gunicorn: Keystone.

The keystone 30 and cinder 29 wheels ship no WSGI scripts, and their apps
parse ``sys.argv`` through oslo.config at load time, so gunicorn's own
flags must be hidden from them. Run as ``gunicorn 'wsgi_apps:keystone()'``
with ``--chdir`` this directory; the config file comes from
``OS_KEYSTONE_CONFIG_FILES``. (cinder-api runs as its own eventlet
console script.)
"""

import sys


def keystone():
    """The Keystone public application."""
    sys.argv = sys.argv[:1]
    from keystone.server import wsgi
    return wsgi.initialize_public_application()
