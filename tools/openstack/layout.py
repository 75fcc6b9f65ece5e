"""The state dir: where everything lives, and the files tools read from it.

Owns the paths under ``<state>/`` (``Layout``), ``env.json`` and
``admin-openrc`` (``Env``, written by ``up``, read by the demo and the
tempest run), ``settings.json``, and the re-exec in the harness venv.
Standard library only.
"""

import dataclasses
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEFAULT_STATE = os.path.join(REPO, '.harness')


def write_file(path, text, mode=0o644):
    """Replace path atomically, created with mode."""
    tmp = path + '.new'
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode),
              'w') as f:
        f.write(text)
    os.replace(tmp, path)


class Layout:
    """The paths of one state dir (default ``<repo>/.harness``)."""

    def __init__(self, state=DEFAULT_STATE):
        self.state = os.path.abspath(state)
        self.venv = os.path.join(self.state, 'venv')
        self.run = os.path.join(self.state, 'run')        # pid files
        self.logs = os.path.join(self.state, 'logs')
        self.env_json = os.path.join(self.state, 'env.json')
        self.openrc = os.path.join(self.state, 'admin-openrc')
        self.settings = os.path.join(self.state, 'settings.json')

    def bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def etc(self, name=''):
        """A config file (every file a service reads is under etc/)."""
        return os.path.join(self.state, 'etc', name)

    def data(self, *parts):
        """A service's data (databases, keys, the simulator's state)."""
        return os.path.join(self.state, 'data', *parts)

    def log(self, name):
        return os.path.join(self.logs, name)

    def read_settings(self):
        """``up``'s options kept across runs (the gateway, debug)."""
        try:
            with open(self.settings) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def write_settings(self, settings):
        write_file(self.settings, json.dumps(settings, indent=1), mode=0o600)

    def reexec_in_venv(self):
        """Run this script again with the venv's python unless already."""
        if os.path.realpath(sys.prefix) == os.path.realpath(self.venv):
            return
        python = self.bin('python')
        if not os.path.exists(python):
            sys.exit('no harness venv at %s: run "python3 '
                     'tools/openstack/harness.py install" first' % self.venv)
        os.execv(python, [python, os.path.abspath(sys.argv[0])]
                 + sys.argv[1:])


@dataclasses.dataclass
class Env:
    """What ``up`` leaves for tools built on the stack: ``env.json``."""

    log_dir: str
    keystone_url: str       # the auth URL, .../v3
    region: str
    admin: dict             # keystoneauth's v3.Password arguments
    cinder_url: str         # .../v3, without the project
    # [{'name': 'scaleio-1', 'pool': 'pd1:sp1', 'kind': 'sdc',
    #   'system': 'gateway'}, ...]: kind sdc, replicated, nvme, ec,
    #   in-tree (Cinder's own PowerFlex driver, up --in-tree) or null
    #   (Cinder's do-nothing test driver, up --in-tree);
    # system 'gateway', a key of systems, or 'none' (null); volume_type
    # (the harness's type for the backend) and replication_device (its
    # backend_id)
    backends: list
    # kind (simulator or real), url, host, port, username, password,
    # ca_file; for the simulator also api_url, control_url, state_dir,
    # system_id, api_version and sdcs (name, guid, host_dir, device_dir),
    # and peer: the same for its replication peer (plus backend_id)
    gateway: dict
    ports: dict
    # the cloud around Cinder (None with up --cinder-only): flavor_ref,
    # flavor_ref_alt, image_ref, compute_host, image_file, boot_marker;
    # for the SSH scenarios guest_image_ref, guest_image_file,
    # guest_flavor_ref, guest_flavor_ref_alt, public_network_id,
    # public_network_name, provider_host_ip
    cloud: dict = None
    # the other simulated systems, as gateway: {'pf5': {...}} (5.0)
    systems: dict = None
    # the cinder-volume services (two with up --active-active) and their
    # cluster (None without)
    volume_services: list = None
    cluster: str = None

    def sdc_backends(self):
        """The SDC backends on the gateway: scaleio-1, scaleio-2..."""
        return [b for b in self.backends if b.get('kind', 'sdc') == 'sdc']

    def backend(self, kind):
        """The first backend of a kind, or None."""
        return next((b for b in self.backends if b.get('kind') == kind),
                    None)

    def openrc(self):
        """The ``OS_*`` variables of the cloud's admin."""
        return {
            'OS_AUTH_URL': self.keystone_url,
            'OS_USERNAME': self.admin['username'],
            'OS_PASSWORD': self.admin['password'],
            'OS_PROJECT_NAME': self.admin['project_name'],
            'OS_USER_DOMAIN_NAME': self.admin['user_domain_name'],
            'OS_PROJECT_DOMAIN_NAME': self.admin['project_domain_name'],
            'OS_IDENTITY_API_VERSION': '3',
            'OS_REGION_NAME': self.region,
            'OS_VOLUME_API_VERSION': '3',
        }

    def write(self, layout):
        """env.json, and admin-openrc from the same values."""
        write_file(layout.env_json,
                   json.dumps(dataclasses.asdict(self), indent=1) + '\n',
                   mode=0o600)
        write_file(layout.openrc, '# Source me: admin of the harness cloud '
                   '(tools/openstack/harness.py)\n' + ''.join(
                       'export %s=%s\n' % kv for kv in self.openrc().items()),
                   mode=0o600)

    @classmethod
    def load(cls, layout):
        try:
            with open(layout.env_json) as f:
                return cls(**json.load(f))
        except OSError as e:
            sys.exit('%s: is the stack up ("python3 '
                     'tools/openstack/harness.py up")?' % e)
