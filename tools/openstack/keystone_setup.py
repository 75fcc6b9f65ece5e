"""Create the harness's Keystone objects for Cinder (run in the venv).

After ``keystone-manage bootstrap``: project ``service``, user ``cinder``
with roles ``admin`` and ``service`` on it, services ``block-storage`` and
``volumev3`` with public/internal/admin endpoints. One process with
openstacksdk (each ``openstack`` CLI call costs seconds); every object is
looked up first, so it can run again.

Usage: keystone_setup.py KEYSTONE_URL ADMIN_PASSWORD CINDER_PASSWORD
CINDER_URL
"""

import sys

import openstack


def main(keystone_url, admin_password, cinder_password, cinder_url):
    conn = openstack.connect(
        auth_url=keystone_url + '/v3', username='admin',
        password=admin_password, project_name='admin',
        user_domain_name='Default', project_domain_name='Default',
        region_name='RegionOne', identity_api_version='3')
    idc = conn.identity
    project = (idc.find_project('service', domain_id='default')
               or idc.create_project(name='service', domain_id='default',
                                     description='Service project'))
    user = idc.find_user('cinder', domain_id='default')
    if user is None:
        user = idc.create_user(name='cinder', password=cinder_password,
                               domain_id='default')
    else:
        idc.update_user(user, password=cinder_password)
    for role_name in ('admin', 'service'):
        role = idc.find_role(role_name)
        if role is None:
            role = idc.create_role(name=role_name)
        idc.assign_project_role_to_user(project, user, role)
    url = cinder_url + '/%(project_id)s'
    for name, kind in (('cinderv3', 'block-storage'),
                       ('cinderv3-legacy', 'volumev3')):
        service = next((s for s in idc.services() if s.type == kind), None)
        if service is None:
            service = idc.create_service(name=name, type=kind,
                                         description='Block Storage')
        existing = {e.interface: e for e in
                    idc.endpoints(service_id=service.id)}
        for interface in ('public', 'internal', 'admin'):
            endpoint = existing.get(interface)
            if endpoint is None:
                idc.create_endpoint(service_id=service.id,
                                    interface=interface, url=url,
                                    region_id='RegionOne')
            elif endpoint.url != url:
                idc.update_endpoint(endpoint, url=url)
    print('keystone: service project, cinder user and block-storage '
          'endpoints ready')


if __name__ == '__main__':
    main(*sys.argv[1:5])
