"""How to reach one gateway: address, credentials, TLS, timeouts, retries."""

import dataclasses
import typing
import urllib.parse

DEFAULT_PORT = 443


def parse_address(text, default_port):
    """(host, port) of ``host``, ``host:port`` or ``[v6 address]:port``.

    A bare IPv6 address (several colons, no brackets) takes the default
    port.
    """
    text = (text or '').strip()
    host, port = text, default_port
    if text.startswith('['):
        host, _, rest = text[1:].partition(']')
        if rest:
            if not rest.startswith(':'):
                raise ValueError('%r is not [address]:port' % text)
            port = rest[1:]
    elif text.count(':') == 1:
        host, port = text.split(':')
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ValueError('the port in %r is not a number' % text)
    if not host or not 0 < port < 65536:
        raise ValueError('%r is not a gateway address (host or host:port)'
                         % text)
    return host, port


@dataclasses.dataclass
class GatewayConfig:
    """Connection settings; the password never appears in its repr."""

    host: str
    username: str
    password: str = dataclasses.field(repr=False)
    port: int = DEFAULT_PORT
    scheme: str = 'https'
    # TLS: verify against the system trust store, or this CA bundle; off
    # only when asked for explicitly (a warning is logged once).
    verify_tls: bool = True
    ca_bundle: typing.Optional[str] = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # Idempotent calls are tried up to 1 + retries times on transport
    # errors, with exponential backoff and jitter between attempts.
    retries: int = 4
    retry_backoff: float = 0.5
    retry_backoff_max: float = 8.0
    # Log in again before using a token idle this long (the gateway drops
    # idle tokens; about 10 minutes is commonly configured) or this old.
    token_idle_timeout: float = 300.0
    token_max_age: float = 4 * 3600.0
    pool_size: int = 32
    # More gateways of the same system (``host`` or ``host:port``, the port
    # defaulting to ``port``): the client moves to the next one when the
    # one it uses does not answer.
    more_hosts: typing.Tuple[str, ...] = ()

    def __post_init__(self):
        if self.scheme not in ('http', 'https'):
            raise ValueError('scheme %r is not http or https' % self.scheme)
        if not self.host:
            raise ValueError('the gateway host is empty')
        if not 0 < int(self.port) < 65536:
            raise ValueError('port %r is not a TCP port' % (self.port,))
        for name in ('connect_timeout', 'read_timeout'):
            if getattr(self, name) <= 0:
                raise ValueError('%s must be positive, got %r'
                                 % (name, getattr(self, name)))
        if self.retries < 0:
            raise ValueError('retries must not be negative, got %r'
                             % (self.retries,))
        self.more_hosts = tuple(self.more_hosts)
        for address in self.more_hosts:
            parse_address(address, self.port)

    def _url(self, host, port):
        host = host if ':' not in host else '[%s]' % host
        return '%s://%s:%d/api' % (self.scheme, host, int(port))

    @property
    def base_url(self):
        return self._url(self.host, self.port)

    @property
    def base_urls(self):
        """Every gateway's API URL, the first one first."""
        return [self.base_url] + [
            self._url(*parse_address(a, self.port)) for a in self.more_hosts]

    @property
    def verify(self):
        """The ``verify`` argument for requests."""
        if not self.verify_tls:
            return False
        return self.ca_bundle or True

    @classmethod
    def from_url(cls, url, username, password, **kwargs):
        """Settings for a gateway given as ``scheme://host:port[/api]``."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError('%r is not an http(s)://host[:port] URL' % url)
        return cls(host=parts.hostname, username=username, password=password,
                   port=parts.port or (443 if parts.scheme == 'https'
                                       else 80),
                   scheme=parts.scheme, **kwargs)
