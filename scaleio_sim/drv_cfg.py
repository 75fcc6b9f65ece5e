"""A stand-in for the SDC's ``drv_cfg`` tool, one per simulated host.

The simulator writes into each SDC's host directory an ``sdc.json``
descriptor and an executable ``drv_cfg`` script, so that host code runs the
same command lines it would on a real SDC host::

    <host_dir>/drv_cfg --query_guid      the SDC's GUID
    <host_dir>/drv_cfg --rescan          pick up pending mappings
    <host_dir>/drv_cfg --query_vols      volumes with a device on this host
    <host_dir>/drv_cfg --query_mdm       the system and SDC ids

``scaleio-sim-drv-cfg --host-dir DIR ...`` does the same from anywhere.
"""

import argparse
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

from scaleio_sim import datapath

DESCRIPTOR = 'sdc.json'
SCRIPT = 'drv_cfg'


def write_host_files(host_dir, descriptor):
    """Write the descriptor and the drv_cfg script for one SDC host."""
    os.makedirs(host_dir, exist_ok=True)
    path = os.path.join(host_dir, DESCRIPTOR)
    with open(path + '.new', 'w') as f:
        json.dump(descriptor, f, indent=2)
    os.replace(path + '.new', path)
    script = os.path.join(host_dir, SCRIPT)
    with open(script + '.new', 'w') as f:
        f.write('#!/bin/sh\nexec %s -m scaleio_sim.drv_cfg --host-dir %s '
                '"$@"\n' % (sys.executable, _quote(host_dir)))
    os.chmod(script + '.new', 0o755)
    os.replace(script + '.new', script)


def _quote(text):
    return "'%s'" % text.replace("'", "'\\''")


def _rescan(descriptor):
    url = '%s/sim/sdcs/%s/rescan' % (descriptor['control_url'],
                                     urllib.parse.quote(descriptor['sdcId']))
    request = urllib.request.Request(url, data=b'{}', method='POST')
    handlers = [urllib.request.ProxyHandler({})]    # loopback: no proxy
    if url.startswith('https') and descriptor.get('ca_file'):
        handlers.append(urllib.request.HTTPSHandler(
            context=ssl.create_default_context(
                cafile=descriptor['ca_file'])))
    with urllib.request.build_opener(*handlers).open(request, timeout=30):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='drv_cfg', description='Simulated SDC driver configuration tool')
    parser.add_argument('--host-dir', required=True,
                        help='the simulated host directory')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--query_guid', action='store_true')
    group.add_argument('--rescan', action='store_true')
    group.add_argument('--query_vols', action='store_true')
    group.add_argument('--query_mdm', action='store_true')
    args = parser.parse_args(argv)
    try:
        with open(os.path.join(args.host_dir, DESCRIPTOR)) as f:
            descriptor = json.load(f)
    except (OSError, ValueError) as e:
        print('drv_cfg: no simulated SDC in %s: %s' % (args.host_dir, e),
              file=sys.stderr)
        return 1
    if args.query_guid:
        print(descriptor['guid'])
    elif args.query_mdm:
        print('Retrieved 1 mdm(s)')
        print('MDM-ID %s SDC ID %s INSTALLATION ID %s IPs [0]-127.0.0.1'
              % (descriptor['systemId'], descriptor['sdcId'],
                 descriptor['systemId']))
    elif args.query_vols:
        prefix = datapath.link_name(descriptor['systemId'], '')
        try:
            entries = sorted(e for e in os.listdir(descriptor['device_dir'])
                             if e.startswith(prefix))
        except FileNotFoundError:
            entries = []
        print('Retrieved %d volume(s)' % len(entries))
        for entry in entries:
            print('VOL-ID %s MDM-ID %s' % (entry[len(prefix):],
                                           descriptor['systemId']))
    else:
        try:
            _rescan(descriptor)
        except (OSError, urllib.error.URLError) as e:
            print('drv_cfg: rescan failed: %s' % e, file=sys.stderr)
            return 1
        print('Rescan done')
    return 0


if __name__ == '__main__':
    sys.exit(main())
