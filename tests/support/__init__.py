"""What tests share, one module per side (tests/sides.py).

``common`` imports neither Cinder nor Nova and serves both sides;
``cinder`` is the Cinder side's, ``nova`` the Nova side's. Test modules
that import one side's module load only in that side's runs.
"""
