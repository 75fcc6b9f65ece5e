"""Create the cloud's flavors, images and network (run in the venv, once).

The volume type ``multiattach`` (``multiattach='<is> True'``), flavors
``harness.tiny`` (128 MiB) and ``harness.small`` (192 MiB), 1
vCPU, 1 GiB disk; the image ``harness-boot`` (raw, 1 MiB: a boot sector
that prints SCALEIO-BFV-OK on the serial console) with the properties
that put disks on virtio-scsi: the guest is no OS, and a virtio-blk
detach waits for a guest to acknowledge the unplug, which it never does;
virtio-scsi detaches without the guest.

For the SSH scenarios: the image ``harness-guest`` (guest_image.py's
Linux guest, raw, disks on virtio-scsi as tempest's ``volume_device_name
= sdb`` expects, a config drive for its keys), flavors ``harness.guest``
(256 MiB) and ``harness.guest-alt`` (320 MiB), and the shared flat
provider network ``public`` on the physical network the harness bridges
to the host (DHCP from OVN, gateway the host's address). Every object is
looked up first.

Usage: cloud_setup.py AUTH_URL ADMIN_PASSWORD IMAGE_FILE OUT_JSON
GUEST_FILE PHYSNET CIDR GATEWAY POOL_START POOL_END; writes
``{"flavor_ref", "flavor_ref_alt", "image_ref",
"volume_type_multiattach", "guest_image_ref", "guest_flavor_ref",
"guest_flavor_ref_alt", "public_network_id", "public_network_name"}``
to OUT_JSON.
"""

import hashlib
import json
import sys

import openstack

FLAVORS = (('harness.tiny', 128), ('harness.small', 192))
GUEST_FLAVORS = (('harness.guest', 256), ('harness.guest-alt', 320))
IMAGE = 'harness-boot'
GUEST_IMAGE = 'harness-guest'
MULTIATTACH_TYPE = 'multiattach'
PROPERTIES = {'hw_disk_bus': 'scsi', 'hw_scsi_model': 'virtio-scsi'}
# the guest takes its SSH keys from a config drive (no metadata service:
# ovn_metadata_enabled = False)
GUEST_PROPERTIES = dict(PROPERTIES, img_config_drive='mandatory')
NETWORK = 'public'


def flavor(conn, name, ram):
    found = conn.compute.find_flavor(name)
    if found is None:
        found = conn.compute.create_flavor(name=name, ram=ram, vcpus=1,
                                           disk=1, is_public=True)
    return found.id


def md5(path):
    h = hashlib.md5(usedforsecurity=False)
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def image(conn, name, path, properties):
    """The image of that name with path's content (replaced if not)."""
    found = conn.image.find_image(name)
    if found is not None and (found.status != 'active'
                              or found.checksum != md5(path)):
        conn.image.delete_image(found)
        found = None
    if found is None:
        found = conn.image.create_image(
            name=name, filename=path, disk_format='raw',
            container_format='bare', visibility='public', wait=True,
            **properties)
    return found.id


def provider_network(conn, physnet, cidr, gateway, pool_start, pool_end):
    """The shared flat network on physnet and its DHCP subnet."""
    network = conn.network.find_network(NETWORK)
    if network is None:
        network = conn.network.create_network(
            name=NETWORK, is_shared=True, provider_network_type='flat',
            provider_physical_network=physnet)
    if not list(conn.network.subnets(network_id=network.id)):
        conn.network.create_subnet(
            name=NETWORK + '-v4', network_id=network.id, ip_version=4,
            cidr=cidr, gateway_ip=gateway, is_dhcp_enabled=True,
            allocation_pools=[{'start': pool_start, 'end': pool_end}])
    return network


def main(auth_url, admin_password, image_file, out, guest_file, physnet,
         cidr, gateway, pool_start, pool_end):
    conn = openstack.connect(
        auth_url=auth_url, username='admin', password=admin_password,
        project_name='admin', user_domain_name='Default',
        project_domain_name='Default', region_name='RegionOne',
        identity_api_version='3')
    flavors = [flavor(conn, name, ram) for name, ram in FLAVORS]
    guest_flavors = [flavor(conn, name, ram) for name, ram in GUEST_FLAVORS]
    image_ref = image(conn, IMAGE, image_file, PROPERTIES)
    guest_ref = image(conn, GUEST_IMAGE, guest_file, GUEST_PROPERTIES)
    network = provider_network(conn, physnet, cidr, gateway, pool_start,
                               pool_end)
    # tempest's [volume] volume_type_multiattach
    vtype = conn.block_storage.find_type(MULTIATTACH_TYPE)
    if vtype is None:
        vtype = conn.block_storage.create_type(
            name=MULTIATTACH_TYPE,
            extra_specs={'multiattach': '<is> True'})
    result = {'flavor_ref': flavors[0], 'flavor_ref_alt': flavors[1],
              'image_ref': image_ref, 'volume_type_multiattach': vtype.name,
              'guest_image_ref': guest_ref,
              'guest_flavor_ref': guest_flavors[0],
              'guest_flavor_ref_alt': guest_flavors[1],
              'public_network_id': network.id,
              'public_network_name': network.name}
    with open(out, 'w') as f:
        json.dump(result, f)
    print('cloud: %s' % result)


if __name__ == '__main__':
    main(*sys.argv[1:11])
