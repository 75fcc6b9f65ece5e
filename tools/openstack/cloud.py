"""The cloud around Cinder: what the service table runs for it.

Nova (api under uwsgi, conductor, scheduler, one compute with libvirt/qemu
TCG and our compute driver), Placement and Glance and Neutron (under
uwsgi), Neutron's ML2/OVN on Open vSwitch's userspace datapath (three
ovsdb-servers, ovn-northd, ovs-vswitchd, ovn-controller, all started here,
no kernel module), libvirtd and virtlogd, and cinder-backup. The commands,
one-time setups and readiness checks of services.py's cloud entries; the
config templates are in configs.py. Standard library only.
"""

import json
import os
import subprocess
import time

import configs
import procs
import rest

HERE = os.path.dirname(os.path.abspath(__file__))
OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'
OVN_SCHEMAS = {'ovnnb_db': '/usr/share/ovn/ovn-nb.ovsschema',
               'ovnsb_db': '/usr/share/ovn/ovn-sb.ovsschema'}
LIBVIRT_URI = 'qemu:///system'


# ------------------------------------------------------------ OVS / OVN
def ovs_env(stack):
    c = stack.cloud_paths()
    return dict(os.environ, OVS_RUNDIR=c.ovs_run, OVS_LOGDIR=stack.layout.logs,
                OVS_DBDIR=c.ovs, OVN_RUNDIR=c.ovs_run,
                OVN_LOGDIR=stack.layout.logs, OVN_DBDIR=c.ovs)


def _sock(stack, name):
    return os.path.join(stack.cloud_paths().ovs_run, name + '.sock')


def ovsdb_command(db):
    """ovsdb-server of conf (Open vSwitch), ovnnb_db or ovnsb_db."""
    def command(stack):
        c = stack.cloud_paths()
        args = ['/usr/sbin/ovsdb-server', os.path.join(c.ovs, db + '.db'),
                '--remote=punix:' + _sock(stack, db),
                '--unixctl=' + os.path.join(c.ovs_run, db + '.ctl'),
                '--log-file=' + stack.layout.log('ovsdb-server-%s.log' % db)]
        if db == 'db':
            args += ['--remote=db:Open_vSwitch,Open_vSwitch,manager_options']
        return args
    return command


def ovsdb_create(db):
    def setup(stack):
        c = stack.cloud_paths()
        path = os.path.join(c.ovs, db + '.db')
        if not os.path.exists(path):
            procs.run(['ovsdb-tool', 'create', path,
                       OVS_SCHEMA if db == 'db' else OVN_SCHEMAS[db]],
                      log=stack.layout.log('ovs-setup.log'))
    return setup


def ovsdb_ready(db):
    return lambda stack: os.path.exists(_sock(stack, db))


def northd_command(stack):
    c = stack.cloud_paths()
    return ['/usr/bin/ovn-northd',
            '--ovnnb-db=unix:' + _sock(stack, 'ovnnb_db'),
            '--ovnsb-db=unix:' + _sock(stack, 'ovnsb_db'),
            '--unixctl=' + os.path.join(c.ovs_run, 'ovn-northd.ctl'),
            '--log-file=' + stack.layout.log('ovn-northd.log')]


def northd_ready(stack):
    return os.path.exists(os.path.join(stack.cloud_paths().ovs_run,
                                       'ovn-northd.ctl'))


def vsctl(stack, *args):
    procs.run(['ovs-vsctl', '--db=unix:' + _sock(stack, 'db'), '--timeout=20']
              + list(args), log=stack.layout.log('ovs-setup.log'),
              env=ovs_env(stack))


def vswitchd_command(stack):
    c = stack.cloud_paths()
    return ['/usr/sbin/ovs-vswitchd', 'unix:' + _sock(stack, 'db'),
            '--unixctl=' + os.path.join(c.ovs_run, 'ovs-vswitchd.ctl'),
            '--log-file=' + stack.layout.log('ovs-vswitchd.log')]


