"""Gateway object names derived from Cinder ids, and how to put names in
URL paths.

A volume or snapshot is named by the standard base64 of its Cinder UUID's
16 bytes: 24 characters that fit the gateway's 31-character limit. The
in-tree PowerFlex driver uses the same scheme, so its volumes stay usable.
"""

import base64
import binascii
import urllib.parse
import uuid


def id_to_name(object_id):
    """The gateway name of a Cinder object id (a UUID, or any string).

    ``1e5f37e5-7e5e-4a0f-b170-e45f4b469f6a`` -> ``Hl835X5eSg+xcORfS0afag==``.
    Dashes are dropped; a hex string (such as ``'ff' + uuid`` for a
    temporary migration name) is then decoded to bytes, anything else is
    encoded as UTF-8, as the in-tree driver does.
    """
    text = str(object_id).replace('-', '')
    try:
        raw = base64.b16decode(text.upper())
    except binascii.Error:
        raw = text.encode('utf-8')
    return base64.b64encode(raw).decode('ascii')


def name_to_id(name):
    """The Cinder UUID whose gateway name this is, or None if it is not one."""
    if not isinstance(name, str) or len(name) != 24:
        return None
    try:
        raw = base64.b64decode(name, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 or base64.b64encode(raw).decode('ascii') != name:
        return None
    return str(uuid.UUID(bytes=raw))


def quote(name, times=1):
    """Percent-encode a name for a ``getByName::`` path, ``times`` times.

    Protection domain and pool names go once (as Cinder sends them); volume
    names twice (as os-brick and siolib do): the gateway decodes twice, so
    ``+``, ``/`` and ``=`` in base64 names survive either way.
    """
    for _ in range(times):
        name = urllib.parse.quote(name, safe='')
    return name
