"""Create the harness's Keystone objects (run in the venv, after bootstrap).

Project ``service``; each service user with roles ``admin`` and
``service`` on it; each catalog entry with public, internal and admin
endpoints. One process with openstacksdk (each ``openstack`` CLI call
costs seconds); every object is looked up first, so it can run again.

Usage: keystone_setup.py AUTH_URL ADMIN_PASSWORD SPEC, where SPEC is JSON:
``{"users": [[name, password]], "endpoints": [[name, type, url]]}``.
"""

import json
import sys

import openstack


def main(auth_url, admin_password, spec):
    spec = json.loads(spec)
    conn = openstack.connect(
        auth_url=auth_url, username='admin', password=admin_password,
        project_name='admin', user_domain_name='Default',
        project_domain_name='Default', region_name='RegionOne',
        identity_api_version='3')
    idc = conn.identity
    project = (idc.find_project('service', domain_id='default')
               or idc.create_project(name='service', domain_id='default',
                                     description='Service project'))
    roles = [idc.find_role(name) or idc.create_role(name=name)
             for name in ('admin', 'service')]
    for name, password in spec['users']:
        user = idc.find_user(name, domain_id='default')
        if user is None:
            user = idc.create_user(name=name, password=password,
                                   domain_id='default')
        else:
            idc.update_user(user, password=password)
        for role in roles:
            idc.assign_project_role_to_user(project, user, role)
    for name, kind, url in spec['endpoints']:
        service = next((s for s in idc.services() if s.type == kind), None)
        if service is None:
            service = idc.create_service(name=name, type=kind)
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
    print('keystone: project service, users %s, endpoints %s' % (
        ', '.join(u for u, _ in spec['users']),
        ', '.join(k for _, k, _ in spec['endpoints'])))


if __name__ == '__main__':
    main(*sys.argv[1:4])
