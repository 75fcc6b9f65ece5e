"""The Nova side of the real boot test, in a process of its own.

Imports Nova, never Cinder (both register ``[DEFAULT] state_path``). Runs
nova 34's real ``LibvirtDriver`` (our subclass of it, or nova's own for
the in-tree baseline) against a real libvirtd and qemu (TCG), through the
methods nova-compute calls: ``get_volume_connector``, ``spawn`` with a
boot-from-volume block device mapping, ``attach_volume``,
``extend_volume``, ``detach_volume`` and ``destroy``. Only Nova's
database is missing: what would be read from or saved to it is given or
mocked. Requests arrive as JSON lines
(tests/integration/nova/sidecar.py)::

    python -m tests.integration.nova.nova_side

``Host.initialize()`` starts a non-daemon event thread, so the process
ends with ``os._exit``.
"""

import importlib
import os
import subprocess
import time
from unittest import mock

import libvirt_qemu
import os_brick
from os_brick.initiator.connectors import scaleio as brick_scaleio
from os_brick.privileged import default as brick_privileged
from oslo_config import cfg
from oslo_serialization import jsonutils

import nova.conf
from nova import context as nova_context
from nova import objects
from nova.virt import block_device as driver_block_device
from nova.virt import fake
from tests.integration.nova import sidecar

CONF = cfg.CONF
INSTANCE_UUID = '5c1a0bf0-0000-4000-8000-000000000001'
# instance-5c1a0bf0: a domain name no other guest on the host has, so
# that a leftover of an interrupted run can be found and removed.
INSTANCE_ID = 0x5c1a0bf0


def _drv_cfg(drv_cfg_path, option):
    return subprocess.run([drv_cfg_path, option], check=True, text=True,
                          capture_output=True).stdout.strip()


def use_in_tree_connector(by_id_dir, drv_cfg_path):
    """Point nova's in-tree driver's os-brick connector at the simulator.

    Only for the in-tree parity baseline. The search path is a method of
    the connector (udev's /dev/disk/by-id does not exist here). The SDC
    GUID query and the rescan are ioctls on /dev/scini, the scini kernel
    module that cannot run here: they are answered by the simulated
    host's drv_cfg instead.
    """
    brick_scaleio.ScaleIOConnector.get_search_path = lambda self: by_id_dir
    brick_scaleio.priv_scaleio.get_guid = (
        lambda op_code: _drv_cfg(drv_cfg_path, '--query_guid'))
    brick_scaleio.priv_scaleio.rescan_vols = (
        lambda op_code: _drv_cfg(drv_cfg_path, '--rescan'))


