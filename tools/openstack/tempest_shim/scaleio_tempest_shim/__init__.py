"""Tempest shim plugin for a cloud with Keystone and Cinder only."""