def vswitchd_setup(stack):
    vsctl(stack, '--no-wait', 'init')


def vswitchd_ready(stack):
    return os.path.exists(os.path.join(stack.cloud_paths().ovs_run,
                                       'ovs-vswitchd.ctl'))


def vswitchd_on_ready(stack):
    """The chassis settings and br-int on the userspace (netdev) datapath."""
    vsctl(stack, 'set', 'Open_vSwitch', '.',
          'external_ids:system-id=%s' % configs.COMPUTE_HOST,
          'external_ids:ovn-remote=unix:%s' % _sock(stack, 'ovnsb_db'),
          'external_ids:ovn-encap-type=geneve',
          'external_ids:ovn-encap-ip=127.0.0.1',
          'external_ids:ovn-bridge-datapath-type=netdev',
          'external_ids:hostname=%s' % configs.COMPUTE_HOST)
    vsctl(stack, '--may-exist', 'add-br', 'br-int', '--', 'set', 'Bridge',
          'br-int', 'datapath_type=netdev', 'fail-mode=secure')
    provider_bridge(stack)


def provider_bridge(stack):
    """The provider network's bridge, and the host's address on it.

    ovn-controller patches br-int to it (ovn-bridge-mappings) for the
    flat network on PHYSNET. On the netdev datapath the bridge's internal
    port is a tap in the host: with an address in the provider subnet,
    tempest on the host reaches the guests' fixed addresses (no kernel
    module, no namespace). A host that cannot configure the tap (no
    CAP_NET_ADMIN) still gets the rest of the cloud; the SSH scenarios
    then cannot reach their guests, said in ovs-setup.log.
    """
    bridge = configs.PROVIDER_BRIDGE
    vsctl(stack, '--may-exist', 'add-br', bridge, '--', 'set', 'Bridge',
          bridge, 'datapath_type=netdev')
    vsctl(stack, 'set', 'Open_vSwitch', '.',
          'external_ids:ovn-bridge-mappings=%s:%s' % (configs.PHYSNET,
                                                      bridge))
    prefix = configs.PROVIDER_CIDR.split('/')[1]
    log = stack.layout.log('ovs-setup.log')
    try:
        procs.run(['ip', 'address', 'replace', '%s/%s' % (
            configs.PROVIDER_HOST_IP, prefix), 'dev', bridge], log=log)
        procs.run(['ip', 'link', 'set', bridge, 'up'], log=log)
    except procs.HarnessError as e:
        with open(log, 'a') as f:
            f.write('provider network: no host address on %s: %s\n'
                    % (bridge, e))


def controller_command(stack):
    # its control socket: OVN_RUNDIR/ovn-controller.<pid>.ctl
    return ['/usr/bin/ovn-controller', 'unix:' + _sock(stack, 'db'),
            '--log-file=' + stack.layout.log('ovn-controller.log')]


def controller_ready(stack):
    """Its chassis is in the southbound DB."""
    out = subprocess.run(
        ['ovn-sbctl', '--db=unix:' + _sock(stack, 'ovnsb_db'), '--timeout=5',
         '--bare', '--columns=name', 'list', 'Chassis'],
        capture_output=True, text=True, env=ovs_env(stack)).stdout
    return configs.COMPUTE_HOST in out.split()


# --------------------------------------------------------------- libvirt
def virsh(*args, check=True, timeout=30):
    return subprocess.run(('virsh', '-c', LIBVIRT_URI) + args, check=check,
                          capture_output=True, text=True, timeout=timeout)


KVM = '/dev/kvm'


def _kvm_saved(layout):
    return os.path.join(layout.run, 'kvm-mode.json')


def libvirt_setup(stack):
    """Before libvirtd starts: what qemu, running as libvirt-qemu, needs."""
    check_traversable(stack.layout.state)
    kvm_group(stack)


