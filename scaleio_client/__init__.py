"""The ScaleIO / PowerFlex REST Gateway client shared by the Cinder driver
and the host connector: sessions, tokens, retries, TLS, typed errors, names,
sizes, API versions and typed operations. It imports no OpenStack service.

    from scaleio_client import client, config
    gateway = client.ScaleIOClient(config.GatewayConfig(
        host='gw.example.com', username='admin', password=...))
    pool_id = gateway.storage_pool_id('pd1', 'sp1')
"""
