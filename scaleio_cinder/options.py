"""The driver's options, in a backend section of cinder.conf.

Our names start with ``scaleio_``. The upstream names a migrating operator
already has (``powerflex_*``, ``vxflexos_*``, ``sio_*``) are accepted as
deprecated aliases where they mean the same thing. The gateway address
and credentials are Cinder's common ``san_ip``, ``san_login`` and
``san_password``; ``san_thin_provision`` gives the default provisioning.
"""

from oslo_config import cfg


def _aliases(*names):
    return [cfg.DeprecatedOpt(name) for name in names]


def _upstream(suffix):
    """The upstream spellings of an option, newest first."""
    return _aliases('powerflex_' + suffix, 'vxflexos_' + suffix,
                    'sio_' + suffix)


scaleio_opts = [
    cfg.ListOpt('scaleio_storage_pools',
                deprecated_opts=_upstream('storage_pools'),
                help='Storage pools for volumes, as a comma-separated list '
                     'of protection_domain:storage_pool names. Each becomes '
                     'a Cinder pool named the same way.'),
    cfg.PortOpt('scaleio_rest_server_port', default=443,
                deprecated_opts=_upstream('rest_server_port'),
                help='TCP port of the REST Gateway (san_ip).'),
    cfg.BoolOpt('scaleio_verify_certificate', default=True,
                deprecated_opts=_aliases('sio_verify_server_certificate'),
                help='Verify the gateway\'s TLS certificate, against '
                     'scaleio_ca_bundle or the system trust store. Turning '
                     'this off lets anyone on the network path read the '
                     'gateway credentials.'),
    cfg.StrOpt('scaleio_ca_bundle',
               deprecated_opts=_aliases('sio_server_certificate_path'),
               help='CA bundle (PEM) that signed the gateway certificate; '
                    'default: Cinder\'s driver_ssl_cert_path if set, else '
                    'the system trust store.'),
    cfg.FloatOpt('scaleio_rest_connect_timeout', default=10.0, min=0.1,
                 help='Seconds to wait for a connection to the gateway.'),
    cfg.FloatOpt('scaleio_rest_read_timeout', default=60.0, min=0.1,
                 help='Seconds to wait for an answer from the gateway.'),
    cfg.IntOpt('scaleio_rest_retries', default=4, min=0,
               help='How many more times a safe gateway call is tried after '
                    'a connection error, a timeout or a 5xx answer.'),
    cfg.BoolOpt('scaleio_round_volume_capacity', default=True,
                deprecated_opts=_upstream('round_volume_capacity'),
                help='Accept volume sizes that are not a multiple of 8 GiB '
                     '(the array allocates the next multiple; Cinder keeps '
                     'the requested size). If false, such sizes are '
                     'refused.'),
    cfg.FloatOpt('scaleio_max_over_subscription_ratio',
                 deprecated_opts=_upstream('max_over_subscription_ratio'),
                 help='Over-subscription ratio for thin pools. Unset: '
                      'Cinder\'s max_over_subscription_ratio applies '
                      '(including "auto").'),
    cfg.BoolOpt('scaleio_allow_non_padded_volumes', default=False,
                deprecated_opts=_upstream('allow_non_padded_volumes'),
                help='Allow volumes in storage pools without zero padding. '
                     'Their new volumes may show data of deleted volumes '
                     'to other tenants.'),
    cfg.BoolOpt('scaleio_allow_migration_during_rebuild', default=False,
                deprecated_opts=_upstream('allow_migration_during_rebuild'),
                help='Allow storage-assisted migration while the pool is '
                     'rebuilding.'),
    cfg.IntOpt('scaleio_migration_timeout', default=3600, min=0,
               help='Seconds a storage-assisted migration (or retype) '
                    'waits for the array to move the volume. When it runs '
                    'out, Cinder keeps the volume in its old pool and says '
                    'so; the array goes on moving, and migrating the '
                    'volume to the same pool again resumes the wait.'),
    cfg.FloatOpt('scaleio_migration_poll_interval', default=5.0, min=0.01,
                 help='Seconds between two reads of a moving volume\'s '
                      'vTree during a storage-assisted migration.'),
    cfg.IntOpt('scaleio_max_image_cache_vtree_size', default=0, min=0,
               max=126,
               deprecated_opts=_upstream('max_image_cache_vtree_size'),
               help='Rebuild an image-cache entry once its vTree holds '
                    'this many volumes (0: only when the array\'s limit '
                    'is reached).'),
]


def list_opts():
    """For oslo-config-generator (the ``oslo.config.opts`` entry point)."""
    return [('backend', scaleio_opts)]