def check_traversable(state):
    """Refuse a state dir that other users cannot reach.

    qemu opens the guests' disks, images and consoles under it as user
    libvirt-qemu: under a 0700 directory (``mktemp -d``) every boot fails
    with "Cannot access storage file ... Permission denied".
    """
    path = os.path.abspath(state)
    while True:
        mode = os.stat(path).st_mode
        if not mode & 0o001:
            raise procs.HarnessError(
                'qemu runs as libvirt-qemu and cannot pass %s (mode %o) to '
                'the state dir %s: every boot would fail; "chmod o+x %s" or '
                'put --state elsewhere' % (path, mode & 0o777, state, path))
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def kvm_group(stack):
    """/dev/kvm to group kvm as udev would; down puts it back.

    libvirtd runs qemu as libvirt-qemu, and probes qemu again on every
    define otherwise. Domains stay type qemu (TCG).
    """
    if not os.path.exists(KVM):
        return
    saved = _kvm_saved(stack.layout)
    if not os.path.exists(saved):
        st = os.stat(KVM)
        with open(saved, 'w') as f:
            json.dump({'mode': st.st_mode & 0o7777, 'gid': st.st_gid}, f)
    subprocess.run(['chgrp', 'kvm', KVM], check=False)
    os.chmod(KVM, 0o660)


def kvm_restore(layout):
    saved = _kvm_saved(layout)
    try:
        with open(saved) as f:
            was = json.load(f)
    except OSError:
        return
    os.chown(KVM, -1, was['gid'])
    os.chmod(KVM, was['mode'])
    os.unlink(saved)


def libvirtd_command(stack):
    # libvirtd drops its cached qemu capabilities (8 s to probe again)
    # when the host CPUID differs from the cached one, and on these VMs it
    # differs from one vCPU to the other: always the same one.
    return ['taskset', '-c', str(min(os.sched_getaffinity(0))),
            '/usr/sbin/libvirtd']


def libvirtd_ready(stack):
    return virsh('version', timeout=10).returncode == 0


def before_libvirtd_stops(layout):
    """Nova's guests go with libvirtd (qemu outlives it); /dev/kvm back."""
    try:
        names = virsh('list', '--all', '--name', check=False).stdout.split()
    except (OSError, subprocess.SubprocessError):
        names = []
    for name in names:
        if name.startswith('instance-'):
            virsh('destroy', name, check=False)
            virsh('undefine', name, '--nvram', check=False)
    kvm_restore(layout)


# ---------------------------------------------------------- the services
def uwsgi(name, module, threads=4, chunked=False):
    """An API under uwsgi: one process, threads; config from env."""
    def command(stack):
        lay = stack.layout
        # uploads from Cinder to Glance (upload-to-image) are chunked
        extra = (['--http-chunked-input', '--http-raw-body',
                  '--chunked-input-limit', '10485760',
                  '--http-auto-chunked'] if chunked else [])
        return [lay.bin('uwsgi')] + extra + [
            '--http-socket', '%s:%d' % (configs.HOST, stack.port(name)),
            '--module', module, '--home', lay.venv,
            '--master', '--processes', '1', '--threads', str(threads),
            '--lazy-apps', '--die-on-term', '--need-app',
            '--enable-threads', '--buffer-size', '65535',
            # it closes each connection after the answer: tell clients
            # (a POST on a closed pooled connection: reset by peer)
            '--add-header', 'Connection: close',
            '--disable-logging', '--log-4xx', '--log-5xx']
    return command


def http_ready(name):
    """Its app answers (uwsgi binds the port before it loads the app)."""
    return lambda stack: rest.request(stack.url(name) + '/',
                                      timeout=5)[0] < 500


def etc(stack, *parts):
    return stack.layout.etc(os.path.join(*parts))


def placement_env(stack):
    return configs.service_env(
        stack, OS_PLACEMENT_CONFIG_DIR=etc(stack, 'placement'))


