"""Create the cloud's flavors and boot image (run in the venv, once).

The volume type ``multiattach`` (``multiattach='<is> True'``), flavors
``harness.tiny`` (128 MiB) and ``harness.small`` (192 MiB), 1
vCPU, 1 GiB disk; the image ``harness-boot`` (raw, 1 MiB: a boot sector
that prints SCALEIO-BFV-OK on the serial console) with the properties
that put disks on virtio-scsi: the guest is no OS, and a virtio-blk
detach waits for a guest to acknowledge the unplug, which it never does;
virtio-scsi detaches without the guest. Every object is looked up first.

Usage: cloud_setup.py AUTH_URL ADMIN_PASSWORD IMAGE_FILE OUT_JSON; writes
``{"flavor_ref", "flavor_ref_alt", "image_ref",
"volume_type_multiattach"}`` to OUT_JSON.
"""

import json
import sys

import openstack

FLAVORS = (('harness.tiny', 128), ('harness.small', 192))
IMAGE = 'harness-boot'
MULTIATTACH_TYPE = 'multiattach'
PROPERTIES = {'hw_disk_bus': 'scsi', 'hw_scsi_model': 'virtio-scsi'}


def main(auth_url, admin_password, image_file, out):
    conn = openstack.connect(
        auth_url=auth_url, username='admin', password=admin_password,
        project_name='admin', user_domain_name='Default',
        project_domain_name='Default', region_name='RegionOne',
        identity_api_version='3')
    flavors = []
    for name, ram in FLAVORS:
        flavor = conn.compute.find_flavor(name)
        if flavor is None:
            flavor = conn.compute.create_flavor(name=name, ram=ram, vcpus=1,
                                                disk=1, is_public=True)
        flavors.append(flavor.id)
    image = conn.image.find_image(IMAGE)
    if image is not None and image.status != 'active':
        conn.image.delete_image(image)
        image = None
    if image is None:
        image = conn.image.create_image(
            name=IMAGE, filename=image_file, disk_format='raw',
            container_format='bare', visibility='public', wait=True,
            **PROPERTIES)
    # tempest's [volume] volume_type_multiattach
    vtype = conn.block_storage.find_type(MULTIATTACH_TYPE)
    if vtype is None:
        vtype = conn.block_storage.create_type(
            name=MULTIATTACH_TYPE,
            extra_specs={'multiattach': '<is> True'})
    result = {'flavor_ref': flavors[0], 'flavor_ref_alt': flavors[1],
              'image_ref': image.id, 'volume_type_multiattach': vtype.name}
    with open(out, 'w') as f:
        json.dump(result, f)
    print('cloud: %s' % result)


if __name__ == '__main__':
    main(*sys.argv[1:5])