class NovaSide:
    """A LibvirtDriver, one instance, and the volumes attached to it."""

    def __init__(self):
        self.driver = None
        self.context = None
        self.instance = None
        self.serial_log = None
        self.patches = []

    def setup(self, work_dir, driver_class, scaleio_options=None,
              in_tree=None):
        # Importing the driver class registers its options ([scaleio]).
        module, _, name = driver_class.rpartition('.')
        cls = getattr(importlib.import_module(module), name)
        CONF([], project='nova', default_config_files=[])
        # What ComputeManager.init_host registers before the driver runs.
        nova.conf.neutron.register_dynamic_opts(CONF)
        nova.conf.devices.register_dynamic_opts(CONF)
        for name, value in (scaleio_options or {}).items():
            CONF.set_override(name, value, group='scaleio')
        objects.register_all()
        instances = os.path.join(work_dir, 'instances')
        os.makedirs(instances, mode=0o755, exist_ok=True)
        CONF.set_override('instances_path', instances)
        CONF.set_override('state_path', work_dir)
        CONF.set_override('host', 'compute1')
        CONF.set_override('lock_path', os.path.join(work_dir, 'locks'),
                          group='oslo_concurrency')
        CONF.set_override('virt_type', 'qemu', group='libvirt')
        CONF.set_override('connection_uri', 'qemu:///system',
                          group='libvirt')
        CONF.set_override('num_volume_scan_tries', 3, group='libvirt')
        CONF.set_override('device_detach_timeout', 5, group='libvirt')
        # TCG: no host CPU model; no graphics (the guest talks on COM1).
        CONF.set_override('cpu_mode', 'none', group='libvirt')
        CONF.set_override('enabled', False, group='vnc')
        CONF.set_override('enabled', False, group='spice')
        os_brick.setup(CONF)
        # We are root: run os-brick's privileged calls (blockdev
        # --getsize64) in this process instead of a privsep daemon.
        brick_privileged.set_client_mode(False)
        if in_tree:
            use_in_tree_connector(**in_tree)

        self.driver = cls(fake.FakeVirtAPI(), False)
        # Real libvirt events (device removed) for detach_volume.
        self.driver._host.initialize()
        self.context = nova_context.get_admin_context()
        flavor = objects.Flavor(
            id=1, flavorid='1', name='bfv.tiny', memory_mb=64, vcpus=1,
            root_gb=0, ephemeral_gb=0, swap=0, extra_specs={})
        # What nova-compute loads from its database with the instance.
        self.instance = objects.Instance(
            context=self.context, id=INSTANCE_ID, uuid=INSTANCE_UUID,
            image_ref='', system_metadata={}, flavor=flavor,
            old_flavor=None, new_flavor=None, memory_mb=64, vcpus=1,
            root_gb=0, ephemeral_gb=0, ephemeral_key_uuid=None,
            root_device_name='/dev/vda', host='compute1', node='compute1',
            launched_on='compute1', project_id='project', user_id='user',
            display_name='bfv', hostname='bfv', vm_state='building',
            task_state=None, power_state=0, numa_topology=None,
            device_metadata=None, config_drive='', key_data=None,
            metadata={}, os_type=None, architecture=None, vm_mode=None,
            kernel_id='', ramdisk_id='', auto_disk_config=False,
            pci_devices=objects.PciDeviceList(objects=[]),
            pci_requests=objects.InstancePCIRequests(
                requests=[], instance_uuid=INSTANCE_UUID),
            resources=None, trusted_certs=None, migration_context=None,
            vcpu_model=None, keypairs=objects.KeyPairList(objects=[]),
            security_groups=objects.SecurityGroupList(objects=[]),
            tags=objects.TagList(objects=[]), info_cache=None,
            availability_zone=None, hidden=False, cleaned=False,
            locked=False)
        # The instance and its device metadata live in Nova's database,
        # which this test does not run.
        for target, attribute in ((objects.Instance, 'save'),
                                  (objects.BlockDeviceMapping, 'save'),
                                  (type(self.driver),
                                   '_build_device_metadata')):
            patch = mock.patch.object(target, attribute, autospec=True,
                                      return_value=None)
            patch.start()
            self.patches.append(patch)
        instance_dir = os.path.join(instances, INSTANCE_UUID)
        os.makedirs(instance_dir, mode=0o755, exist_ok=True)
        self.serial_log = os.path.join(instance_dir, 'console.log')
        return {'driver': '%s.%s' % (type(self.driver).__module__,
                                     type(self.driver).__name__),
                'volume_driver': self._volume_driver_name(),
                'instance': self.instance.name}

    def _volume_driver_name(self):
        vol = self.driver._get_volume_driver({'driver_volume_type':
                                              'scaleio'})
        return '%s.%s' % (type(vol).__module__, type(vol).__name__)

    def connector(self):
        """The host's connector properties (what Nova sends Cinder)."""
        return self.driver.get_volume_connector(self.instance)

    def _guest(self):
        return self.driver._host.get_guest(self.instance)

    def _disks(self):
        return {d.target_dev: d.source_path
                for d in self._guest().get_all_disks()}

    def spawn(self, connection_info, volume_id, marker, timeout=60):
        """Boot the instance from a volume with LibvirtDriver.spawn.

        As nova-compute does: a block device mapping for the volume as the
        root disk (boot index 0, /dev/vda on virtio), no image, no
        network. Waits for ``marker`` in the instance's console log.
        """
        start = time.monotonic()
        bdm = objects.BlockDeviceMapping(
            context=self.context, id=1, instance_uuid=INSTANCE_UUID,
            source_type='volume', destination_type='volume',
            volume_id=volume_id, boot_index=0, device_name='/dev/vda',
            disk_bus='virtio', device_type='disk',
            delete_on_termination=False, guest_format=None,
            connection_info=jsonutils.dumps(connection_info),
            volume_size=None, snapshot_id=None, image_id=None,
            no_device=False, tag=None, attachment_id=None,
            volume_type=None, encrypted=False)
        self.root_bdm = driver_block_device.DriverVolumeBlockDevice(bdm)
        self.block_device_info = {
            'root_device_name': '/dev/vda', 'ephemerals': [], 'swap': None,
            'block_device_mapping': [self.root_bdm]}
        # After the boot, spawn records image property defaults, reading
        # the instance's block device mappings from Nova's database.
        patch = mock.patch.object(
            objects.BlockDeviceMappingList, 'get_by_instance_uuid',
            return_value=objects.BlockDeviceMappingList(objects=[bdm]))
        patch.start()
        self.patches.append(patch)
        image_meta = objects.ImageMeta.from_dict(
            {'disk_format': 'raw', 'container_format': 'bare',
             'properties': {}})
        self.driver.spawn(self.context, self.instance, image_meta,
                          injected_files=[], admin_password=None,
                          allocations={}, network_info=[],
                          block_device_info=self.block_device_info)
        launched = time.monotonic()
        deadline = launched + timeout
        log = ''
        while time.monotonic() < deadline:
            if os.path.exists(self.serial_log):
                with open(self.serial_log, errors='replace') as f:
                    log = f.read()
                if marker in log:
                    break
            time.sleep(0.1)
        connection_info = self.root_bdm['connection_info']
        return {'serial_log': log,
                'device_path': connection_info['data'].get('device_path'),
                'connection_info': connection_info,
                'disks': self._disks(),
                'domain_xml': self._guest().get_xml_desc(),
                'seconds_to_marker': round(time.monotonic() - launched, 2),
                'seconds': round(time.monotonic() - start, 2)}

    def attach(self, connection_info, mountpoint):
        self.driver.attach_volume(self.context, connection_info,
                                  self.instance, mountpoint,
                                  disk_bus='scsi', device_type='disk')
        return {'connection_info': connection_info,
                'disks': self._disks(),
                'domain_xml': self._guest().get_xml_desc()}

    def qemu_read(self, volume_id, offset, length, pattern):
        """Check data through QEMU's block layer (HMP ``qemu-io``).

        QEMU prints qemu-io's report on its stdout, which libvirt keeps
        in the domain log; the report is returned.
        """
        log = '/var/log/libvirt/qemu/%s.log' % self.instance.name
        seen = os.path.getsize(log) if os.path.exists(log) else 0
        command = 'qemu-io -d ua-%s "read -P 0x%02x %d %d"' % (
            volume_id, pattern, offset, length)
        libvirt_qemu.qemuMonitorCommand(
            self._guest()._domain, command,
            libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)
        deadline = time.monotonic() + 10
        report = ''
        while time.monotonic() < deadline:
            with open(log, errors='replace') as f:
                f.seek(seen)
                report = f.read()
            if 'ops/sec' in report:
                break
            time.sleep(0.05)
        return report

    def block_capacity(self, dev):
        return self._guest()._domain.blockInfo(dev)[0]

    def extend(self, connection_info, requested_size, dev):
        self.driver.extend_volume(self.context, connection_info,
                                  self.instance, requested_size)
        return {'capacity': self.block_capacity(dev)}

    def detach(self, connection_info, mountpoint):
        self.driver.detach_volume(self.context, connection_info,
                                  self.instance, mountpoint)
        return {'disks': self._disks()}

    def destroy(self):
        """Delete the instance as nova-compute does (LibvirtDriver.destroy).

        Powers the guest off, undefines it, disconnects its volumes and
        removes the instance directory.
        """
        self.driver.destroy(self.context, self.instance, network_info=[],
                            block_device_info=self.block_device_info,
                            destroy_disks=True)
        return {'domains': [d.name() for d in
                            self.driver._host.list_instance_domains(
                                only_running=False)],
                'instance_dir': os.path.exists(os.path.dirname(
                    self.serial_log))}


def main():
    side = NovaSide()
    handlers = {name: getattr(side, name) for name in (
        'setup', 'connector', 'spawn', 'attach', 'qemu_read',
        'block_capacity', 'extend', 'detach', 'destroy')}
    sidecar.serve(handlers, finish=os._exit)


if __name__ == '__main__':
    main()