def nova_api_env(stack):
    return configs.service_env(
        stack, OS_NOVA_CONFIG_DIR=etc(stack, 'nova'),
        OS_NOVA_CONFIG_FILES='api-paste.ini;nova.conf;nova-api.conf')


def glance_env(stack):
    return configs.service_env(stack,
                               OS_GLANCE_CONFIG_DIR=etc(stack, 'glance'))


def neutron_env(stack):
    return configs.service_env(
        stack, OS_NEUTRON_CONFIG_DIR=etc(stack, 'neutron'),
        OS_NEUTRON_CONFIG_FILES='neutron.conf')


def _manage(stack, name, args, conf):
    procs.run([stack.layout.bin(name), '--config-file', conf] + args,
              log=stack.layout.log(name + '.log'),
              env=configs.service_env(stack), what=' '.join([name] + args))


def placement_setup(stack):
    stack.once('placement-db', _manage, stack, 'placement-manage',
               ['db', 'sync'], etc(stack, 'placement', 'placement.conf'))


def glance_setup(stack):
    stack.once('glance-db', _manage, stack, 'glance-manage', ['db_sync'],
               etc(stack, 'glance', 'glance-api.conf'))


def neutron_setup(stack):
    stack.once('neutron-db', procs.run, [
        stack.layout.bin('neutron-db-manage'), '--config-file',
        etc(stack, 'neutron', 'neutron.conf'), 'upgrade', 'heads'],
        stack.layout.log('neutron-db-manage.log'))


def _nova_db(stack):
    conf = etc(stack, 'nova', 'nova.conf')
    _manage(stack, 'nova-manage', ['api_db', 'sync'], conf)
    _manage(stack, 'nova-manage', ['cell_v2', 'map_cell0'], conf)
    cells = subprocess.run(
        [stack.layout.bin('nova-manage'), '--config-file', conf, 'cell_v2',
         'list_cells'], capture_output=True, text=True).stdout
    if ' cell1 ' not in cells:
        _manage(stack, 'nova-manage', ['cell_v2', 'create_cell', '--name',
                                       'cell1'], conf)
    _manage(stack, 'nova-manage', ['db', 'sync'], conf)


def nova_setup(stack):
    configs.privileges(stack)
    stack.once('nova-db', _nova_db, stack)
    # compute_driver = scaleio_libvirt.LibvirtDriver: the one-line module
    # in nova.virt (the operator's install step)
    stack.once('nova-compute-driver', procs.run, [
        stack.layout.bin('python'), '-m', 'scaleio_nova.compute',
        '--install'], stack.layout.log('nova-manage.log'))


def nova_daemon(name):
    def command(stack):
        return [stack.layout.bin(name), '--config-file',
                etc(stack, 'nova', 'nova.conf')]
    return command


def api(stack, name, path, microversion=None):
    """GET an API path as the cloud's admin."""
    c = stack.cinder()
    if c.token is None:
        c.login()
    headers = {'X-Auth-Token': c.token}
    if microversion:
        headers['OpenStack-API-Version'] = microversion
    return rest.call(stack.url(name) + path, headers=headers)


def nova_service_up(binary):
    def ready(stack):
        return any(s['binary'] == binary and s['state'] == 'up'
                   for s in api(stack, 'nova-api', '/v2.1/os-services')[
                       'services'])
    return ready


def compute_ready(stack):
    """nova-compute up and its resource provider in placement."""
    if not nova_service_up('nova-compute')(stack):
        return False
    # named after the machine's hostname (the hypervisor's)
    return bool(api(stack, 'placement', '/resource_providers',
                    'placement 1.0')['resource_providers'])


def compute_on_ready(stack):
    """The host in cell1, then the flavors and the image (once)."""
    conf = etc(stack, 'nova', 'nova.conf')
    hypervisors = api(stack, 'nova-api', '/v2.1/os-hypervisors')
    if not hypervisors['hypervisors']:
        _manage(stack, 'nova-manage', ['cell_v2', 'discover_hosts'], conf)
    objects = stack.layout.data('cloud-objects.json')
    image = os.path.join(stack.layout.data(), 'boot-sector.img')
    if not os.path.exists(image):
        write_boot_image(image)
    guest = guest_disk(stack.layout)
    # again when the guest changes (cloud_setup.py replaces the image)
    stack.once('cloud-objects-3', procs.run, [
        stack.layout.bin('python'), os.path.join(HERE, 'cloud_setup.py'),
        stack.url('keystone') + '/v3', configs.ADMIN_PASSWORD, image,
        objects, guest, configs.PHYSNET, configs.PROVIDER_CIDR,
        configs.PROVIDER_HOST_IP] + list(configs.PROVIDER_POOL),
        stack.layout.log('cloud-setup.log'), key=_file_key(guest))
    with open(objects) as f:
        stack.cloud_objects = json.load(f)


def backup_ready(stack):
    return any(s['binary'] == 'cinder-backup' and s['state'] == 'up'
               for s in stack.cinder().call('GET', '/os-services')[
                   'services'])


# ------------------------------------------------------------- the images
def _file_key(path):
    st = os.stat(path)
    return '%d:%d' % (st.st_size, st.st_mtime_ns)


def guest_dir(layout):
    return os.path.join(layout.state, 'guest')


def guest_disk(layout):
    """The SSH scenarios' Linux guest (guest_image.py), built if missing.

    harness.py install builds it; this is for a state dir installed
    before that (the packages are cached, a build takes ~10 s).
    """
    path = os.path.join(guest_dir(layout), 'guest.raw')
    if not os.path.exists(path):
        import guest_image
        guest_image.build(guest_dir(layout))
    return path


MARKER = 'SCALEIO-BFV-OK'


def boot_sector(marker=MARKER):
    """A 512-byte x86 boot sector that prints marker on COM1 and halts.

    The one of tests/integration/nova/test_boot_from_volume.py, with one
    MBR partition entry (LBA 1, 2047 sectors): Glance 33's format
    inspector rejects a raw image whose MBR has no partition.
    """
    def out(port, value):
        return (bytes([0xba]) + port.to_bytes(2, 'little')
                + bytes([0xb0, value, 0xee]))

    setup = (bytes([0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0xfc])
             + out(0x3f9, 0x00) + out(0x3fb, 0x80) + out(0x3f8, 0x01)
             + out(0x3f9, 0x00) + out(0x3fb, 0x03))
    loop = bytes([0xac, 0x84, 0xc0, 0x74, 0x06, 0xba, 0xf8, 0x03, 0xee,
                  0xeb, 0xf5, 0xf4, 0xeb, 0xfd])
    code_length = len(setup) + 3 + len(loop)
    message = (marker + '\r\n').encode() + b'\0'
    load_si = bytes([0xbe]) + (0x7c00 + code_length).to_bytes(2, 'little')
    sector = bytearray((setup + load_si + loop + message).ljust(512, b'\0'))
    sector[446:454] = bytes([0x80, 0x00, 0x02, 0x00, 0x83, 0x00, 0x00, 0x00])
    sector[454:458] = (1).to_bytes(4, 'little')
    sector[458:462] = (2047).to_bytes(4, 'little')
    sector[510:512] = b'\x55\xaa'
    return bytes(sector)


def write_boot_image(path):
    """The boot sector padded to 1 MiB: a raw disk image."""
    with open(path + '.new', 'wb') as f:
        f.write(boot_sector())
        f.truncate(1024 * 1024)
    os.replace(path + '.new', path)


def wait_gone(seconds, check):
    deadline = time.monotonic() + seconds
    while check() and time.monotonic() < deadline:
        time.sleep(0.2)
